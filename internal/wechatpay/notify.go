package wechatpay

import (
	"errors"
	"net/http"
)

// ErrNoAPIv3Key and ErrNoAPIv2Key: the Client was configured without that key.
var (
	ErrNoAPIv3Key = errors.New("wechatpay: no APIv3 key configured")
	ErrNoAPIv2Key = errors.New("wechatpay: no APIv2 key configured")
)

// VerifyNotification checks a notification's Wechatpay-* headers against its
// raw body with the 微信支付公钥 (serial, 300 s window, signature; probes
// fail). Answer 4xx/5xx when it fails. Errors wrap ErrBadSignature.
func (c *Client) VerifyNotification(header http.Header, body []byte) error {
	return c.verifier.VerifyNotification(header, body)
}

// DecryptResource opens a notification's resource with the APIv3 key.
func (c *Client) DecryptResource(r Resource) ([]byte, error) {
	if c.apiV3Key == nil {
		return nil, ErrNoAPIv3Key
	}
	return DecryptResource(c.apiV3Key, r)
}

// OpenNotification verifies a notification, parses its envelope and decrypts
// its resource: the envelope and the resource's plaintext JSON.
func (c *Client) OpenNotification(header http.Header, body []byte) (Notification, []byte, error) {
	if err := c.VerifyNotification(header, body); err != nil {
		return Notification{}, nil, err
	}
	n, err := ParseNotification(body)
	if err != nil {
		return n, nil, err
	}
	plain, err := c.DecryptResource(n.Resource)
	return n, plain, err
}

// DecryptCouponCode reads the coupon code of a 商家券 jump link (§3.10) from
// its nonce and (URL-decoded) ciphertext parameters.
func (c *Client) DecryptCouponCode(nonce, ciphertext string) (string, error) {
	if c.apiV3Key == nil {
		return "", ErrNoAPIv3Key
	}
	return DecryptCouponCode(c.apiV3Key, nonce, ciphertext)
}

// PluginSign is the send-coupon plugin's sign for coupons sent by this
// merchant (send_coupon_merchant = MchID), with the APIv2 key.
func (c *Client) PluginSign(coupons []PluginCoupon) (string, error) {
	if c.apiV2Key == "" {
		return "", ErrNoAPIv2Key
	}
	return PluginSign(c.mchID, coupons, c.apiV2Key), nil
}
