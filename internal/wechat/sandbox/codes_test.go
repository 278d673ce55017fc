package sandbox_test

import (
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

func TestCodeLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	other := e.createCard(nil)
	code := e.receive("oAlice", id, ext{})
	noCheck := false
	steps := []struct {
		name       string
		path       string
		body       map[string]any
		want       int
		wantStatus string
	}{
		{"get", "/card/code/get", map[string]any{"code": code}, 0, "NORMAL"},
		{"get with its card_id", "/card/code/get", map[string]any{"code": code, "card_id": id}, 0, "NORMAL"},
		{"get with another card_id", "/card/code/get", map[string]any{"code": code, "card_id": other}, 40056, ""},
		{"get unknown code", "/card/code/get", map[string]any{"code": "000000000000"}, 40056, ""},
		{"get without code", "/card/code/get", map[string]any{}, 41013, ""},
		{"consume with another card_id", "/card/code/consume", map[string]any{"code": code, "card_id": other}, 40056, ""},
		{"consume unknown code", "/card/code/consume", map[string]any{"code": "000000000000"}, 40056, ""},
		{"consume", "/card/code/consume", map[string]any{"code": code, "card_id": id}, 0, ""},
		{"consume again", "/card/code/consume", map[string]any{"code": code}, 40099, ""},
		{"get after consume", "/card/code/get", map[string]any{"code": code}, 40099, ""},
		{"get after consume without check_consume", "/card/code/get", map[string]any{"code": code, "check_consume": noCheck}, 0, "CONSUMED"},
		{"unavailable after consume", "/card/code/unavailable", map[string]any{"code": code}, 40099, ""},
	}
	for _, s := range steps {
		r := e.wx(s.path, s.body)
		wantErrcode(t, s.name, r, s.want)
		if s.wantStatus != "" && r.str("user_card_status") != s.wantStatus {
			t.Errorf("%s: user_card_status = %q, want %s", s.name, r.str("user_card_status"), s.wantStatus)
		}
		if s.name == "consume" {
			card, _ := r.m["card"].(map[string]any)
			if card["card_id"] != id || r.str("openid") != "oAlice" {
				t.Errorf("consume = %s, want card.card_id %s and openid oAlice", r.body, id)
			}
		}
		if s.name == "get after consume without check_consume" && r.m["can_consume"] != false {
			t.Errorf("can_consume of a consumed code = %v, want false", r.m["can_consume"])
		}
	}
	wantErrcode(t, "decrypt unknown", e.wx("/card/code/decrypt", map[string]string{"encrypt_code": "nope"}), 40075)
}

func TestCodeGetWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now().Unix()
	rangeCard := e.createCard(nil)
	termCard := e.createCard(map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 3, "fixed_begin_term": 1}})
	tests := []struct {
		name       string
		card       string
		begin, end int64
		canConsume bool
	}{
		{"FIX_TIME_RANGE uses the card's window", rangeCard, now - 3600, now + 30*86400, true},
		// Received 2025-06-01 10:00 UTC+8: valid 2025-06-02 00:00:00 to 2025-06-04 23:59:59 UTC+8.
		{"FIX_TERM from the next day for 3 days", termCard,
			time.Date(2025, 6, 2, 0, 0, 0, 0, utc8).Unix(), time.Date(2025, 6, 4, 23, 59, 59, 0, utc8).Unix(), false},
	}
	for _, tt := range tests {
		code := e.receive("oAlice", tt.card, ext{})
		r := e.wx("/card/code/get", map[string]string{"code": code})
		card, _ := r.m["card"].(map[string]any)
		if got := jsonInt(card["begin_time"]); got != tt.begin {
			t.Errorf("%s: begin_time = %d, want %d", tt.name, got, tt.begin)
		}
		if got := jsonInt(card["end_time"]); got != tt.end {
			t.Errorf("%s: end_time = %d, want %d", tt.name, got, tt.end)
		}
		if r.m["can_consume"] != tt.canConsume {
			t.Errorf("%s: can_consume = %v, want %v", tt.name, r.m["can_consume"], tt.canConsume)
		}
	}
	early := e.receive("oBob", termCard, ext{})
	wantErrcode(t, "consume before the term starts", e.wx("/card/code/consume", map[string]string{"code": early}), 40147)
	e.clock.Advance(14 * time.Hour) // 2025-06-02 00:00 UTC+8
	e.newToken()                    // the old one has lived out its 7200 s
	wantErrcode(t, "consume on the first valid day", e.wx("/card/code/consume", map[string]string{"code": early}), 0)
}

func TestCodeExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now().Unix()
	id := e.createCard(map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now - 60, "end_timestamp": now + 3600}})
	code := e.receive("oAlice", id, ext{})
	e.clock.Advance(time.Hour + time.Second)
	wantErrcode(t, "get after the end", e.wx("/card/code/get", map[string]any{"code": code}), 40127)
	r := e.wx("/card/code/get", map[string]any{"code": code, "check_consume": false})
	if r.errcode() != 0 || r.str("user_card_status") != "EXPIRE" || r.m["can_consume"] != false {
		t.Errorf("get after the end without check_consume = %s, want EXPIRE and can_consume false", r.body)
	}
	wantErrcode(t, "consume after the end", e.wx("/card/code/consume", map[string]any{"code": code}), 40127)
	wantErrcode(t, "add the expired card", e.addCard("oBob", item{id, e.cardExt(id, ext{})}), 40078)
}

func TestCodeUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	code := e.receive("oAlice", id, ext{})
	wantErrcode(t, "unavailable", e.wx("/card/code/unavailable", map[string]string{"code": code, "reason": "fraud"}), 0)
	wantErrcode(t, "unavailable again", e.wx("/card/code/unavailable", map[string]string{"code": code}), 40127)
	wantErrcode(t, "get", e.wx("/card/code/get", map[string]string{"code": code}), 40127)
	wantErrcode(t, "consume", e.wx("/card/code/consume", map[string]string{"code": code}), 40127)
	wantErrcode(t, "unknown", e.wx("/card/code/unavailable", map[string]string{"code": "1"}), 40056)
}

func TestCodeUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(map[string]any{"use_custom_code": true})
	e.receive("oAlice", id, ext{Code: "A1"})
	e.receive("oBob", id, ext{Code: "B1"})
	steps := []struct {
		name string
		path string
		body map[string]string
		want int
	}{
		{"update", "/card/code/update", map[string]string{"card_id": id, "code": "A1", "new_code": "A2"}, 0},
		{"old code", "/card/code/get", map[string]string{"card_id": id, "code": "A1"}, 40056},
		{"new code", "/card/code/get", map[string]string{"card_id": id, "code": "A2"}, 0},
		{"to a code in use", "/card/code/update", map[string]string{"card_id": id, "code": "A2", "new_code": "B1"}, 40116},
		{"no new_code", "/card/code/update", map[string]string{"card_id": id, "code": "A2"}, 41011},
		{"unknown code", "/card/code/update", map[string]string{"card_id": id, "code": "Z9", "new_code": "Z8"}, 40056},
		{"back to the old value", "/card/code/update", map[string]string{"card_id": id, "code": "A2", "new_code": "A1"}, 40116},
	}
	for _, s := range steps {
		wantErrcode(t, s.name, e.wx(s.path, s.body), s.want)
	}
	wantErrcode(t, "receiving the re-keyed old value", e.addCard("oCarol", item{id, e.cardExt(id, ext{Code: "A1"})}), 40080)
	if r := e.wx("/card/code/get", map[string]string{"card_id": id, "code": "A2"}); r.str("openid") != "oAlice" {
		t.Errorf("updated code's holder = %q, want oAlice", r.str("openid"))
	}
}

// Twenty clerks consume one code at once: exactly one succeeds.
func TestConcurrentConsume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	code := e.receive("oAlice", id, ext{})
	const n = 20
	results := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- e.wx("/card/code/consume", map[string]string{"code": code, "card_id": id}).errcode()
		}()
	}
	wg.Wait()
	close(results)
	counts := map[int]int{}
	for c := range results {
		counts[c]++
	}
	if counts[0] != 1 || counts[40099] != n-1 {
		t.Errorf("errcodes of %d concurrent consumes = %v, want one 0 and %d × 40099", n, counts, n-1)
	}
}
