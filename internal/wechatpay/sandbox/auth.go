package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// checkSignature checks the request's Authorization as §7.1 steps 1–4 say:
// parseable, the sandbox merchant and its certificate serial, a timestamp
// within the tolerance, and the signature over method, r.RequestURI as
// received, timestamp, nonce and the raw body, with the merchant's public
// key. Every failure is 401 SIGN_ERROR. Nonce reuse is not refused
// (unconfirmed whether WeChat Pay does).
func (c *call) checkSignature() *apiError {
	auth, err := wechatpay.ParseAuthorization(c.r.Header.Get("Authorization"))
	if err != nil {
		return signError("Authorization 头缺失或格式错误")
	}
	if auth.MchID != c.e.mchID {
		return signError("商户号 " + auth.MchID + " 不存在")
	}
	if auth.SerialNo != wechatpaytest.MerchantSerial {
		return signError("商户证书序列号有误")
	}
	if wechatpay.CheckTimestamp(auth.Timestamp, c.now, c.e.skew) != nil {
		return signError("timestamp 不是数字或与当前时间相差过大")
	}
	if auth.NonceStr == "" {
		return signError("nonce_str 为空")
	}
	if err := wechatpay.Verify(c.e.keys.merchantPub, auth.Message(c.r.Method, c.r.RequestURI, c.body), auth.Signature); err != nil {
		return signError("签名验证失败")
	}
	return nil
}

// respond writes an answer signed with WeChat Pay's key (§1.3): every
// answer, errors included (§7.1 step 9), carries Request-ID and the four
// Wechatpay-* headers, Wechatpay-Serial being the 微信支付公钥 id.
func (e *Emulator) respond(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set(wechatpay.HeaderRequestID, newRequestID())
	sh, err := wechatpay.SignResponse(e.keys.payKey, wechatpaytest.PublicKeyID,
		strconv.FormatInt(e.now().Unix(), 10), wechatpay.NewNonce(), body)
	if err != nil {
		e.log.Error("wechatpay sandbox: sign answer", "err", err)
	} else {
		sh.Set(h)
	}
	if body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newRequestID is a trace id shaped like WeChat Pay's (hex).
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
