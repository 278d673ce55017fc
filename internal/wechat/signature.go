package wechat

import "github.com/wxcoupon/coupon/internal/wechat/callback"

// CardSignature is WeChat's card signature (cardExt for wx.addCard, and the
// same scheme for wx.chooseCard): the values sorted in byte order,
// concatenated without separator, SHA-1, lower-case hex; empty values
// (code, openid for a plain card) add nothing. For cardExt the values are the
// api_ticket, timestamp, card_id, code, openid and nonce_str. It is the
// callback signature's scheme over other parts.
func CardSignature(values ...string) string {
	return callback.Signature(values...)
}
