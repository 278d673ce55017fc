package sandbox

import (
	"crypto/rsa"
	"sync"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// Merchant is the sandbox merchant: what a service needs in its WECHATPAY_*
// settings to talk to the emulator. The keys are the fixed, public test
// keys of the reference's vectors (wechatpaytest), so they never guard
// anything real and need no generation at start.
type Merchant struct {
	MchID         string
	AppID         string
	SerialNo      string // the merchant API certificate's serial
	PrivateKeyPEM string // the merchant API private key (PKCS#8), signs requests
	PublicKeyID   string // the 微信支付公钥 id (PUB_KEY_ID_…)
	PublicKeyPEM  string // WeChat Pay's public key, verifies answers and notifications
	APIv3Key      string
	APIv2Key      string
}

// Merchant returns the sandbox merchant.
func (e *Emulator) Merchant() Merchant {
	return Merchant{
		MchID: e.mchID, AppID: e.appID,
		SerialNo: wechatpaytest.MerchantSerial, PrivateKeyPEM: wechatpaytest.MerchantPrivateKeyPEM,
		PublicKeyID: wechatpaytest.PublicKeyID, PublicKeyPEM: wechatpaytest.PlatformPublicKeyPEM,
		APIv3Key: wechatpaytest.APIv3Key, APIv2Key: wechatpaytest.APIv2Key,
	}
}

// keySet is the parsed keys: the merchant's public key verifies requests,
// WeChat Pay's private key signs answers and notifications.
type keySet struct {
	merchantPub *rsa.PublicKey
	payKey      *rsa.PrivateKey
}

// fixedKeys parses the fixed keys once per process.
var fixedKeys = sync.OnceValue(func() *keySet {
	mk, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.MerchantPublicKeyPEM))
	if err != nil {
		panic("sandbox: the fixed merchant public key does not parse: " + err.Error())
	}
	pk, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.PlatformPrivateKeyPEM))
	if err != nil {
		panic("sandbox: the fixed WeChat Pay private key does not parse: " + err.Error())
	}
	return &keySet{merchantPub: mk, payKey: pk}
})
