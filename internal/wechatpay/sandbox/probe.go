package sandbox

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// driverSignTest is POST sandbox/pay/signtest {"url"?}: sends one signature
// probe, as WeChat Pay occasionally does (§1.3): a well-formed COUPON.SEND
// envelope whose Wechatpay-Signature starts WECHATPAY/SIGNTEST/ and is
// deliberately invalid, to url or else the callbacks URL. It answers the
// receiver's status: a receiver that verifies answers 4xx/5xx. The probe is
// synchronous and is not listed in notifications.
func (c *call) driverSignTest() any {
	var req struct {
		URL string `json:"url"`
	}
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := c.decode(&req); err != nil {
			return err
		}
	}
	target := req.URL
	if target == "" {
		c.e.mu.Lock()
		target = c.e.st.notifyURL
		c.e.mu.Unlock()
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return driverErr("no callbacks URL set and no absolute url given")
	}
	res, err := wechatpay.EncryptResource([]byte(c.e.Merchant().APIv3Key), "coupon", "coupon", wechatpay.NewNonceN(12),
		encode(sendResource{EventType: "EVENT_TYPE_BUSICOUPON_SEND", CouponCode: "0000000000000000000000",
			StockID: "0", SendTime: wxTime(c.now), SendChannel: channelMiniApp, SendMerchant: c.e.mchID}))
	if err != nil {
		return driverErr(err.Error())
	}
	body := encode(wechatpay.Notification{ID: newNotificationID(), CreateTime: wxTime(c.now),
		ResourceType: "encrypt-resource", EventType: "COUPON.SEND", Summary: "商家券领券通知", Resource: res})
	ctx, cancel := context.WithTimeout(c.r.Context(), c.e.nt.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return driverErr(err.Error())
	}
	wechatpay.SignedHeaders{
		Timestamp: strconv.FormatInt(c.now.Unix(), 10), Nonce: wechatpay.NewNonce(),
		Signature: wechatpay.SignTestPrefix + newRequestID(), Serial: c.e.Merchant().PublicKeyID,
	}.Set(hr.Header)
	hr.Header.Set("Wechatpay-Signature-Type", wechatpay.AuthScheme)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.e.nt.client.Do(hr)
	if err != nil {
		return map[string]any{"http_status": 0, "error": err.Error()}
	}
	resp.Body.Close()
	return map[string]any{"http_status": resp.StatusCode}
}
