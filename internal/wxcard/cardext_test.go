package wxcard

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// ticketOnly is the WeChat client as IssueParams uses it: only APITicket.
type ticketOnly struct {
	Client
	calls int
}

func (t *ticketOnly) APITicket(context.Context) (string, error) {
	t.calls++
	return "ticket-1", nil
}

func TestIssueParamsSignsARequestWithOneTicket(t *testing.T) {
	t.Parallel()
	wx := &ticketOnly{}
	now := time.Unix(1700000000, 0)
	p := New(wx, func() time.Time { return now })
	items := []service.IssueItem{
		{Card: service.Card{CardID: "pPlain"}, Request: service.IssueRequest{CardID: "pPlain", OuterStr: "banner"}},
		{Card: service.Card{CardID: "pBound", BindOpenID: true}, Request: service.IssueRequest{CardID: "pBound"}},
		{Card: service.Card{CardID: "pCustom", UseCustomCode: true}, Request: service.IssueRequest{CardID: "pCustom", Code: "C1"}},
	}
	exts, err := p.IssueParams(context.Background(), "oUser", items)
	if err != nil {
		t.Fatal(err)
	}
	if wx.calls != 1 {
		t.Errorf("APITicket calls = %d for %d cards, want 1", wx.calls, len(items))
	}
	nonces := map[string]bool{}
	for i, raw := range exts {
		var ext cardExt
		if err := json.Unmarshal([]byte(raw), &ext); err != nil {
			t.Fatal(err)
		}
		card := items[i].Card
		want := wechat.CardSignature("ticket-1", "1700000000", card.CardID, ext.Code, ext.OpenID, ext.NonceStr)
		if ext.Signature != want || ext.Timestamp != "1700000000" {
			t.Errorf("card %s: signature %s timestamp %q, want %s and the timestamp as a string", card.CardID, ext.Signature, ext.Timestamp, want)
		}
		if (ext.OpenID == "oUser") != card.BindOpenID || (ext.Code == "C1") != card.UseCustomCode {
			t.Errorf("card %s: openid %q code %q, want them only where the card needs them", card.CardID, ext.OpenID, ext.Code)
		}
		if nonces[ext.NonceStr] {
			t.Errorf("nonce %q reused", ext.NonceStr)
		}
		nonces[ext.NonceStr] = true
	}
}
