package wxcard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// cardExt is the JSON that wx.addCard takes per card. Field order is stable so
// that the string is reproducible for a given input.
type cardExt struct {
	Code                string `json:"code,omitempty"`
	OpenID              string `json:"openid,omitempty"`
	Timestamp           string `json:"timestamp"` // a string, as the signature sees it
	NonceStr            string `json:"nonce_str"`
	FixedBeginTimestamp int64  `json:"fixed_begintimestamp,omitempty"`
	OuterStr            string `json:"outer_str,omitempty"`
	Signature           string `json:"signature"`
}

// IssueParams builds and signs the cardExt of each card with one api_ticket:
// a fresh nonce per card, the timestamp as a string, openid only for
// bind_openid cards (always the caller's), code only for custom-code cards.
func (p *Provider) IssueParams(ctx context.Context, openid string, items []service.IssueItem) ([]string, error) {
	ticket, err := p.wx.APITicket(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	exts := make([]string, len(items))
	for i, it := range items {
		if exts[i], err = p.signExt(ticket, it.Card, openid, it.Request); err != nil {
			return nil, err
		}
	}
	return exts, nil
}

func (p *Provider) signExt(ticket string, card service.Card, openid string, req service.IssueRequest) (string, error) {
	ext := cardExt{
		Timestamp:           strconv.FormatInt(p.now().Unix(), 10),
		NonceStr:            p.nonce(),
		FixedBeginTimestamp: req.FixedBeginTimestamp,
		OuterStr:            req.OuterStr,
	}
	if card.UseCustomCode {
		ext.Code = req.Code
	}
	if card.BindOpenID {
		ext.OpenID = openid
	}
	ext.Signature = wechat.CardSignature(ticket, ext.Timestamp, card.CardID, ext.Code, ext.OpenID, ext.NonceStr)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ext); err != nil {
		return "", fmt.Errorf("encode cardExt: %w", err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}
