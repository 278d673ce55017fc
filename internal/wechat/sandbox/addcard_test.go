package sandbox_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

func TestAddCardAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	cardExt := e.cardExt(id, ext{OuterStr: "banner"})
	r := e.addCard("oAlice", item{id, cardExt})
	list, _ := r.m["card_list"].([]any)
	if r.status != 200 || r.errcode() != 0 || len(list) != 1 {
		t.Fatalf("add-card = %d %s", r.status, r.body)
	}
	got := list[0].(map[string]any)
	enc, _ := got["code"].(string)
	if got["card_id"] != id || got["card_ext"] != cardExt || got["is_success"] != true || enc == "" {
		t.Errorf("card_list[0] = %v, want card_id, card_ext echoed, an encrypt code and is_success", got)
	}
	d := e.wx("/card/code/decrypt", map[string]string{"encrypt_code": enc})
	code := d.str("code")
	if _, err := strconv.ParseUint(code, 10, 64); err != nil || len(code) != 12 {
		t.Errorf("decrypted code = %q, want 12 digits", code)
	}
	g := e.wx("/card/code/get", map[string]string{"code": code})
	if g.str("openid") != "oAlice" || g.str("outer_str") != "banner" || g.str("user_card_status") != "NORMAL" || g.m["can_consume"] != true {
		t.Errorf("code/get = %s, want oAlice's NORMAL code with outer_str banner", g.body)
	}
	base, _, _ := e.cardGet(id)
	if q := jsonInt(base["sku"].(map[string]any)["quantity"]); q != 99 {
		t.Errorf("stock after one receipt = %d, want 99", q)
	}
}

func TestAddCardRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	plain := e.createCard(nil)
	bound := e.createCard(map[string]any{"bind_openid": true})
	custom := e.createCard(map[string]any{"use_custom_code": true})
	now := e.clock.Now().Unix()
	usedNonce := nonce()
	e.receive("oAlice", plain, ext{Nonce: usedNonce})
	e.receive("oAlice", custom, ext{Code: "C0001"})

	tests := []struct {
		name   string
		openid string
		card   string
		ext    func() string
		want   int
	}{
		{"correct signature", "oAlice", plain, func() string { return e.cardExt(plain, ext{}) }, 0},
		{"timestamp as a number", "oAlice", plain, func() string { return e.cardExt(plain, ext{Timestamp: now}) }, 0},
		{"no nonce_str", "oAlice", plain, func() string { return e.cardExt(plain, ext{NoNonce: true}) }, 0},
		{"wrong signature", "oAlice", plain, func() string { return e.cardExt(plain, ext{Signature: strings.Repeat("0", 40)}) }, 40080},
		{"signed for another card", "oAlice", plain, func() string {
			return e.cardExt(plain, ext{Nonce: "n1", Signature: sign(e.apiTicket(), strconv.FormatInt(now, 10), bound, "n1")})
		}, 40080},
		{"signed with another ticket", "oAlice", plain, func() string { return e.cardExt(plain, ext{Ticket: "not-the-ticket"}) }, 40080},
		{"upper-case signature", "oAlice", plain, func() string {
			n := nonce()
			return e.cardExt(plain, ext{Nonce: n, Signature: strings.ToUpper(sign(e.apiTicket(), strconv.FormatInt(now, 10), plain, n))})
		}, 40080},
		{"reused nonce", "oAlice", plain, func() string { return e.cardExt(plain, ext{Nonce: usedNonce}) }, 40080},
		{"nonce reused on another card is fine", "oAlice", bound, func() string { return e.cardExt(bound, ext{Nonce: usedNonce, OpenID: "oAlice"}) }, 0},
		{"nonce over 32 characters", "oAlice", plain, func() string { return e.cardExt(plain, ext{Nonce: strings.Repeat("n", 33)}) }, 40080},
		{"timestamp 31 minutes old", "oAlice", plain, func() string { return e.cardExt(plain, ext{Timestamp: strconv.FormatInt(now-31*60, 10)}) }, 40080},
		{"timestamp 29 minutes old", "oAlice", plain, func() string { return e.cardExt(plain, ext{Timestamp: strconv.FormatInt(now-29*60, 10)}) }, 0},
		{"timestamp 6 minutes ahead", "oAlice", plain, func() string { return e.cardExt(plain, ext{Timestamp: strconv.FormatInt(now+6*60, 10)}) }, 40080},
		{"timestamp not a number", "oAlice", plain, func() string { return e.cardExt(plain, ext{Timestamp: "soon"}) }, 40080},
		{"card_ext not JSON", "oAlice", plain, func() string { return "{timestamp" }, 40080},
		{"no signature", "oAlice", plain, func() string { return `{"timestamp":"` + strconv.FormatInt(now, 10) + `"}` }, 40080},
		{"bind_openid for the receiver", "oBob", bound, func() string { return e.cardExt(bound, ext{OpenID: "oBob"}) }, 0},
		{"bind_openid for another user", "oBob", bound, func() string { return e.cardExt(bound, ext{OpenID: "oAlice"}) }, 40080},
		{"bind_openid without openid", "oBob", bound, func() string { return e.cardExt(bound, ext{}) }, 40080},
		{"openid on a card without bind_openid", "oAlice", plain, func() string { return e.cardExt(plain, ext{OpenID: "oAlice"}) }, 40080},
		{"custom code", "oBob", custom, func() string { return e.cardExt(custom, ext{Code: "C0002"}) }, 0},
		{"custom code already issued", "oBob", custom, func() string { return e.cardExt(custom, ext{Code: "C0001"}) }, 40080},
		{"custom-code card without code", "oBob", custom, func() string { return e.cardExt(custom, ext{}) }, 40080},
		{"code on a card without custom codes", "oAlice", plain, func() string { return e.cardExt(plain, ext{Code: "C0003"}) }, 40080},
		{"unknown card", "oAlice", "pUnknown", func() string { return e.cardExt("pUnknown", ext{}) }, 40078},
	}
	for _, tt := range tests {
		r := e.addCard(tt.openid, item{tt.card, tt.ext()})
		if r.status != 200 {
			t.Errorf("%s: status = %d, want 200", tt.name, r.status)
		}
		wantErrcode(t, tt.name, r, tt.want)
		if tt.want != 0 && !strings.Contains(r.errmsg(), tt.card) {
			t.Errorf("%s: errmsg %q does not name card %s", tt.name, r.errmsg(), tt.card)
		}
	}
}

func TestAddCardTicketValidity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	old := e.apiTicket()
	e.clock.Advance(time.Minute)
	e.newTicket()
	steps := []struct {
		name    string
		advance time.Duration
		ticket  string
		want    int
	}{
		{"previous ticket inside its grace", 4 * time.Minute, old, 0},
		{"previous ticket after 5 minutes", time.Minute, old, 40080},
		{"current ticket", 0, "", 0},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		wantErrcode(t, s.name, e.addCard("oAlice", item{id, e.cardExt(id, ext{Ticket: s.ticket})}), s.want)
	}
	if r := e.post("/sandbox/expire", map[string]string{"what": "api_ticket"}); r.errcode() != 0 {
		t.Fatalf("expire api_ticket = %s", r.body)
	}
	wantErrcode(t, "ticket expired by sandbox/expire", e.addCard("oAlice", item{id, e.cardExt(id, ext{})}), 40080)
	e.newTicket()
	wantErrcode(t, "ticket fetched after the expiry", e.addCard("oAlice", item{id, e.cardExt(id, ext{})}), 0)
	wantErrcode(t, "unknown what", e.post("/sandbox/expire", map[string]string{"what": "session_key"}), 40097)
}

func TestAddCardStockAndLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	one := e.createCard(map[string]any{"sku": map[string]any{"quantity": 1}})
	limited := e.createCard(map[string]any{"get_limit": 2})

	wantErrcode(t, "last unit", e.addCard("oAlice", item{one, e.cardExt(one, ext{})}), 0)
	wantErrcode(t, "out of stock", e.addCard("oBob", item{one, e.cardExt(one, ext{})}), 45031)
	wantErrcode(t, "stock raised", e.wx("/card/modifystock", map[string]any{"card_id": one, "increase_stock_value": 1}), 0)
	wantErrcode(t, "after raising the stock", e.addCard("oBob", item{one, e.cardExt(one, ext{})}), 0)

	wantErrcode(t, "first of get_limit 2", e.addCard("oAlice", item{limited, e.cardExt(limited, ext{})}), 0)
	wantErrcode(t, "two more in one request", e.addCard("oAlice",
		item{limited, e.cardExt(limited, ext{})}, item{limited, e.cardExt(limited, ext{})}), 45033)
	wantErrcode(t, "second of get_limit 2", e.addCard("oAlice", item{limited, e.cardExt(limited, ext{})}), 0)
	wantErrcode(t, "third of get_limit 2", e.addCard("oAlice", item{limited, e.cardExt(limited, ext{})}), 45033)
	wantErrcode(t, "another user's first", e.addCard("oBob", item{limited, e.cardExt(limited, ext{})}), 0)

	two := e.createCard(map[string]any{"sku": map[string]any{"quantity": 2}})
	wantErrcode(t, "three units of a stock of two in one request", e.addCard("oCarol",
		item{two, e.cardExt(two, ext{})}, item{two, e.cardExt(two, ext{})}, item{two, e.cardExt(two, ext{})}), 45031)
}

func TestAddCardAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	plain := e.createCard(nil)
	custom := e.createCard(map[string]any{"use_custom_code": true})
	good := item{plain, e.cardExt(plain, ext{})}
	goodCustom := item{custom, e.cardExt(custom, ext{Code: "K1"})}
	bad := item{plain, e.cardExt(plain, ext{Signature: strings.Repeat("a", 40)})}

	wantErrcode(t, "two good, one bad", e.addCard("oAlice", good, goodCustom, bad), 40080)
	for _, id := range []string{plain, custom} {
		base, _, _ := e.cardGet(id)
		if q := jsonInt(base["sku"].(map[string]any)["quantity"]); q != 100 {
			t.Errorf("stock of %s after a refused request = %d, want 100", id, q)
		}
	}
	wantErrcode(t, "custom code of the refused request", e.wx("/card/code/get", map[string]string{"code": "K1", "card_id": custom}), 40056)
	// Nothing was used up: the same good items are accepted now.
	r := e.addCard("oAlice", good, goodCustom)
	if list, _ := r.m["card_list"].([]any); r.errcode() != 0 || len(list) != 2 {
		t.Errorf("good items after the refusal = %s, want both added", r.body)
	}
	wantErrcode(t, "same nonce twice in one request", e.addCard("oBob", item{plain, e.cardExt(plain, ext{Nonce: "dup"})}, item{plain, e.cardExt(plain, ext{Nonce: "dup"})}), 40080)
	wantErrcode(t, "same custom code twice in one request", e.addCard("oBob", item{custom, e.cardExt(custom, ext{Code: "K2"})}, item{custom, e.cardExt(custom, ext{Code: "K2"})}), 40080)
}

func TestAddCardCardStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{ReviewDelay: time.Hour})
	id := e.createCard(nil)
	wantErrcode(t, "card under review", e.addCard("oAlice", item{id, e.cardExt(id, ext{})}), 40078)
	e.clock.Advance(time.Hour)
	wantErrcode(t, "card after review", e.addCard("oAlice", item{id, e.cardExt(id, ext{})}), 0)
	wantErrcode(t, "delete", e.wx("/card/delete", map[string]string{"card_id": id}), 0)
	wantErrcode(t, "deleted card", e.addCard("oAlice", item{id, e.cardExt(id, ext{})}), 40078)
}

func TestAddCardBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tests := []struct {
		name string
		body any
		want int
	}{
		{"malformed JSON", `{"openid":`, 47001},
		{"no openid", map[string]any{"card_list": []item{{"p1", "{}"}}}, 41011},
		{"no card_list", map[string]any{"openid": "oA"}, 41011},
		{"card_ext as an object", `{"openid":"oA","card_list":[{"card_id":"p1","card_ext":{}}]}`, 47001},
	}
	for _, tt := range tests {
		r := e.post("/sandbox/add-card", tt.body)
		if r.status != 400 {
			t.Errorf("%s: status = %d, want 400", tt.name, r.status)
		}
		wantErrcode(t, tt.name, r, tt.want)
	}
}
