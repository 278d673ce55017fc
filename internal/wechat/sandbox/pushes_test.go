package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// checkHeader checks what every push carries: the common XML header, and a
// query signed over token, timestamp and nonce with the event's openid.
func checkHeader(t *testing.T, what string, d delivery, f map[string]string, event string, ts int64) {
	t.Helper()
	wantFields(t, what, f, map[string]string{
		"ToUserName": "gh_sandbox000001", "MsgType": "event", "Event": event,
		"CreateTime": strconv.FormatInt(ts, 10),
	})
	q := d.query
	if d.method != http.MethodPost || !strings.HasPrefix(d.contentType, "text/xml") {
		t.Errorf("%s: %s with Content-Type %q, want POST text/xml", what, d.method, d.contentType)
	}
	if q.Get("timestamp") != strconv.FormatInt(ts, 10) || q.Get("nonce") == "" {
		t.Errorf("%s: query %s, want timestamp %d and a nonce", what, d.rawQuery, ts)
	}
	if want := callback.Signature(testToken, q.Get("timestamp"), q.Get("nonce")); q.Get("signature") != want {
		t.Errorf("%s: signature = %q, want %q", what, q.Get("signature"), want)
	}
	if q.Get("openid") == "" || q.Get("openid") != f["FromUserName"] {
		t.Errorf("%s: openid = %q, FromUserName %q, want the same non-empty value", what, q.Get("openid"), f["FromUserName"])
	}
}

func TestPushPlainEvents(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	a := e.receive("oAlice", id, ext{OuterStr: "banner"})
	b := e.receive("oBob", id, ext{})
	c := e.receive("oCarol", id, ext{})
	wantErrcode(t, "consume", e.wx("/card/code/consume", map[string]any{"code": a}), 0)
	// WeChat has no event for card/code/unavailable: nothing is pushed.
	wantErrcode(t, "unavailable", e.wx("/card/code/unavailable", map[string]any{"code": b, "reason": "test"}), 0)
	wantErrcode(t, "delete-card", e.post("/sandbox/delete-card", map[string]any{"openid": "oCarol", "card_id": id, "code": c}), 0)
	e.wait()

	got := rc.deliveries()
	getCard := func(code, outer string) map[string]string {
		return map[string]string{"CardId": id, "UserCardCode": code, "IsGiveByFriend": "0", "FriendUserName": "",
			"OuterId": "0", "OldUserCardCode": "", "OuterStr": outer, "IsRestoreMemberCard": "0", "IsRecommendByFriend": "0"}
	}
	want := []struct {
		event  string
		openid string // "" for card events, whose FromUserName is unconfirmed
		code   string
		fields map[string]string
	}{
		{"card_pass_check", "", "", map[string]string{"CardId": id, "RefuseReason": ""}},
		{"user_get_card", "oAlice", a, getCard(a, "banner")},
		{"user_get_card", "oBob", b, getCard(b, "")},
		{"user_get_card", "oCarol", c, getCard(c, "")},
		{"user_consume_card", "oAlice", a, map[string]string{"CardId": id, "UserCardCode": a, "ConsumeSource": "FROM_API", "OuterStr": "banner"}},
		{"user_del_card", "oCarol", c, map[string]string{"CardId": id, "UserCardCode": c}},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %v, want %d", events(t, got), len(want))
	}
	list := e.pushes()
	if len(list) != len(want) {
		t.Fatalf("sandbox/pushes = %+v, want %d", list, len(want))
	}
	for i, w := range want {
		what := strconv.Itoa(i) + " " + w.event
		d := got[i]
		f := fields(t, d.body)
		checkHeader(t, what, d, f, w.event, start.Unix())
		wantFields(t, what, f, w.fields)
		if w.openid != "" && f["FromUserName"] != w.openid {
			t.Errorf("%s: FromUserName = %q, want %s", what, f["FromUserName"], w.openid)
		}
		if q := d.query; q.Has("encrypt_type") || q.Has("msg_signature") {
			t.Errorf("%s: plain mode query %s has encrypt_type or msg_signature", what, d.rawQuery)
		}
		p := list[i]
		wantP := pushInfo{ID: strconv.Itoa(i + 1), Event: w.event, CardID: id, Code: w.code, OpenID: f["FromUserName"], Attempts: 1, Delivered: true}
		if p != wantP {
			t.Errorf("sandbox/pushes[%d] = %+v, want %+v", i, p, wantP)
		}
	}
}

func TestPushEncryptedModes(t *testing.T) {
	t.Parallel()
	cr, err := callback.NewCrypter(testToken, testAESKey, sandbox.DefaultAppID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mode   string
		compat bool
	}{
		{"safe by default with an AES key", "", false},
		{"safe", sandbox.ModeSafe, false},
		{"compat", sandbox.ModeCompat, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, rc := pushEnv(t, sandbox.Options{EncodingAESKey: testAESKey, CallbackMode: tt.mode})
			id := e.createCard(nil)
			code := e.receive("oAlice", id, ext{OuterStr: "qr"})
			e.wait()
			got := rc.deliveries()
			if len(got) != 2 {
				t.Fatalf("%d pushes, want card_pass_check and user_get_card", len(got))
			}
			d := got[1]
			outer := fields(t, d.body)
			q := d.query
			if q.Get("encrypt_type") != "aes" {
				t.Errorf("encrypt_type = %q, want aes", q.Get("encrypt_type"))
			}
			ts, nonce := q.Get("timestamp"), q.Get("nonce")
			if want := callback.Signature(testToken, ts, nonce); q.Get("signature") != want {
				t.Errorf("signature = %q, want %q", q.Get("signature"), want)
			}
			if want := cr.MsgSignature(ts, nonce, outer["Encrypt"]); q.Get("msg_signature") != want {
				t.Errorf("msg_signature = %q, want %q", q.Get("msg_signature"), want)
			}
			plain, err := cr.Decrypt(outer["Encrypt"])
			if err != nil {
				t.Fatalf("decrypt Encrypt: %v", err)
			}
			inner := fields(t, plain)
			checkHeader(t, "decrypted", d, inner, "user_get_card", start.Unix())
			wantFields(t, "decrypted", inner, map[string]string{"FromUserName": "oAlice", "CardId": id, "UserCardCode": code, "OuterStr": "qr"})
			if outer["ToUserName"] != "gh_sandbox000001" {
				t.Errorf("envelope ToUserName = %q, want gh_sandbox000001", outer["ToUserName"])
			}
			if !tt.compat {
				if len(outer) != 2 {
					t.Errorf("safe-mode body has %v, want only ToUserName and Encrypt", outer)
				}
				return
			}
			// Compatible mode: every plain field beside Encrypt.
			for k, v := range inner {
				if outer[k] != v {
					t.Errorf("compat body %s = %q, want %q as in the encrypted event", k, outer[k], v)
				}
			}
			if len(outer) != len(inner)+1 {
				t.Errorf("compat body has %d elements, want the %d plain ones and Encrypt", len(outer), len(inner))
			}
		})
	}
}

func TestPushRetries(t *testing.T) {
	t.Parallel()
	// The cases that hang wait for this PushTimeout; the others have the
	// default (5 s), which a loaded test machine never reaches.
	const timeout = 500 * time.Millisecond
	tests := []struct {
		name      string
		answer    func(n int, r *http.Request) (int, string)
		attempts  int
		delivered bool
		lastError string
		hangs     bool
	}{
		{"success at once", func(int, *http.Request) (int, string) { return 200, "success" }, 1, true, "", false},
		{"empty body", func(int, *http.Request) (int, string) { return 200, "" }, 1, true, "", false},
		{"success with a newline", func(int, *http.Request) (int, string) { return 200, "success\n" }, 1, true, "", false},
		{"fail twice, then success", func(n int, _ *http.Request) (int, string) {
			if n <= 2 {
				return 200, "fail"
			}
			return 200, "success"
		}, 3, true, "", false},
		{"always fail", func(int, *http.Request) (int, string) { return 200, "fail" }, 3, false, `answered "fail"`, false},
		{"HTTP 500, then empty", func(n int, _ *http.Request) (int, string) {
			if n == 1 {
				return 500, ""
			}
			return 200, ""
		}, 2, true, "", false},
		{"always HTTP 503", func(int, *http.Request) (int, string) { return 503, "success" }, 3, false, "HTTP 503", false},
		{"a redirect is not followed", func(int, *http.Request) (int, string) { return 302, "" }, 3, false, "HTTP 302", false},
		{"slower than PushTimeout once", func(n int, r *http.Request) (int, string) {
			if n == 1 {
				hang(r)
			}
			return 200, "success"
		}, 2, true, "", true},
		{"always slower than PushTimeout", func(_ int, r *http.Request) (int, string) {
			hang(r)
			return 200, "success"
		}, 3, false, "no answer within 500ms", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := sandbox.Options{}
			if tt.hangs {
				opts.PushTimeout = timeout
			}
			e, rc := pushEnv(t, opts)
			rc.setAnswer(tt.answer)
			id := e.createCard(nil) // card_pass_check
			e.wait()
			list := e.pushes()
			if len(list) != 1 {
				t.Fatalf("sandbox/pushes = %+v, want one", list)
			}
			p := list[0]
			if p.Attempts != tt.attempts || p.Delivered != tt.delivered || !strings.Contains(p.LastError, tt.lastError) ||
				tt.lastError == "" && p.LastError != "" || p.CardID != id {
				t.Errorf("push = %+v, want %d attempts, delivered %v, last_error with %q", p, tt.attempts, tt.delivered, tt.lastError)
			}
			got := rc.deliveries()
			if len(got) != tt.attempts {
				t.Fatalf("receiver got %d requests, want %d", len(got), tt.attempts)
			}
			for i, d := range got[1:] {
				if d.rawQuery != got[0].rawQuery || !bytes.Equal(d.body, got[0].body) {
					t.Errorf("attempt %d differs from the first:\n%s %s\n%s %s", i+2, d.rawQuery, d.body, got[0].rawQuery, got[0].body)
				}
			}
		})
	}
}

func TestRepush(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	code := e.receive("oAlice", id, ext{})
	e.clock.Advance(time.Minute) // a repush keeps the original CreateTime
	e.wait()
	list := e.pushes()
	if len(list) != 2 || list[1].Event != "user_get_card" {
		t.Fatalf("sandbox/pushes = %+v, want card_pass_check and user_get_card", list)
	}
	orig := list[1]
	r := e.post("/sandbox/repush", map[string]any{"id": orig.ID})
	wantErrcode(t, "repush by string id", r, 0)
	n, _ := strconv.Atoi(orig.ID)
	wantErrcode(t, "repush by number", e.post("/sandbox/repush", map[string]any{"id": n}), 0)
	e.wait()

	got := rc.deliveries()
	if len(got) != 4 {
		t.Fatalf("receiver got %v, want 4 requests", events(t, got))
	}
	for _, d := range got[2:] {
		if d.rawQuery != got[1].rawQuery || !bytes.Equal(d.body, got[1].body) {
			t.Errorf("repushed request differs from the original:\n%s %s\n%s %s", d.rawQuery, d.body, got[1].rawQuery, got[1].body)
		}
	}
	if f := fields(t, got[3].body); f["CreateTime"] != strconv.FormatInt(start.Unix(), 10) || f["UserCardCode"] != code {
		t.Errorf("repushed event = %v, want the original CreateTime %d and code %s", f, start.Unix(), code)
	}
	list = e.pushes()
	if len(list) != 4 {
		t.Fatalf("sandbox/pushes = %+v, want 4", list)
	}
	if p := list[2]; p.ID != r.str("id") || p.RepushOf != orig.ID || p.Event != "user_get_card" || p.Code != code || !p.Delivered || p.Attempts != 1 {
		t.Errorf("repush entry = %+v, want id %s, a delivered user_get_card naming push %s", p, r.str("id"), orig.ID)
	}

	bad := []struct {
		name string
		body any
		want int
	}{
		{"unknown id", map[string]any{"id": "99"}, 40097},
		{"no id", map[string]any{}, 41011},
		{"malformed", `{"id":`, 47001},
	}
	for _, tt := range bad {
		r := e.post("/sandbox/repush", tt.body)
		if r.status != 400 {
			t.Errorf("%s: status = %d, want 400", tt.name, r.status)
		}
		wantErrcode(t, tt.name, r, tt.want)
	}
}

func TestGiftCard(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	old := e.receive("oAlice", id, ext{OuterStr: "banner"})
	e.wait()
	before := len(rc.deliveries())

	r := e.post("/sandbox/gift-card", map[string]any{"from_openid": "oAlice", "to_openid": "oBob", "card_id": id, "code": old})
	wantErrcode(t, "gift", r, 0)
	code := r.str("code")
	if _, err := strconv.ParseUint(code, 10, 64); err != nil || len(code) != 12 || code == old {
		t.Fatalf("receiver's code = %q, want a new 12-digit code (old %s)", code, old)
	}
	e.wait()
	got := rc.deliveries()[before:]
	if len(got) != 2 {
		t.Fatalf("events after the gift = %v, want user_gifting_card, user_get_card", events(t, got))
	}
	gifting, received := fields(t, got[0].body), fields(t, got[1].body)
	checkHeader(t, "gifting", got[0], gifting, "user_gifting_card", start.Unix())
	wantFields(t, "gifting", gifting, map[string]string{"FromUserName": "oAlice", "CardId": id, "UserCardCode": old,
		"FriendUserName": "oBob", "IsReturnBack": "0", "IsChatRoom": "0"})
	checkHeader(t, "received", got[1], received, "user_get_card", start.Unix())
	wantFields(t, "received", received, map[string]string{"FromUserName": "oBob", "CardId": id, "UserCardCode": code,
		"IsGiveByFriend": "1", "FriendUserName": "oAlice", "OldUserCardCode": old})

	wantErrcode(t, "code/get of the old code", e.wx("/card/code/get", map[string]any{"code": old}), 40056)
	g := e.wx("/card/code/get", map[string]any{"code": code, "card_id": id})
	if g.errcode() != 0 || g.str("openid") != "oBob" || g.str("user_card_status") != "NORMAL" {
		t.Errorf("code/get of the new code = %s, want oBob's NORMAL code", g.body)
	}
	if d := e.wx("/card/code/decrypt", map[string]string{"encrypt_code": r.str("encrypt_code")}); d.str("code") != code {
		t.Errorf("decrypt of the gift's encrypt_code = %s, want %s", d.body, code)
	}

	custom := e.createCard(map[string]any{"use_custom_code": true})
	e.receive("oAlice", custom, ext{Code: "GIFT-1"})
	r = e.post("/sandbox/gift-card", map[string]any{"from_openid": "oAlice", "to_openid": "oBob", "card_id": custom, "code": "GIFT-1"})
	if r.errcode() != 0 || r.str("code") != "GIFT-1" {
		t.Errorf("gift of a custom code = %s, want the same code GIFT-1", r.body)
	}
	if g := e.wx("/card/code/get", map[string]any{"code": "GIFT-1", "card_id": custom}); g.str("openid") != "oBob" {
		t.Errorf("code/get of the gifted custom code = %s, want oBob's", g.body)
	}

	noGift := e.createCard(map[string]any{"can_give_friend": false})
	kept := e.receive("oAlice", noGift, ext{})
	consumed := e.receive("oAlice", id, ext{})
	wantErrcode(t, "consume", e.wx("/card/code/consume", map[string]any{"code": consumed}), 0)
	e.wait()
	before = len(rc.deliveries())
	gift := func(from, to, card, code string) map[string]any {
		return map[string]any{"from_openid": from, "to_openid": to, "card_id": card, "code": code}
	}
	bad := []struct {
		name   string
		body   any
		want   int
		status int
	}{
		{"the old code again", gift("oAlice", "oCarol", id, old), 40056, 200},
		{"a code the giver does not hold", gift("oAlice", "oCarol", id, code), 40056, 200},
		{"to oneself", gift("oBob", "oBob", id, code), 40097, 400},
		{"no to_openid", gift("oBob", "", id, code), 41011, 400},
		{"a consumed code", gift("oAlice", "oBob", id, consumed), 40099, 200},
		{"can_give_friend false", gift("oAlice", "oBob", noGift, kept), 40078, 200},
	}
	for _, tt := range bad {
		r := e.post("/sandbox/gift-card", tt.body)
		wantErrcode(t, tt.name, r, tt.want)
		if r.status != tt.status {
			t.Errorf("%s: status = %d, want %d", tt.name, r.status, tt.status)
		}
	}
	e.wait()
	if n := len(rc.deliveries()) - before; n != 0 {
		t.Errorf("refused gifts pushed %d events, want none", n)
	}
}

func TestDeleteCard(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	code := e.receive("oAlice", id, ext{})
	del := func(openid string) reply {
		return e.post("/sandbox/delete-card", map[string]any{"openid": openid, "card_id": id, "code": code})
	}
	wantErrcode(t, "delete by someone else", del("oBob"), 40056)
	wantErrcode(t, "delete an unknown code", e.post("/sandbox/delete-card", map[string]any{"openid": "oAlice", "code": "000000000000"}), 40056)
	if r := e.post("/sandbox/delete-card", map[string]any{"openid": "oAlice"}); r.status != 400 || r.errcode() != 41011 {
		t.Errorf("delete without code = %d %s, want 400 with 41011", r.status, r.body)
	}
	wantErrcode(t, "delete", del("oAlice"), 0)
	wantErrcode(t, "code/get after delete", e.wx("/card/code/get", map[string]any{"code": code}), 40127)
	if g := e.wx("/card/code/get", map[string]any{"code": code, "check_consume": false}); g.str("user_card_status") != "DELETE" || g.m["can_consume"] != false {
		t.Errorf("code/get without check = %s, want DELETE, can_consume false", g.body)
	}
	wantErrcode(t, "consume after delete", e.wx("/card/code/consume", map[string]any{"code": code}), 40127)
	wantErrcode(t, "delete again", del("oAlice"), 40127)
	e.wait()
	got := rc.deliveries()
	if ev := events(t, got); len(ev) != 3 || ev[2] != "user_del_card" {
		t.Fatalf("events = %v, want card_pass_check, user_get_card, user_del_card", ev)
	}
	f := fields(t, got[2].body)
	checkHeader(t, "user_del_card", got[2], f, "user_del_card", start.Unix())
	wantFields(t, "user_del_card", f, map[string]string{"FromUserName": "oAlice", "CardId": id, "UserCardCode": code})
}

func TestReviewPushes(t *testing.T) {
	t.Parallel()
	passChecks := func(t *testing.T, ds []delivery) []map[string]string {
		t.Helper()
		var out []map[string]string
		for _, d := range ds {
			if f := fields(t, d.body); f["Event"] == "card_pass_check" {
				out = append(out, f)
			}
		}
		return out
	}

	t.Run("no delay: at create", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{})
		id := e.createCard(nil)
		if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_VERIFY_OK" {
			t.Errorf("status = %v, want CARD_STATUS_VERIFY_OK", base["status"])
		}
		e.wait()
		got := rc.deliveries()
		if len(got) != 1 {
			t.Fatalf("events = %v, want one card_pass_check", events(t, got))
		}
		f := fields(t, got[0].body)
		checkHeader(t, "card_pass_check", got[0], f, "card_pass_check", start.Unix())
		wantFields(t, "card_pass_check", f, map[string]string{"CardId": id, "RefuseReason": ""})
	})

	t.Run("small delay: by the timer, nobody asking", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{ReviewDelay: 30 * time.Millisecond})
		id := e.createCard(nil)
		got := rc.waitFor(1) // the fake clock stands still: only the timer can pass it
		if f := fields(t, got[0].body); f["Event"] != "card_pass_check" || f["CardId"] != id {
			t.Errorf("first push = %v, want card_pass_check of %s", f, id)
		}
		if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_VERIFY_OK" {
			t.Errorf("status after the push = %v, want CARD_STATUS_VERIFY_OK", base["status"])
		}
		e.wait()
		if n := len(passChecks(t, rc.deliveries())); n != 1 {
			t.Errorf("%d card_pass_check pushes, want 1", n)
		}
	})

	t.Run("the emulator's clock passes it first", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{ReviewDelay: time.Hour})
		id := e.createCard(nil)
		e.wait()
		if list := e.pushes(); len(list) != 0 {
			t.Fatalf("pushes before review = %+v, want none", list)
		}
		e.clock.Advance(time.Hour)
		if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_VERIFY_OK" {
			t.Errorf("status after the delay = %v, want CARD_STATUS_VERIFY_OK", base["status"])
		}
		e.cardGet(id)
		e.wait()
		pc := passChecks(t, rc.deliveries())
		if len(pc) != 1 || pc[0]["CardId"] != id || pc[0]["CreateTime"] != strconv.FormatInt(start.Add(time.Hour).Unix(), 10) {
			t.Errorf("card_pass_check pushes = %v, want one for %s at the review time", pc, id)
		}
	})

	t.Run("an update sent back to review passes again", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{ReviewDelay: 30 * time.Minute})
		id := e.createCard(nil)
		e.clock.Advance(30 * time.Minute)
		e.cardGet(id)
		r := e.wx("/card/update", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"notice": "新须知"}}})
		if r.m["send_check"] != true {
			t.Fatalf("update = %s, want send_check", r.body)
		}
		e.clock.Advance(30 * time.Minute)
		if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_VERIFY_OK" {
			t.Errorf("status after the second review = %v, want CARD_STATUS_VERIFY_OK", base["status"])
		}
		e.wait()
		if n := len(passChecks(t, rc.deliveries())); n != 2 {
			t.Errorf("%d card_pass_check pushes, want 2", n)
		}
	})

	t.Run("reset stops pending reviews", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{ReviewDelay: 200 * time.Millisecond})
		forgotten := e.createCard(nil)
		wantErrcode(t, "reset", e.post("/sandbox/reset", nil), 0)
		// On a loaded machine the forgotten card's review may have passed and
		// been delivered before the reset: only what arrives after it counts.
		before := len(rc.deliveries())
		e.newToken()
		kept := e.createCard(nil) // its timer fires after the forgotten card's would have
		rc.waitFor(before + 1)
		e.wait()
		pc := passChecks(t, rc.deliveries()[before:])
		if len(pc) != 1 || pc[0]["CardId"] != kept {
			t.Errorf("card_pass_check pushes = %v, want only %s (not %s, created before the reset)", pc, kept, forgotten)
		}
	})
}

func TestSkuRemind(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createCard(map[string]any{"sku": map[string]any{"quantity": 2}})
	e.receive("oAlice", id, ext{})
	e.wait()
	if ev := events(t, rc.deliveries()); len(ev) != 2 {
		t.Fatalf("events at stock 1 = %v, want no card_sku_remind yet", ev)
	}
	e.receive("oBob", id, ext{})
	e.wait()
	got := rc.deliveries()
	if ev := events(t, got); len(ev) != 4 || ev[2] != "user_get_card" || ev[3] != "card_sku_remind" {
		t.Fatalf("events = %v, want user_get_card then card_sku_remind at stock 0", ev)
	}
	f := fields(t, got[3].body)
	checkHeader(t, "card_sku_remind", got[3], f, "card_sku_remind", start.Unix())
	wantFields(t, "card_sku_remind", f, map[string]string{"CardId": id, "Detail": "the card's quantity is equal to 0"})
}

func TestResetDuringPendingPushes(t *testing.T) {
	t.Parallel()
	// PushTimeout is long: the first push hangs until reset cancels it.
	e, rc := pushEnv(t, sandbox.Options{PushTimeout: time.Minute})
	rc.setAnswer(func(n int, r *http.Request) (int, string) {
		if n == 1 {
			hang(r)
		}
		return 200, "success"
	})
	id := e.createCard(nil) // card_pass_check: in flight, hanging
	for _, openid := range []string{"oA", "oB", "oC"} {
		e.receive(openid, id, ext{}) // queued behind it; the calls do not wait for pushes
	}
	rc.waitFor(1)

	// Calls that push, racing the reset.
	tok := e.token()
	def, err := json.Marshal(cardDef(start, nil))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp, err := http.Post(e.url+"/card/create?access_token="+url.QueryEscape(tok), "application/json", bytes.NewReader(def))
			if err == nil {
				resp.Body.Close()
			}
			if resp, err := http.Get(e.url + "/sandbox/pushes"); err == nil {
				resp.Body.Close()
			}
		})
	}
	wantErrcode(t, "reset", e.post("/sandbox/reset", nil), 0)
	wg.Wait()
	e.wait()

	for _, ev := range events(t, rc.deliveries()) {
		if ev == "user_get_card" {
			t.Errorf("a push queued before the reset was delivered: %v", events(t, rc.deliveries()))
			break
		}
	}
	for _, p := range e.pushes() {
		if !p.Delivered || p.CardID == id {
			t.Errorf("push after the reset = %+v, want delivered and not about the forgotten card", p)
		}
	}
	// Pushes work after the reset.
	e.newToken()
	n := len(e.pushes())
	fresh := e.createCard(nil)
	e.wait()
	if list := e.pushes(); len(list) != n+1 || list[n].CardID != fresh || !list[n].Delivered {
		t.Errorf("pushes after the reset = %+v, want a delivered card_pass_check of %s last", list, fresh)
	}
}

func TestWaitPushesDeadline(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{PushTimeout: time.Minute})
	rc.setAnswer(func(_ int, r *http.Request) (int, string) { hang(r); return 200, "" })
	e.createCard(nil)
	rc.waitFor(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.emu.WaitPushes(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitPushes with a push hanging = %v, want the deadline", err)
	}
	wantErrcode(t, "reset", e.post("/sandbox/reset", nil), 0)
	e.wait()
}

func TestPushOptions(t *testing.T) {
	t.Parallel()
	t.Run("no callback URL: no pushes", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sandbox.Options{})
		id := e.createCard(nil)
		e.receive("oAlice", id, ext{})
		e.wait()
		if list := e.pushes(); len(list) != 0 {
			t.Errorf("pushes without a callback URL = %+v, want none", list)
		}
	})

	t.Run("Validate", func(t *testing.T) {
		t.Parallel()
		const u = "http://127.0.0.1:1/cb"
		tests := []struct {
			name string
			opts sandbox.Options
			want string // "" for valid
		}{
			{"zero value", sandbox.Options{}, ""},
			{"plain", sandbox.Options{CallbackURL: u, CallbackToken: "t"}, ""},
			{"safe by default", sandbox.Options{CallbackURL: u, CallbackToken: "t", EncodingAESKey: testAESKey}, ""},
			{"compat", sandbox.Options{CallbackURL: u, CallbackToken: "t", EncodingAESKey: testAESKey, CallbackMode: "compat"}, ""},
			{"unknown mode", sandbox.Options{CallbackURL: u, CallbackMode: "aes"}, "CallbackMode"},
			{"short key", sandbox.Options{CallbackURL: u, CallbackToken: "t", EncodingAESKey: testAESKey[:40]}, "43"},
			{"key not base64", sandbox.Options{CallbackURL: u, CallbackToken: "t", EncodingAESKey: strings.Repeat("!", 43)}, "base64"},
			{"safe without key", sandbox.Options{CallbackURL: u, CallbackToken: "t", CallbackMode: "safe"}, "EncodingAESKey"},
			{"safe without token", sandbox.Options{CallbackURL: u, EncodingAESKey: testAESKey}, "CallbackToken"},
			{"relative URL", sandbox.Options{CallbackURL: "/cb"}, "CallbackURL"},
			{"ftp URL", sandbox.Options{CallbackURL: "ftp://host/cb"}, "CallbackURL"},
			{"negative timeout", sandbox.Options{PushTimeout: -time.Second}, "PushTimeout"},
		}
		for _, tt := range tests {
			err := tt.opts.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("%s: Validate = %v, want %q", tt.name, err, tt.want)
			}
		}
	})

	t.Run("invalid options give every push up", func(t *testing.T) {
		t.Parallel()
		e, rc := pushEnv(t, sandbox.Options{CallbackMode: "aes"})
		e.createCard(nil)
		e.wait()
		list := e.pushes()
		if len(list) != 1 || list[0].Delivered || list[0].Attempts != 0 || !strings.Contains(list[0].LastError, "CallbackMode") {
			t.Errorf("pushes = %+v, want one given up naming CallbackMode", list)
		}
		wantErrcode(t, "repush of a push never sent", e.post("/sandbox/repush", map[string]any{"id": "1"}), 40097)
		if got := rc.deliveries(); len(got) != 0 {
			t.Errorf("receiver got %d requests, want none", len(got))
		}
	})
}
