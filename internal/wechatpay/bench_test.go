package wechatpay_test

import (
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// BenchmarkSignRequest: the message, RSA-2048 signature and Authorization
// header of one request (R1's body).
func BenchmarkSignRequest(b *testing.B) {
	key, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.MerchantPrivateKeyPEM))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(r1Body)
	b.ReportAllocs()
	for b.Loop() {
		a, err := wechatpay.SignRequest(key, wechatpaytest.MchID, wechatpaytest.MerchantSerial, "POST",
			"/v3/marketing/busifavor/coupons/use", "1700000000", wechatpay.NewNonce(), body)
		if err != nil {
			b.Fatal(err)
		}
		_ = a.String()
	}
}

// BenchmarkVerifyAnswer: the checks and RSA verification of one signed
// answer (S1).
func BenchmarkVerifyAnswer(b *testing.B) {
	_, pv := mustKeys(b)
	pv.Now = func() time.Time { return time.Unix(1700000001, 0) }
	h := wechatpay.SignedHeaders{Timestamp: "1700000001", Nonce: "C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8", Serial: wechatpaytest.PublicKeyID, Signature: s1Sig}
	body := []byte(s1Body)
	b.ReportAllocs()
	for b.Loop() {
		if err := pv.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecryptResource: AES-256-GCM opening of N1's resource.
func BenchmarkDecryptResource(b *testing.B) {
	r := wechatpay.Resource{Algorithm: wechatpay.AlgorithmAESGCM, Ciphertext: n1Ciphertext, AssociatedData: "coupon", Nonce: "fYq3Zc8LmN2p"}
	key := []byte(wechatpaytest.APIv3Key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wechatpay.DecryptResource(key, r); err != nil {
			b.Fatal(err)
		}
	}
}
