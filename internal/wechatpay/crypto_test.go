package wechatpay_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

func mustKeys(t testing.TB) (merchant *wechatpay.Verifier, platform *wechatpay.Verifier) {
	t.Helper()
	mp, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.MerchantPublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	pp, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.PlatformPublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return &wechatpay.Verifier{KeyID: wechatpaytest.MerchantSerial, Key: mp},
		&wechatpay.Verifier{KeyID: wechatpaytest.PublicKeyID, Key: pp}
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestRequestSignatureVectorR1(t *testing.T) {
	key, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.MerchantPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	msg := wechatpay.RequestMessage("POST", "/v3/marketing/busifavor/coupons/use", "1700000000", "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6", []byte(r1Body))
	if got, want := sha(msg), "e4362836720f2ea08c0526726704a858c9e02881144ac5cc5a6445db47428a3a"; got != want {
		t.Fatalf("message sha256 = %s, want %s", got, want)
	}
	a, err := wechatpay.SignRequest(key, wechatpaytest.MchID, wechatpaytest.MerchantSerial, "POST", "/v3/marketing/busifavor/coupons/use", "1700000000", "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6", []byte(r1Body))
	if err != nil {
		t.Fatal(err)
	}
	if a.Signature != r1Sig {
		t.Fatalf("signature = %s, want %s", a.Signature, r1Sig)
	}
	want := `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6",timestamp="1700000000",serial_no="5A1C0F7D3E2B4A6980C1D2E3F40516273849ABCD",signature="` + r1Sig + `"`
	if a.String() != want {
		t.Fatalf("header = %s\nwant     %s", a, want)
	}
	// The emulator's side: parse the header back and verify with the
	// merchant's public key.
	p, err := wechatpay.ParseAuthorization(want)
	if err != nil {
		t.Fatal(err)
	}
	if p != a {
		t.Fatalf("parsed %+v, want %+v", p, a)
	}
	mv, _ := mustKeys(t)
	if err := wechatpay.Verify(mv.Key, p.Message("POST", "/v3/marketing/busifavor/coupons/use", []byte(r1Body)), p.Signature); err != nil {
		t.Fatal(err)
	}
	// One byte of the body changed: refused.
	tampered := strings.Replace(r1Body, "1212", "1213", 1)
	if err := wechatpay.Verify(mv.Key, p.Message("POST", "/v3/marketing/busifavor/coupons/use", []byte(tampered)), p.Signature); !errors.Is(err, wechatpay.ErrBadSignature) {
		t.Fatalf("tampered body: err = %v, want ErrBadSignature", err)
	}
}

func TestRequestSignatureVectorR2GetWithQuery(t *testing.T) {
	key, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.MerchantPrivateKeyPKCS1PEM))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"offset": {"0"}, "limit": {"20"}, "appid": {"wx1234567890abcdef"}}
	uri := "/v3/marketing/busifavor/users/oTestOpenid0000000000000001/coupons?" + q.Encode()
	msg := wechatpay.RequestMessage("GET", uri, "1700000000", "B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7", nil)
	if !strings.HasSuffix(string(msg), "\n\n") {
		t.Fatalf("GET message must end in an empty body line: %q", msg)
	}
	if got, want := sha(msg), "b695b784c9351d195b5d5c9388ef64f3e6c1fa5464b76b5af2835b83e05f943f"; got != want {
		t.Fatalf("message sha256 = %s, want %s", got, want)
	}
	sig, err := wechatpay.Sign(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if sig != r2Sig {
		t.Fatalf("signature = %s, want %s", sig, r2Sig)
	}
}

func TestResponseSignatureVectorS1(t *testing.T) {
	_, pv := mustKeys(t)
	pv.Now = func() time.Time { return time.Unix(1700000001, 0) }
	h := wechatpay.SignedHeaders{Timestamp: "1700000001", Nonce: "C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8", Serial: wechatpaytest.PublicKeyID, Signature: s1Sig}
	if got, want := sha(wechatpay.ResponseMessage(h.Timestamp, h.Nonce, []byte(s1Body))), "588789f151e37af94e4c1d812993188c86aba764d9b3c35aa40b25eea6e85bde"; got != want {
		t.Fatalf("message sha256 = %s, want %s", got, want)
	}
	if err := pv.Verify(h, []byte(s1Body)); err != nil {
		t.Fatalf("S1 does not verify: %v", err)
	}
	// The emulator's side produces the same signature.
	pk, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.PlatformPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := wechatpay.SignResponse(pk, wechatpaytest.PublicKeyID, h.Timestamp, h.Nonce, []byte(s1Body))
	if err != nil {
		t.Fatal(err)
	}
	if sh != h {
		t.Fatalf("SignResponse = %+v, want %+v", sh, h)
	}

	refused := map[string]func(h *wechatpay.SignedHeaders, body *string){
		"tampered body": func(_ *wechatpay.SignedHeaders, b *string) { *b = strings.Replace(*b, "1212", "1213", 1) },
		"wrong serial":  func(h *wechatpay.SignedHeaders, _ *string) { h.Serial = "PUB_KEY_ID_0100000000000000000000000002" },
		"cert serial":   func(h *wechatpay.SignedHeaders, _ *string) { h.Serial = wechatpaytest.MerchantSerial },
		"stale timestamp": func(h *wechatpay.SignedHeaders, _ *string) {
			pv.Now = func() time.Time { return time.Unix(1700000001+300, 0) }
		},
		"future timestamp": func(h *wechatpay.SignedHeaders, _ *string) {
			pv.Now = func() time.Time { return time.Unix(1700000001-300, 0) }
		},
		"missing nonce":   func(h *wechatpay.SignedHeaders, _ *string) { h.Nonce = "" },
		"missing serial":  func(h *wechatpay.SignedHeaders, _ *string) { h.Serial = "" },
		"other nonce":     func(h *wechatpay.SignedHeaders, _ *string) { h.Nonce = "X" + h.Nonce[1:] },
		"signature probe": func(h *wechatpay.SignedHeaders, _ *string) { h.Signature = "WECHATPAY/SIGNTEST/" + h.Signature },
		"not base64":      func(h *wechatpay.SignedHeaders, _ *string) { h.Signature = "!!" },
	}
	for name, mutate := range refused {
		t.Run(name, func(t *testing.T) {
			pv.Now = func() time.Time { return time.Unix(1700000001, 0) }
			hh, body := h, s1Body
			mutate(&hh, &body)
			err := pv.Verify(hh, []byte(body))
			if !errors.Is(err, wechatpay.ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
			if strings.Contains(err.Error(), s1Sig[:20]) {
				t.Fatalf("error quotes the signature: %v", err)
			}
		})
	}
	// 299 s off is still accepted.
	pv.Now = func() time.Time { return time.Unix(1700000001+299, 0) }
	if err := pv.Verify(h, []byte(s1Body)); err != nil {
		t.Fatalf("299 s skew refused: %v", err)
	}
}

func TestNotificationVectorN1(t *testing.T) {
	_, pv := mustKeys(t)
	pv.Now = func() time.Time { return time.Unix(1700000002, 0) }
	if len(n1Body) != 682 || sha([]byte(n1Body)) != "3204fbf31f36257aa185159bf94942706eeccd95618f9c9fec887c516c570b3d" {
		t.Fatalf("N1 body copied wrongly: %d bytes", len(n1Body))
	}
	hdr := http.Header{}
	wechatpay.SignedHeaders{Timestamp: "1700000002", Nonce: "D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9", Serial: wechatpaytest.PublicKeyID, Signature: n1Sig}.Set(hdr)
	if got := sha(wechatpay.ResponseMessage("1700000002", "D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9", []byte(n1Body))); got != "1730bffcf97eca1a32effb72b555b2a253dd27c8b6d6579badd3fba561ce86dd" {
		t.Fatalf("message sha256 = %s", got)
	}
	if err := pv.VerifyNotification(hdr, []byte(n1Body)); err != nil {
		t.Fatalf("N1 does not verify: %v", err)
	}
	if err := pv.VerifyNotification(hdr, []byte(strings.Replace(n1Body, "06:13:22", "06:13:23", 1))); !errors.Is(err, wechatpay.ErrBadSignature) {
		t.Fatalf("tampered notification: err = %v", err)
	}
	n, err := wechatpay.ParseNotification([]byte(n1Body))
	if err != nil {
		t.Fatal(err)
	}
	if n.EventType != "COUPON.SEND" || n.Resource.Nonce != "fYq3Zc8LmN2p" || n.Resource.Ciphertext != n1Ciphertext {
		t.Fatalf("parsed %+v", n)
	}
	key := []byte(wechatpaytest.APIv3Key)
	plain, err := wechatpay.DecryptResource(key, n.Resource)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != n1Plain || len(plain) != 257 {
		t.Fatalf("plaintext = %s", plain)
	}
	// The emulator's side reproduces the ciphertext and the envelope bytes.
	r, err := wechatpay.EncryptResource(key, "coupon", "coupon", "fYq3Zc8LmN2p", []byte(n1Plain))
	if err != nil {
		t.Fatal(err)
	}
	if r != n.Resource {
		t.Fatalf("EncryptResource = %+v, want %+v", r, n.Resource)
	}
	// Wrong associated data, wrong key, flipped ciphertext byte: refused.
	bad := n.Resource
	bad.AssociatedData = ""
	if _, err := wechatpay.DecryptResource(key, bad); !errors.Is(err, wechatpay.ErrDecrypt) {
		t.Fatalf("wrong AAD: err = %v", err)
	}
	if _, err := wechatpay.DecryptResource([]byte("TestAPIv3Key0123456789abcdefABCE"), n.Resource); !errors.Is(err, wechatpay.ErrDecrypt) {
		t.Fatalf("wrong key: err = %v", err)
	}
	bad = n.Resource
	bad.Algorithm = "AEAD_AES_128_GCM"
	if _, err := wechatpay.DecryptResource(key, bad); !errors.Is(err, wechatpay.ErrDecrypt) {
		t.Fatalf("wrong algorithm: err = %v", err)
	}
	if _, err := wechatpay.DecryptResource(key[:31], n.Resource); err == nil || strings.Contains(err.Error(), wechatpaytest.APIv3Key[:31]) {
		t.Fatalf("short key: err = %v", err)
	}
}

func TestJumpLinkCouponCodeVectorJ1(t *testing.T) {
	key := []byte(wechatpaytest.APIv3Key)
	q, err := url.ParseQuery("nonce=Qw3Er5Ty7Ui9&associate=COUPON_CODE&ciphertext=%2B02n0M46ayTPb8KW3c0f%2BCHxUWphk5avYv%2FGZFekw4RGCprPHlg%3D")
	if err != nil {
		t.Fatal(err)
	}
	code, err := wechatpay.DecryptCouponCode(key, q.Get("nonce"), q.Get("ciphertext"))
	if err != nil {
		t.Fatal(err)
	}
	if code != "1234567890123456789012" {
		t.Fatalf("code = %s", code)
	}
	ct, err := wechatpay.EncryptAESGCM(key, "Qw3Er5Ty7Ui9", wechatpay.CouponCodeAssociatedData, []byte(code))
	if err != nil {
		t.Fatal(err)
	}
	if ct != "+02n0M46ayTPb8KW3c0f+CHxUWphk5avYv/GZFekw4RGCprPHlg=" {
		t.Fatalf("ciphertext = %s", ct)
	}
}

func TestAPIv2SignVectors(t *testing.T) {
	const k = wechatpaytest.APIv2Key
	cases := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"P1 two coupons", wechatpay.PluginSignParams("1900000001", []wechatpay.PluginCoupon{
			{StockID: "1212", OutRequestNo: "PLUGIN20231115000001"},
			{StockID: "1213", OutRequestNo: "PLUGIN20231115000002"},
		}), "B9DEBF032C9ECBF539A0FAD26E6F71C0A0075F70178004D74B05499B3403A318"},
		{"P2 merchant code", wechatpay.PluginSignParams("1900000001", []wechatpay.PluginCoupon{
			{StockID: "1214", OutRequestNo: "PLUGIN20231115000003", CouponCode: "MYCODE0001"},
		}), "8CA66C9B5A2432F13E2443169B55F041AB117FDEEE34FB6CA2DBDC63E746E15F"},
		{"H1 H5 page", map[string]string{"stock_id": "1212", "out_request_no": "H520231115000001", "send_coupon_merchant": "1900000001", "open_id": "oTestOpenid0000000000000001", "coupon_code": ""},
			"8FB8F539EBCD52A0DC82EDEB395442E5912F74DA4D7C359598512F3CA76D05B4"},
	}
	for _, c := range cases {
		if got := wechatpay.SignV2(c.params, k); got != c.want {
			t.Errorf("%s: sign = %s, want %s", c.name, got, c.want)
		}
		if !wechatpay.VerifyV2(c.params, k, strings.ToLower(c.want)) || wechatpay.VerifyV2(c.params, k+"x", c.want) {
			t.Errorf("%s: VerifyV2 wrong", c.name)
		}
	}
	// The official APIv2 sample (V2): HMAC keyed with the key, over a string
	// ending in &key=.
	v2 := map[string]string{"appid": "wxd930ea5d5a258f4f", "body": "test", "device_info": "1000", "mch_id": "10000100", "nonce_str": "ibuaiVcKdpRxkhJA"}
	if got := wechatpay.SignV2(v2, "192006250b4c09247ec02edce69f6a2d"); got != "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6" {
		t.Fatalf("V2 sign = %s", got)
	}
	if got := wechatpay.PluginSign("1900000001", []wechatpay.PluginCoupon{{StockID: "1212", OutRequestNo: "PLUGIN20231115000001"}, {StockID: "1213", OutRequestNo: "PLUGIN20231115000002"}}, k); got != cases[0].want {
		t.Fatalf("PluginSign = %s", got)
	}
}

func TestParseAuthorizationRefuses(t *testing.T) {
	good := `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="N",timestamp="1700000000",serial_no="S",signature="c2ln"`
	if _, err := wechatpay.ParseAuthorization(good); err != nil {
		t.Fatal(err)
	}
	// Any order and spaces after commas are accepted.
	if a, err := wechatpay.ParseAuthorization(`WECHATPAY2-SHA256-RSA2048 signature="c2ln", serial_no="S", timestamp="1", nonce_str="N", mchid="1"`); err != nil || a.Signature != "c2ln" || a.Timestamp != "1" {
		t.Fatalf("reordered: %+v, %v", a, err)
	}
	for name, h := range map[string]string{
		"empty":             "",
		"other scheme":      strings.Replace(good, "WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SHA256-RSA", 1),
		"no signature":      strings.Replace(good, `,signature="c2ln"`, "", 1),
		"empty mchid":       strings.Replace(good, `mchid="1900000001"`, `mchid=""`, 1),
		"unquoted":          strings.Replace(good, `mchid="1900000001"`, `mchid=1900000001`, 1),
		"unterminated":      strings.TrimSuffix(good, `"`),
		"repeated":          good + `,mchid="2"`,
		"unknown field":     good + `,extra="x"`,
		"missing comma":     strings.Replace(good, `",nonce_str`, `" nonce_str`, 1),
		"bearer":            "Bearer abc",
		"scheme only":       "WECHATPAY2-SHA256-RSA2048",
		"missing timestamp": strings.Replace(good, `timestamp="1700000000",`, "", 1),
	} {
		if _, err := wechatpay.ParseAuthorization(h); !errors.Is(err, wechatpay.ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
}

func TestParseKeys(t *testing.T) {
	if _, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.PlatformPublicKeyPEM)); err == nil {
		t.Fatal("a public key parsed as a private key")
	}
	if _, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.MerchantPrivateKeyPEM)); err == nil {
		t.Fatal("a private key parsed as a public key")
	}
	broken := strings.Replace(wechatpaytest.MerchantPrivateKeyPEM, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNf74Xk5fPNqYV", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNf74Xk5fPNqYW", 1)
	_, err := wechatpay.ParsePrivateKey([]byte(broken))
	if err == nil {
		t.Fatal("a corrupted key parsed")
	}
	if strings.Contains(err.Error(), "MIIE") {
		t.Fatalf("error quotes the key: %v", err)
	}
	if _, err := wechatpay.ParsePrivateKey([]byte("not pem")); err == nil {
		t.Fatal("garbage parsed")
	}
}

func TestNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := wechatpay.NewNonce()
		if len(n) != 32 || strings.Trim(n, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
	}
	if n := wechatpay.NewNonceN(12); len(n) != 12 {
		t.Fatalf("NewNonceN(12) = %q", n)
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for ts, ok := range map[string]bool{"1700000000": true, "1699999701": true, "1700000299": true, "1699999700": false, "1700000300": false, "1700000000000": false, "": false, "17e8": false} {
		err := wechatpay.CheckTimestamp(ts, now, 300*time.Second)
		if (err == nil) != ok || (err != nil && !errors.Is(err, wechatpay.ErrBadSignature)) {
			t.Errorf("CheckTimestamp(%q) = %v, want ok %v", ts, err, ok)
		}
	}
}
