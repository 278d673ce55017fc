package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat/callback"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

const (
	testCallbackToken = "callback-token-for-tests"
	// testAESKey is the 43-character EncodingAESKey of wechat-card-api.md §10.
	testAESKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
)

// gate forwards the emulator's pushes to the server once it exists, and can
// hold them back, so that tests choose the order of push and decrypt.
type gate struct {
	mu     sync.Mutex
	target *url.URL
	open   chan struct{}
}

func newGate(t *testing.T) (*gate, string) {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		target, open := g.target, g.open
		g.mu.Unlock()
		select {
		case <-open:
		case <-r.Context().Done():
			return
		}
		if target == nil {
			http.Error(w, "no server yet", http.StatusServiceUnavailable)
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return g, srv.URL + "/wechat/callback"
}

func (g *gate) point(base string) {
	u, _ := url.Parse(base)
	g.mu.Lock()
	g.target = u
	g.mu.Unlock()
}

func (g *gate) hold() {
	g.mu.Lock()
	g.open = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) release() {
	g.mu.Lock()
	close(g.open)
	g.mu.Unlock()
}

// pushedSetup is a server on MySQL and Redis with a standalone emulator that
// pushes to it in mode, plus a card and a signed-in user.
type pushedSetup struct {
	s     *server
	env   map[string]string // s's configuration, for replicas
	emu   *sandbox.Emulator
	gate  *gate
	admin string
	card  string
}

func newPushedSetup(t *testing.T, mode string) *pushedSetup {
	t.Helper()
	g, cbURL := newGate(t)
	opts := sandbox.Options{CallbackURL: cbURL, CallbackToken: testCallbackToken, CallbackMode: mode,
		PushRetryDelay: 50 * time.Millisecond}
	if mode != sandbox.ModePlain {
		opts.EncodingAESKey = testAESKey
	}
	emu := sandbox.New(opts)
	wx := httptest.NewServer(emu)
	t.Cleanup(wx.Close)
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, wx.URL)
	env["WECHAT_CALLBACK_TOKEN"] = testCallbackToken
	if mode != sandbox.ModePlain {
		env["WECHAT_ENCODING_AES_KEY"] = testAESKey
	}
	s := startServer(t, maps.Clone(env))
	g.point(s.base)
	admin := s.adminLogin(t, "boss", "boss-password")
	p := &pushedSetup{s: s, env: env, emu: emu, gate: g, admin: admin, card: s.createCard(t, admin, nil)}
	p.waitPushes(t)
	return p
}

func (p *pushedSetup) waitPushes(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := p.emu.WaitPushes(ctx); err != nil {
		t.Fatalf("pushes did not settle: %v", err)
	}
}

// receive plays a user receiving the card; it returns the emulator's answer.
func (p *pushedSetup) receive(t *testing.T, openid string) (string, []addedCard) {
	t.Helper()
	token := p.s.userLogin(t, openid)
	r, added := p.s.addCard(t, openid, p.s.cardExt(t, token, map[string]any{"card_id": p.card, "outer_str": "poster"}))
	if wxErrcode(t, r) != 0 || len(added) != 1 {
		t.Fatalf("add-card = %s", r.body)
	}
	return token, added
}

type cardCode struct {
	Code   string `json:"code"`
	OpenID string `json:"openid"`
	Status string `json:"status"`
}

func (p *pushedSetup) codes(t *testing.T) []cardCode {
	t.Helper()
	r := call(t, "GET", p.s.base+"/admin/v1/cards/"+p.card+"/codes", p.admin, nil)
	mustStatus(t, r, 200)
	var out struct {
		Codes []cardCode `json:"codes"`
	}
	r.decode(t, &out)
	return out.Codes
}

type pushView struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	Code      string `json:"code"`
	Delivered bool   `json:"delivered"`
	LastError string `json:"last_error"`
}

func (p *pushedSetup) pushes(t *testing.T) []pushView {
	t.Helper()
	r := call(t, "GET", p.s.wx+"/sandbox/pushes", "", nil)
	mustStatus(t, r, 200)
	var out struct {
		Pushes []pushView `json:"pushes"`
	}
	r.decode(t, &out)
	for _, pv := range out.Pushes {
		if !pv.Delivered {
			t.Errorf("push %s (%s) not delivered: %s", pv.ID, pv.Event, pv.LastError)
		}
	}
	return out.Pushes
}

func (p *pushedSetup) lastPush(t *testing.T, event string) pushView {
	t.Helper()
	all := p.pushes(t)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Event == event {
			return all[i]
		}
	}
	t.Fatalf("no %s push among %+v", event, all)
	return pushView{}
}

func TestPushedEventsKeepRecordsTrue(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{sandbox.ModePlain, sandbox.ModeSafe, sandbox.ModeCompat} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			p := newPushedSetup(t, mode)

			// Event first: the push records the code before the mini-program decrypts.
			alice, added := p.receive(t, "oAlice")
			p.waitPushes(t)
			got := p.codes(t)
			if len(got) != 1 || got[0].OpenID != "oAlice" || got[0].Status != "issued" {
				t.Fatalf("codes after user_get_card = %+v, want Alice's issued code", got)
			}
			dec := p.s.decrypt(t, alice, added)
			if dec[0].Code != got[0].Code {
				t.Errorf("decrypt gave %q, the event recorded %q", dec[0].Code, got[0].Code)
			}
			if n := len(p.codes(t)); n != 1 {
				t.Errorf("%d records after event then decrypt, want 1", n)
			}

			// Decrypt first: the push arrives later and still gives one record.
			p.gate.hold()
			bob, added := p.receive(t, "oBob")
			if d := p.s.decrypt(t, bob, added); d[0].Error != nil {
				t.Fatalf("decrypt before the event = %+v", d[0])
			}
			p.gate.release()
			p.waitPushes(t)
			if n := len(p.codes(t)); n != 2 {
				t.Errorf("%d records after decrypt then event, want 2", n)
			}

			// A consumption, then WeChat's duplicate of Alice's user_get_card:
			// the repeat changes nothing (the code stays consumed).
			code := got[0].Code
			mustStatus(t, call(t, "POST", p.s.base+"/admin/v1/codes/"+code+"/consume", p.admin, map[string]string{"card_id": p.card}), 200)
			p.waitPushes(t)
			var getCard pushView
			for _, pv := range p.pushes(t) {
				if pv.Event == "user_get_card" && pv.Code == code {
					getCard = pv
				}
			}
			mustStatus(t, call(t, "POST", p.s.wx+"/sandbox/repush", "", map[string]string{"id": getCard.ID}), 200)
			p.waitPushes(t)
			for _, c := range p.codes(t) {
				if c.Code == code && c.Status != "consumed" {
					t.Errorf("after a repeated user_get_card the code is %s, want consumed", c.Status)
				}
			}

			// The holder deletes Bob's card from the wallet.
			bobCode := ""
			for _, c := range p.codes(t) {
				if c.OpenID == "oBob" {
					bobCode = c.Code
				}
			}
			mustStatus(t, call(t, "POST", p.s.wx+"/sandbox/delete-card", "", map[string]string{"openid": "oBob", "card_id": p.card, "code": bobCode}), 200)
			p.waitPushes(t)
			for _, c := range p.codes(t) {
				if c.Code == bobCode && c.Status != "deleted" {
					t.Errorf("after user_del_card Bob's code is %s, want deleted", c.Status)
				}
			}
		})
	}
}

func TestGiftMovesTheCode(t *testing.T) {
	t.Parallel()
	p := newPushedSetup(t, sandbox.ModeSafe)
	alice, added := p.receive(t, "oAlice")
	old := p.s.decrypt(t, alice, added)[0].Code
	r := call(t, "POST", p.s.wx+"/sandbox/gift-card", "", map[string]string{"from_openid": "oAlice", "to_openid": "oCarol", "card_id": p.card, "code": old})
	mustStatus(t, r, 200)
	var gift struct {
		Code string `json:"code"`
	}
	r.decode(t, &gift)
	p.waitPushes(t)
	byCode := map[string]cardCode{}
	for _, c := range p.codes(t) {
		byCode[c.Code] = c
	}
	if c := byCode[old]; c.Status != "gifted" || c.OpenID != "oAlice" {
		t.Errorf("giver's code = %+v, want gifted and still Alice's", c)
	}
	if c := byCode[gift.Code]; c.Status != "issued" || c.OpenID != "oCarol" {
		t.Errorf("receiver's code = %+v, want issued to Carol", c)
	}
	carol := p.s.userLogin(t, "oCarol")
	if mine := p.s.myCodes(t, carol, "?status=issued"); len(mine) != 1 || mine[0].Code != gift.Code {
		t.Errorf("Carol's codes = %+v, want the gifted one", mine)
	}
}

// signedPush is a push the test makes itself, as WeChat would.
func signedPush(t *testing.T, base string, ev callback.Event, ts time.Time, mutate func(q url.Values, body *string)) reply {
	t.Helper()
	stamp, nonce := fmt.Sprint(ts.Unix()), "n0nce"
	body := string(ev.XML())
	q := url.Values{"timestamp": {stamp}, "nonce": {nonce}, "openid": {ev.FromUserName},
		"signature": {callback.Signature(testCallbackToken, stamp, nonce)}}
	if mutate != nil {
		mutate(q, &body)
	}
	return call(t, "POST", base+"/wechat/callback?"+q.Encode(), "", body)
}

func TestCallbackRefusesAndChangesNothing(t *testing.T) {
	t.Parallel()
	p := newPushedSetup(t, sandbox.ModeSafe)
	now := time.Now()
	view := callback.Event{ToUserName: "gh_sandbox000001", FromUserName: "oViewer", CreateTime: now.Unix(),
		MsgType: "event", Event: "user_view_card", CardID: p.card}
	consume := callback.Event{ToUserName: "gh_sandbox000001", FromUserName: "oForger", CreateTime: now.Unix(),
		MsgType: "event", Event: "user_consume_card", CardID: p.card, UserCardCode: "999999999999"}
	otherApp, err := callback.NewCrypter(testCallbackToken, testAESKey, "wxSomeoneElse")
	if err != nil {
		t.Fatal(err)
	}
	encryptWith := func(c *callback.Crypter) func(q url.Values, body *string) {
		return func(q url.Values, body *string) {
			enc, err := c.Encrypt([]byte(*body))
			if err != nil {
				t.Fatal(err)
			}
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", c.MsgSignature(q.Get("timestamp"), q.Get("nonce"), enc))
			*body = "<xml><ToUserName><![CDATA[gh_sandbox000001]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
		}
	}
	tests := []struct {
		name       string
		ts         time.Time
		mutate     func(q url.Values, body *string)
		wantStatus int
	}{
		{"bad signature", now, func(q url.Values, _ *string) { q.Set("signature", strings.Repeat("0", 40)) }, 401},
		{"no signature", now, func(q url.Values, _ *string) { q.Del("signature") }, 401},
		{"timestamp older than 5 minutes", now.Add(-6 * time.Minute), nil, 401},
		{"timestamp from the future", now.Add(6 * time.Minute), nil, 401},
		{"another appid in safe mode", now, encryptWith(otherApp), 401},
		{"bad msg_signature", now, func(q url.Values, body *string) {
			encryptWith(otherApp)(q, body)
			q.Set("msg_signature", strings.Repeat("1", 40))
		}, 401},
		{"malformed xml", now, func(q url.Values, body *string) {
			q.Set("encrypt_type", "aes")
			*body = "<xml><Encrypt>user_consume_card"
		}, 400},
		{"over 1 MB", now, func(_ url.Values, body *string) { *body = "<xml>" + strings.Repeat("a", 1<<20) + "</xml>" }, 413},
	}
	wantCode := map[int]string{400: "invalid_argument", 401: "unauthenticated", 413: "payload_too_large"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signedPush(t, p.s.base, consume, tt.ts, tt.mutate)
			if r.status != tt.wantStatus || r.errCode() != wantCode[tt.wantStatus] {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.wantStatus, wantCode[tt.wantStatus])
			}
		})
	}
	if n := len(p.codes(t)); n != 0 {
		t.Errorf("refused pushes recorded %d codes, want none", n)
	}

	// A good push is answered success; WeChat's retry of it (the same query
	// and body) is answered success too and counted once.
	var retry struct {
		q    url.Values
		body string
	}
	sameEachTime := func(q url.Values, body *string) {
		if retry.q == nil {
			encryptWith(mustCrypter(t))(q, body)
			retry.q, retry.body = maps.Clone(q), *body
		}
		maps.Copy(q, retry.q)
		*body = retry.body
	}
	for i := 0; i < 2; i++ {
		r := signedPush(t, p.s.base, view, now, sameEachTime)
		if r.status != 200 || string(r.body) != "success" {
			t.Fatalf("view push %d = %d %q, want success", i, r.status, r.body)
		}
	}
	r := call(t, "GET", p.s.base+"/admin/v1/cards/"+p.card, p.admin, nil)
	var detail struct {
		Views int64 `json:"views"`
	}
	r.decode(t, &detail)
	if detail.Views != 1 {
		t.Errorf("views = %d after one view pushed twice, want 1", detail.Views)
	}

	// The URL check echoes echostr only with a good signature.
	stamp := fmt.Sprint(now.Unix())
	ok := url.Values{"timestamp": {stamp}, "nonce": {"abc"}, "echostr": {"echo-42"},
		"signature": {callback.Signature(testCallbackToken, stamp, "abc")}}
	if r := call(t, "GET", p.s.base+"/wechat/callback?"+ok.Encode(), "", nil); r.status != 200 || string(r.body) != "echo-42" {
		t.Errorf("URL check = %d %q, want echo-42", r.status, r.body)
	}
	ok.Set("signature", strings.Repeat("f", 40))
	if r := call(t, "GET", p.s.base+"/wechat/callback?"+ok.Encode(), "", nil); r.status != 401 {
		t.Errorf("URL check with a bad signature = %d, want 401", r.status)
	}
}

func mustCrypter(t *testing.T) *callback.Crypter {
	t.Helper()
	c, err := callback.NewCrypter(testCallbackToken, testAESKey, sandbox.DefaultAppID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
