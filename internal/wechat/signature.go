package wechat

import (
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"strings"
)

// CardSignature is WeChat's card signature (cardExt for wx.addCard, and the
// same scheme for wx.chooseCard): the non-empty values sorted in byte order,
// concatenated without separator, SHA-1, lower-case hex. For cardExt the
// values are the api_ticket, timestamp, card_id, code, openid and nonce_str.
func CardSignature(values ...string) string {
	vs := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs) // Go compares strings bytewise
	sum := sha1.Sum([]byte(strings.Join(vs, "")))
	return hex.EncodeToString(sum[:])
}
