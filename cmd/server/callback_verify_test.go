package main

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// wxPush is one push as WeChat sends it in safe mode: its query and body.
type wxPush struct {
	q    url.Values
	body string
}

// encryptedPush is ev in safe mode under (ts, nonce), signed as WeChat signs.
func encryptedPush(t *testing.T, ev callback.Event, ts time.Time, nonce string) wxPush {
	t.Helper()
	c := mustCrypter(t)
	enc, err := c.Encrypt(ev.XML())
	if err != nil {
		t.Fatal(err)
	}
	stamp := fmt.Sprint(ts.Unix())
	q := url.Values{"timestamp": {stamp}, "nonce": {nonce}, "openid": {ev.FromUserName},
		"signature":    {callback.Signature(testCallbackToken, stamp, nonce)},
		"encrypt_type": {"aes"}, "msg_signature": {c.MsgSignature(stamp, nonce, enc)}}
	return wxPush{q: q, body: "<xml><ToUserName><![CDATA[gh_sandbox000001]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"}
}

func (w wxPush) send(t *testing.T, base string) reply {
	t.Helper()
	return call(t, "POST", base+"/wechat/callback?"+w.q.Encode(), "", w.body)
}

// replica starts another server on p's database, Redis and emulator.
func (p *pushedSetup) replica(t *testing.T) *server {
	t.Helper()
	return startServer(t, maps.Clone(p.env))
}

func (p *pushedSetup) codeStatus(t *testing.T, code string) string {
	t.Helper()
	for _, c := range p.codes(t) {
		if c.Code == code {
			return c.Status
		}
	}
	t.Fatalf("code %s not recorded", code)
	return ""
}

func (p *pushedSetup) views(t *testing.T) int64 {
	t.Helper()
	r := call(t, "GET", p.s.base+"/admin/v1/cards/"+p.card, p.admin, nil)
	mustStatus(t, r, 200)
	var detail struct {
		Views int64 `json:"views"`
	}
	r.decode(t, &detail)
	return detail.Views
}

// aliceHoldsACode has Alice receive the card and returns her recorded code.
func (p *pushedSetup) aliceHoldsACode(t *testing.T) string {
	t.Helper()
	alice, added := p.receive(t, "oAlice")
	code := p.s.decrypt(t, alice, added)[0].Code
	p.waitPushes(t)
	if st := p.codeStatus(t, code); st != "issued" {
		t.Fatalf("Alice's code is %s, want issued", st)
	}
	return code
}

// With WECHAT_ENCODING_AES_KEY set, only encrypted pushes with a valid
// msg_signature are taken: the plain signature does not cover the body.
func TestPushWithAESKeyMustBeEncrypted(t *testing.T) {
	t.Parallel()
	p := newPushedSetup(t, sandbox.ModeSafe)
	code := p.aliceHoldsACode(t)
	del := callback.Event{ToUserName: "gh_sandbox000001", FromUserName: "oAlice", CreateTime: time.Now().Unix(),
		MsgType: "event", Event: "user_del_card", CardID: p.card, UserCardCode: code}

	for _, encryptType := range []string{"", "raw"} {
		t.Run("encrypt_type="+encryptType, func(t *testing.T) {
			r := signedPush(t, p.s.base, del, time.Now(), func(q url.Values, _ *string) {
				nonce := "plain-" + encryptType
				q.Set("nonce", nonce)
				q.Set("signature", callback.Signature(testCallbackToken, q.Get("timestamp"), nonce))
				if encryptType != "" {
					q.Set("encrypt_type", encryptType)
				}
			})
			if r.status != 401 || r.errCode() != "unauthenticated" {
				t.Errorf("plain push with encrypt_type=%q = %d %s, want 401 unauthenticated", encryptType, r.status, r.body)
			}
		})
	}
	if st := p.codeStatus(t, code); st != "issued" {
		t.Fatalf("after refused plain pushes Alice's code is %s, want issued", st)
	}

	// The same event, encrypted, is taken: the refusals were about the mode.
	if r := encryptedPush(t, del, time.Now(), "aes-1").send(t, p.s.base); r.status != 200 || string(r.body) != "success" {
		t.Fatalf("encrypted push = %d %s, want success", r.status, r.body)
	}
	if st := p.codeStatus(t, code); st != "deleted" {
		t.Errorf("after the encrypted user_del_card Alice's code is %s, want deleted", st)
	}
}

// A (timestamp, nonce) pair seen with one body is refused with another on
// every replica (the pair lives in Redis); the same body again is WeChat's
// retry: success, and nothing changes.
func TestPushReplayRefusedOnAnotherReplica(t *testing.T) {
	t.Parallel()
	p := newPushedSetup(t, sandbox.ModeSafe)
	second := p.replica(t)
	code := p.aliceHoldsACode(t)
	now := time.Now()
	view := callback.Event{ToUserName: "gh_sandbox000001", FromUserName: "oViewer", CreateTime: now.Unix(),
		MsgType: "event", Event: "user_view_card", CardID: p.card}
	del := callback.Event{ToUserName: "gh_sandbox000001", FromUserName: "oAlice", CreateTime: now.Unix(),
		MsgType: "event", Event: "user_del_card", CardID: p.card, UserCardCode: code}

	first := encryptedPush(t, view, now, "replayed-nonce")
	if r := first.send(t, p.s.base); r.status != 200 || string(r.body) != "success" {
		t.Fatalf("first push = %d %s, want success", r.status, r.body)
	}
	if v := p.views(t); v != 1 {
		t.Fatalf("views = %d after one view, want 1", v)
	}

	// Another body under the same pair, on the other replica: signed anew
	// (msg_signature over its own Encrypt), and in compatible-mode shape
	// with fields of an attacker's beside the first push's Encrypt.
	other := encryptedPush(t, del, now, "replayed-nonce")
	beside := first
	beside.body = strings.Replace(first.body, "</xml>",
		"<Event><![CDATA[user_del_card]]></Event><UserCardCode><![CDATA["+code+"]]></UserCardCode></xml>", 1)
	for name, w := range map[string]wxPush{"another encrypted event": other, "fields beside the same Encrypt": beside} {
		t.Run(name, func(t *testing.T) {
			if r := w.send(t, second.base); r.status != 401 || r.errCode() != "unauthenticated" {
				t.Errorf("replay with another body on the second replica = %d %s, want 401 unauthenticated", r.status, r.body)
			}
		})
	}
	if st := p.codeStatus(t, code); st != "issued" {
		t.Errorf("after refused replays Alice's code is %s, want issued", st)
	}

	// WeChat's retry (same query, same body) on the other replica.
	if r := first.send(t, second.base); r.status != 200 || string(r.body) != "success" {
		t.Errorf("retry on the second replica = %d %s, want success", r.status, r.body)
	}
	if v := p.views(t); v != 1 {
		t.Errorf("views = %d after the retry, want 1", v)
	}

	// The refused event under a pair of its own is taken: the refusal was the replay.
	if r := encryptedPush(t, del, now, "fresh-nonce").send(t, second.base); r.status != 200 || string(r.body) != "success" {
		t.Fatalf("user_del_card under a fresh nonce = %d %s, want success", r.status, r.body)
	}
	if st := p.codeStatus(t, code); st != "deleted" {
		t.Errorf("after user_del_card Alice's code is %s, want deleted", st)
	}
}
