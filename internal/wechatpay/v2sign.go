package wechatpay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// SignV2 is the APIv2 HMAC-SHA256 sign of the send-coupon plugin and the H5
// send page (§4.1): the non-empty parameters sorted by name (ASCII), joined as
// name=value with "&" (values raw, not URL-encoded), then "&key=<APIv2 key>";
// HMAC-SHA256 of that string keyed with the APIv2 key; upper-case hex.
func SignV2(params map[string]string, apiV2Key string) string {
	names := make([]string, 0, len(params))
	for k, v := range params {
		if v != "" && k != "sign" && k != "key" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
		b.WriteByte('&')
	}
	b.WriteString("key=")
	b.WriteString(apiV2Key)
	mac := hmac.New(sha256.New, []byte(apiV2Key))
	mac.Write([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

// VerifyV2 reports whether sign is SignV2 of params (constant time;
// upper- or lower-case hex accepted).
func VerifyV2(params map[string]string, apiV2Key, sign string) bool {
	return hmac.Equal([]byte(SignV2(params, apiV2Key)), []byte(strings.ToUpper(sign)))
}

// PluginCoupon is one item of the send-coupon plugin's send_coupon_params.
type PluginCoupon struct {
	StockID           string `json:"stock_id"`
	OutRequestNo      string `json:"out_request_no"`
	CouponCode        string `json:"coupon_code,omitempty"`         // MERCHANT_API stocks only
	CustomizeSendTime string `json:"customize_send_time,omitempty"` // signed when present
}

// PluginSignParams flattens the plugin's items into the signed parameters:
// each field becomes <name><index> (index from 0 in array order), plus
// send_coupon_merchant without an index; empty fields are left out.
func PluginSignParams(sendCouponMerchant string, coupons []PluginCoupon) map[string]string {
	p := make(map[string]string, 1+3*len(coupons))
	p["send_coupon_merchant"] = sendCouponMerchant
	for i, c := range coupons {
		n := strconv.Itoa(i)
		put := func(name, v string) {
			if v != "" {
				p[name+n] = v
			}
		}
		put("stock_id", c.StockID)
		put("out_request_no", c.OutRequestNo)
		put("coupon_code", c.CouponCode)
		put("customize_send_time", c.CustomizeSendTime)
	}
	return p
}

// PluginSign is the sign attribute of the send-coupon plugin.
func PluginSign(sendCouponMerchant string, coupons []PluginCoupon, apiV2Key string) string {
	return SignV2(PluginSignParams(sendCouponMerchant, coupons), apiV2Key)
}
