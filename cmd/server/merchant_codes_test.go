package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// codeLookUpJSON is GET /admin/v1/codes/{code}.
type codeLookUpJSON struct {
	CardID         string    `json:"card_id"`
	Code           string    `json:"code"`
	OpenID         string    `json:"openid"`
	UserCardStatus string    `json:"user_card_status"`
	Status         string    `json:"status"`
	CanConsume     bool      `json:"can_consume"`
	BeginTime      int64     `json:"begin_time"`
	EndTime        int64     `json:"end_time"`
	Record         *codeJSON `json:"record"`
}

func (m *merchant) lookUp(t *testing.T, token, cardID, code string) reply {
	t.Helper()
	q := ""
	if cardID != "" {
		q = "?card_id=" + url.QueryEscape(cardID)
	}
	return call(t, "GET", m.base+"/admin/v1/codes/"+url.PathEscape(code)+q, token, nil)
}

func (m *merchant) lookUpOK(t *testing.T, token, cardID, code string) codeLookUpJSON {
	t.Helper()
	r := m.lookUp(t, token, cardID, code)
	mustStatus(t, r, 200)
	var v codeLookUpJSON
	r.decode(t, &v)
	return v
}

// Codes: look-up and consumption, unavailable, re-keying, and a card's code
// listing, each on its own card and users. One server; the parts run one
// after another.
func TestMerchantCodes(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	t.Run("look up and consume", func(t *testing.T) { testCodeLookUpAndConsume(t, m) })
	t.Run("unavailable", func(t *testing.T) { testCodeUnavailable(t, m) })
	t.Run("re-key", func(t *testing.T) { testCodeUpdate(t, m) })
	t.Run("listing", func(t *testing.T) { testCardCodesListing(t, m) })
}

// A clerk looks a code up (WeChat's view and the local record) and consumes
// it once; the user sees it consumed.
func testCodeLookUpAndConsume(t *testing.T, m *merchant) {
	card := m.createCard(t, m.admin, nil)
	alice := m.userLogin(t, "oAlice")
	code := m.receive(t, alice, "oAlice", card, "")

	v := m.lookUpOK(t, m.clerk, card, code)
	if v.CardID != card || v.Code != code || v.OpenID != "oAlice" || v.UserCardStatus != "NORMAL" || v.Status != "issued" || !v.CanConsume {
		t.Errorf("look-up = %+v, want Alice's NORMAL, issued, consumable code", v)
	}
	if v.BeginTime == 0 || v.EndTime <= v.BeginTime {
		t.Errorf("look-up window %d … %d, want the card's validity", v.BeginTime, v.EndTime)
	}
	if v.Record == nil || v.Record.Status != "issued" || v.Record.OpenID != "oAlice" || v.Record.ReceivedAt == nil || v.Record.ConsumedAt != nil {
		t.Errorf("look-up record = %+v, want the issued record", v.Record)
	}
	// WeChat-generated codes can be looked up without card_id.
	if v := m.lookUpOK(t, m.clerk, "", code); v.CardID != card || v.Record == nil {
		t.Errorf("look-up without card_id = %+v, want card %s and its record", v, card)
	}

	before := time.Now().Add(-time.Second)
	r := m.consume(t, m.clerk, card, code)
	mustStatus(t, r, 200)
	var rec codeJSON
	r.decode(t, &rec)
	if rec.Code != code || rec.CardID != card || rec.OpenID != "oAlice" || rec.Status != "consumed" || rec.ConsumedAt == nil ||
		rec.ConsumedAt.Before(before) || rec.ConsumedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("consume = %s, want the record consumed now", r.body)
	}
	v = m.lookUpOK(t, m.clerk, card, code)
	if v.UserCardStatus != "CONSUMED" || v.Status != "consumed" || v.CanConsume || v.Record == nil || v.Record.Status != "consumed" || v.Record.ConsumedAt == nil {
		t.Errorf("look-up after consume = %+v (record %+v), want CONSUMED and the record consumed", v, v.Record)
	}
	if mine := m.myCodes(t, alice, "?status=consumed"); len(mine) != 1 || mine[0].Code != code || mine[0].Status != "consumed" {
		t.Errorf("me/codes?status=consumed = %+v, want %s consumed", mine, code)
	}
	if mine := m.myCodes(t, alice, "?status=issued"); len(mine) != 0 {
		t.Errorf("me/codes?status=issued = %+v, want none", mine)
	}
	if p := m.cardCodes(t, card, ""); p.Total != 1 || len(p.Codes) != 1 || p.Codes[0].Status != "consumed" || p.Codes[0].ConsumedAt == nil {
		t.Errorf("card codes = %+v, want one consumed record", p)
	}

	wantWeChatError(t, m.consume(t, m.clerk, card, code), 409, "conflict", 40099)
	wantWeChatError(t, m.consume(t, m.clerk, card, "999999999999"), 404, "not_found", 40056)
	wantWeChatError(t, m.lookUp(t, m.clerk, card, "999999999999"), 404, "not_found", 40056)
	for _, tt := range []struct {
		name  string
		code  string
		body  any
		field string
	}{
		{"missing card_id", code, map[string]any{}, "card_id"},
		{"card_id of the wrong type", code, map[string]any{"card_id": 5}, "card_id"},
		{"code over 64 characters", strings.Repeat("9", 65), map[string]any{"card_id": card}, "code"},
		{"malformed body", code, `{"card_id":`, ""},
		{"empty body", code, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", m.base+"/admin/v1/codes/"+tt.code+"/consume", m.clerk, tt.body)
			wantError(t, r, 400, "invalid_argument", tt.field)
		})
	}

	t.Run("another card's id", func(t *testing.T) {
		other := m.createCard(t, m.admin, map[string]any{"title": "别的券"})
		mine := m.receive(t, alice, "oAlice", card, "")
		wantWeChatError(t, m.consume(t, m.clerk, other, mine), 404, "not_found", 40056)
		if v := m.lookUpOK(t, m.clerk, card, mine); v.Status != "issued" {
			t.Errorf("code after a refused consume = %+v, want it still issued", v)
		}
	})
	t.Run("not valid yet", func(t *testing.T) {
		now := time.Now().Unix()
		later := m.createCard(t, m.admin, map[string]any{"title": "一小时后可用", "date_info": map[string]any{
			"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now + 3600, "end_timestamp": now + 86400}})
		early := m.receive(t, alice, "oAlice", later, "")
		if v := m.lookUpOK(t, m.clerk, later, early); v.UserCardStatus != "NORMAL" || v.CanConsume || v.BeginTime != now+3600 {
			t.Errorf("look-up = %+v, want NORMAL, not consumable before %d", v, now+3600)
		}
		wantWeChatError(t, m.consume(t, m.clerk, later, early), 409, "conflict", 40147)
		if p := m.cardCodes(t, later, ""); p.Total != 1 || p.Codes[0].Status != "issued" {
			t.Errorf("codes after a refused consume = %+v, want one issued", p)
		}
	})
	t.Run("consumed by another tool", func(t *testing.T) {
		elsewhere := m.receive(t, alice, "oAlice", card, "")
		r := call(t, "POST", m.wx+"/card/code/consume?access_token="+wxToken(t, m.wx), "", map[string]string{"card_id": card, "code": elsewhere})
		if code := wxErrcode(t, r); code != 0 {
			t.Fatalf("card/code/consume on the emulator = %s", r.body)
		}
		wantWeChatError(t, m.consume(t, m.clerk, card, elsewhere), 409, "conflict", 40099)
		// The refusal brings the local record in line.
		if v := m.lookUpOK(t, m.clerk, card, elsewhere); v.Record == nil || v.Record.Status != "consumed" || v.Record.ConsumedAt == nil {
			t.Errorf("record after WeChat said consumed = %+v, want consumed", v.Record)
		}
	})
	t.Run("custom code on two cards without card_id", func(t *testing.T) {
		first := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "自定义A"})
		second := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "自定义B"})
		m.receive(t, alice, "oAlice", first, "TWIN001")
		m.receive(t, alice, "oAlice", second, "TWIN001")
		r := m.lookUp(t, m.clerk, "", "TWIN001")
		wantError(t, r, 400, "invalid_argument", "card_id")
		if got := r.apiError(t).wechatErrcode(); got != 41012 {
			t.Errorf("wechat_errcode = %d, want 41012", got)
		}
		if v := m.lookUpOK(t, m.clerk, second, "TWIN001"); v.CardID != second {
			t.Errorf("look-up with card_id = %+v, want card %s", v, second)
		}
	})
	t.Run("consumed before the user's decrypt", func(t *testing.T) {
		custom := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "先核销"})
		r, added := m.addCard(t, "oAlice", m.cardExt(t, alice, map[string]any{"card_id": custom, "code": "EARLY01"}))
		if wxErrcode(t, r) != 0 || len(added) != 1 {
			t.Fatalf("add-card = %s", r.body)
		}
		r = m.consume(t, m.clerk, custom, "EARLY01")
		mustStatus(t, r, 200)
		var rec codeJSON
		r.decode(t, &rec)
		if rec.Code != "EARLY01" || rec.OpenID != "oAlice" || rec.Status != "consumed" || rec.ConsumedAt == nil {
			t.Errorf("consume = %s, want a consumed record for oAlice", r.body)
		}
		if p := m.cardCodes(t, custom, ""); p.Total != 1 || p.Codes[0].OpenID != "oAlice" || p.Codes[0].Status != "consumed" {
			t.Errorf("codes = %+v, want EARLY01 consumed, held by oAlice", p)
		}
		if got := m.decrypt(t, alice, added); got[0].Code != "EARLY01" || got[0].Status != "consumed" {
			t.Errorf("late decrypt = %+v, want EARLY01 consumed", got[0])
		}
		if p := m.cardCodes(t, custom, ""); p.Total != 1 {
			t.Errorf("codes after the late decrypt = %d, want still 1", p.Total)
		}
	})
}

// A code made unavailable cannot be consumed (40127); a consumed one cannot
// be made unavailable (40099).
func testCodeUnavailable(t *testing.T, m *merchant) {
	card := m.createCard(t, m.admin, nil)
	user := m.userLogin(t, "oRefund")
	refunded := m.receive(t, user, "oRefund", card, "")
	used := m.receive(t, user, "oRefund", card, "")
	unavailable := func(code string, body any) reply {
		return call(t, "POST", m.base+"/admin/v1/codes/"+code+"/unavailable", m.admin, body)
	}

	r := unavailable(refunded, map[string]any{"card_id": card, "reason": "用户退款"})
	mustStatus(t, r, 200)
	var rec codeJSON
	r.decode(t, &rec)
	if rec.Code != refunded || rec.Status != "unavailable" {
		t.Errorf("unavailable = %s, want %s unavailable", r.body, refunded)
	}
	if v := m.lookUpOK(t, m.clerk, card, refunded); v.UserCardStatus != "UNAVAILABLE" || v.Status != "unavailable" || v.CanConsume ||
		v.Record == nil || v.Record.Status != "unavailable" {
		t.Errorf("look-up = %+v (record %+v), want UNAVAILABLE and the record unavailable", v, v.Record)
	}
	wantWeChatError(t, m.consume(t, m.clerk, card, refunded), 409, "conflict", 40127)
	wantWeChatError(t, unavailable(refunded, map[string]any{"card_id": card}), 409, "conflict", 40127)
	if mine := m.myCodes(t, user, "?status=unavailable"); len(mine) != 1 || mine[0].Code != refunded {
		t.Errorf("me/codes?status=unavailable = %+v, want %s", mine, refunded)
	}

	mustStatus(t, m.consume(t, m.clerk, card, used), 200)
	wantWeChatError(t, unavailable(used, map[string]any{"card_id": card}), 409, "conflict", 40099)
	wantWeChatError(t, unavailable("999999999999", map[string]any{"card_id": card}), 404, "not_found", 40056)
	wantError(t, unavailable(used, map[string]any{}), 400, "invalid_argument", "card_id")
	wantError(t, unavailable(used, map[string]any{"card_id": card, "reason": strings.Repeat("r", 257)}), 400, "invalid_argument", "reason")
	if p := m.cardCodes(t, card, ""); p.Total != 2 {
		t.Errorf("card codes total = %d, want 2", p.Total)
	}
}

// Re-keying a custom code moves the local record to the new code.
func testCodeUpdate(t *testing.T, m *merchant) {
	card := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "自定义码券"})
	user := m.userLogin(t, "oRekey")
	if got := m.receive(t, user, "oRekey", card, "OLD0001"); got != "OLD0001" {
		t.Fatalf("received code %q, want OLD0001", got)
	}
	m.receive(t, user, "oRekey", card, "OTHER01")
	update := func(code string, body any) reply {
		return call(t, "PUT", m.base+"/admin/v1/codes/"+code, m.admin, body)
	}

	r := update("OLD0001", map[string]any{"card_id": card, "new_code": "NEW0001"})
	mustStatus(t, r, 200)
	var rec codeJSON
	r.decode(t, &rec)
	if rec.Code != "NEW0001" || rec.CardID != card || rec.OpenID != "oRekey" || rec.Status != "issued" {
		t.Errorf("update = %s, want NEW0001 issued to oRekey", r.body)
	}
	codes := map[string]string{}
	p := m.cardCodes(t, card, "")
	for _, c := range p.Codes {
		codes[c.Code] = c.Status
	}
	if p.Total != 2 || codes["NEW0001"] != "issued" || codes["OLD0001"] != "" {
		t.Errorf("card codes after update = %+v, want NEW0001 and no OLD0001", p)
	}
	wantWeChatError(t, m.lookUp(t, m.clerk, card, "OLD0001"), 404, "not_found", 40056)
	if v := m.lookUpOK(t, m.clerk, card, "NEW0001"); v.Record == nil || v.Record.Code != "NEW0001" || v.OpenID != "oRekey" {
		t.Errorf("look-up of the new code = %+v, want its record", v)
	}
	mine := map[string]bool{}
	for _, c := range m.myCodes(t, user, "") {
		mine[c.Code] = true
	}
	if !mine["NEW0001"] || mine["OLD0001"] {
		t.Errorf("me/codes = %v, want NEW0001 and not OLD0001", mine)
	}

	for _, tt := range []struct {
		name  string
		code  string
		body  any
		field string
	}{
		{"same code", "NEW0001", map[string]any{"card_id": card, "new_code": "NEW0001"}, "new_code"},
		{"missing new_code", "NEW0001", map[string]any{"card_id": card}, "new_code"},
		{"new_code over 64 characters", "NEW0001", map[string]any{"card_id": card, "new_code": strings.Repeat("n", 65)}, "new_code"},
		{"missing card_id", "NEW0001", map[string]any{"new_code": "NEW0002"}, "card_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, update(tt.code, tt.body), 400, "invalid_argument", tt.field)
		})
	}
	t.Run("a code not recorded yet", func(t *testing.T) {
		r, added := m.addCard(t, "oRekey", m.cardExt(t, user, map[string]any{"card_id": card, "code": "LATE001"}))
		if wxErrcode(t, r) != 0 || len(added) != 1 {
			t.Fatalf("add-card = %s", r.body)
		}
		r = update("LATE001", map[string]any{"card_id": card, "new_code": "LATE002"})
		mustStatus(t, r, 200)
		var rec codeJSON
		r.decode(t, &rec)
		if rec.Code != "LATE002" || rec.CardID != card || rec.Status != "issued" {
			t.Errorf("update = %s, want LATE002 issued", r.body)
		}
		if v := m.lookUpOK(t, m.clerk, card, "LATE002"); v.OpenID != "oRekey" || v.UserCardStatus != "NORMAL" {
			t.Errorf("look-up of the new code = %+v, want oRekey's NORMAL code", v)
		}
	})
	wantWeChatError(t, update("OTHER01", map[string]any{"card_id": card, "new_code": "NEW0001"}), 409, "conflict", 40116)
	wantWeChatError(t, update("NOPE001", map[string]any{"card_id": card, "new_code": "NEW0003"}), 404, "not_found", 40056)
	mustStatus(t, m.consume(t, m.clerk, card, "NEW0001"), 200)
	wantWeChatError(t, update("NEW0001", map[string]any{"card_id": card, "new_code": "NEW0004"}), 409, "conflict", 40099)
	if p := m.cardCodes(t, card, "?status=consumed"); p.Total != 1 || p.Codes[0].Code != "NEW0001" {
		t.Errorf("consumed codes = %+v, want NEW0001", p)
	}
}

// A card's codes are listed by status and paged, with the total.
func testCardCodesListing(t *testing.T, m *merchant) {
	card := m.createCard(t, m.admin, nil)
	other := m.createCard(t, m.admin, map[string]any{"title": "没人领的券"})
	anna, ben := m.userLogin(t, "oAnna"), m.userLogin(t, "oBen")
	var codes []string
	for i := 0; i < 3; i++ {
		codes = append(codes, m.receive(t, anna, "oAnna", card, ""))
	}
	for i := 0; i < 2; i++ {
		codes = append(codes, m.receive(t, ben, "oBen", card, ""))
	}
	mustStatus(t, m.consume(t, m.clerk, card, codes[0]), 200)
	mustStatus(t, m.consume(t, m.clerk, card, codes[3]), 200)
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/codes/"+codes[1]+"/unavailable", m.admin, map[string]any{"card_id": card}), 200)

	all := m.cardCodes(t, card, "")
	if all.Total != 5 || len(all.Codes) != 5 {
		t.Fatalf("codes = %+v, want 5", all)
	}
	holders := map[string]int{}
	for _, c := range all.Codes {
		holders[c.OpenID]++
		if c.CardID != card || c.ReceivedAt == nil || (c.Status == "consumed") != (c.ConsumedAt != nil) {
			t.Errorf("code %+v, want card %s, received_at, and consumed_at exactly when consumed", c, card)
		}
	}
	if holders["oAnna"] != 3 || holders["oBen"] != 2 {
		t.Errorf("holders = %v, want Anna 3, Ben 2", holders)
	}
	for _, f := range []struct {
		status string
		want   int64
	}{{"issued", 2}, {"consumed", 2}, {"unavailable", 1}, {"gifted", 0}} {
		p := m.cardCodes(t, card, "?status="+f.status)
		if p.Total != f.want || int64(len(p.Codes)) != f.want {
			t.Errorf("status %s: %d codes, total %d; want %d", f.status, len(p.Codes), p.Total, f.want)
		}
		for _, c := range p.Codes {
			if c.Status != f.status {
				t.Errorf("status %s lists %+v", f.status, c)
			}
		}
	}
	seen := map[string]bool{}
	for _, pg := range []struct {
		query string
		want  int
	}{{"?offset=0&count=2", 2}, {"?offset=2&count=2", 2}, {"?offset=4&count=2", 1}, {"?offset=6&count=2", 0}} {
		p := m.cardCodes(t, card, pg.query)
		if len(p.Codes) != pg.want || p.Total != 5 {
			t.Errorf("codes%s = %d codes, total %d; want %d, total 5", pg.query, len(p.Codes), p.Total, pg.want)
		}
		for _, c := range p.Codes {
			if seen[c.Code] {
				t.Errorf("code %s on two pages", c.Code)
			}
			seen[c.Code] = true
		}
	}
	if len(seen) != 5 {
		t.Errorf("pages hold %d distinct codes, want 5", len(seen))
	}
	if p := m.cardCodes(t, card, "?status=consumed&offset=1&count=1"); len(p.Codes) != 1 || p.Total != 2 {
		t.Errorf("consumed page 2 = %+v, want 1 code of 2", p)
	}
	r := call(t, "GET", m.base+"/admin/v1/cards/"+other+"/codes", m.admin, nil)
	mustStatus(t, r, 200)
	if !bytes.Contains(r.body, []byte(`"codes":[]`)) || !bytes.Contains(r.body, []byte(`"total":0`)) {
		t.Errorf("codes of a card nobody holds = %s, want an empty list and total 0", r.body)
	}
	for _, bad := range []struct{ query, field string }{
		{"?status=lost", "status"}, {"?count=101", "count"}, {"?count=x", "count"}, {"?offset=-1", "offset"},
	} {
		t.Run("bad "+bad.query, func(t *testing.T) {
			wantError(t, call(t, "GET", m.base+"/admin/v1/cards/"+card+"/codes"+bad.query, m.admin, nil), 400, "invalid_argument", bad.field)
		})
	}
}

// rawPost is a POST safe to send from any goroutine: it returns errors
// instead of failing the test.
func rawPost(url, token string, body any) (reply, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(raw))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// Twenty clerks consume one code at once: exactly one succeeds, the others
// get 409 conflict, and one consumed record is kept — on one instance and
// across two replicas sharing MariaDB, Redis and WeChat.
func TestConcurrentConsumeOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		replicas int
	}{{"one replica", 1}, {"two replicas", 2}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := merchantEnv(t, emulator(t))
			var servers []*server
			for i := 0; i < tt.replicas; i++ {
				e := map[string]string{}
				for k, v := range env {
					e[k] = v
				}
				servers = append(servers, startServer(t, e))
			}
			m := &merchant{server: servers[0], admin: mintToken(t, prodAdminUser, service.RoleAdmin)}
			m.clerk = m.addClerk(t)
			card := m.createCard(t, m.admin, nil)
			user := m.userLogin(t, "oRush")
			code := m.receive(t, user, "oRush", card, "")

			const n = 20
			type result struct {
				status  int
				code    string
				errcode int
				err     error
				body    string
			}
			results := make(chan result, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(s *server) {
					defer wg.Done()
					<-start
					r, err := rawPost(s.base+"/admin/v1/codes/"+code+"/consume", m.clerk, map[string]string{"card_id": card})
					res := result{status: r.status, code: r.errCode(), err: err, body: string(r.body)}
					var env struct {
						Error apiError `json:"error"`
					}
					if json.Unmarshal(r.body, &env) == nil {
						res.errcode = env.Error.wechatErrcode()
					}
					results <- res
				}(servers[i%len(servers)])
			}
			close(start)
			wg.Wait()
			close(results)
			statuses := map[string]int{}
			for res := range results {
				switch {
				case res.err != nil:
					t.Errorf("consume: %v", res.err)
				case res.status == 200:
					statuses["200"]++
				case res.status == 409 && res.code == "conflict":
					statuses["409"]++
					if res.errcode != 0 && res.errcode != 40099 {
						t.Errorf("409 with wechat_errcode %d, want 40099 or none: %s", res.errcode, res.body)
					}
				default:
					t.Errorf("consume = %d %s, want 200 or 409 conflict", res.status, res.body)
				}
			}
			if statuses["200"] != 1 || statuses["409"] != n-1 {
				t.Errorf("consume results = %v, want exactly one 200 and %d 409", statuses, n-1)
			}
			all := m.cardCodes(t, card, "")
			if all.Total != 1 || len(all.Codes) != 1 || all.Codes[0].Code != code || all.Codes[0].Status != "consumed" || all.Codes[0].ConsumedAt == nil {
				t.Errorf("card codes = %+v, want the one code, consumed", all)
			}
			if p := m.cardCodes(t, card, "?status=consumed"); p.Total != 1 {
				t.Errorf("consumed codes total = %d, want 1", p.Total)
			}
			if got := m.card(t, card); got.Issued != 1 || got.Consumed != 1 {
				t.Errorf("card counts issued %d, consumed %d; want 1, 1", got.Issued, got.Consumed)
			}
			if calls := m.stats(t)["card/code/consume"]; calls < 1 || calls > n {
				t.Errorf("card/code/consume calls = %d, want 1 … %d", calls, n)
			}
		})
	}
}

// route is one merchant route, with a body that would be valid for an admin.
type route struct {
	method, path string
	body         any
}

func (r route) String() string { return r.method + " " + r.path }

// Admin-only routes refuse a clerk; every merchant route refuses a user and
// an anonymous caller; the refused calls change nothing.
func TestMerchantRoles(t *testing.T) {
	t.Parallel()
	m := startSandboxMerchant(t)
	card := m.createCard(t, m.admin, nil)
	user := m.userLogin(t, "oRoles")
	code := m.receive(t, user, "oRoles", card, "")
	adminOnly := []route{
		{"POST", "/admin/v1/users", map[string]any{"username": "sneaky", "password": "sneaky-password", "role": "admin"}},
		{"GET", "/admin/v1/audit", nil},
		{"POST", "/admin/v1/images?kind=logo", nil},
		{"GET", "/admin/v1/colors", nil},
		{"POST", "/admin/v1/cards", cardDef(nil)},
		{"GET", "/admin/v1/cards", nil},
		{"POST", "/admin/v1/cards/sync", nil},
		{"GET", "/admin/v1/cards/" + card, nil},
		{"PATCH", "/admin/v1/cards/" + card, map[string]any{"base_info": map[string]any{"notice": "改了"}}},
		{"DELETE", "/admin/v1/cards/" + card, nil},
		{"POST", "/admin/v1/cards/" + card + "/stock", map[string]any{"delta": 5}},
		{"GET", "/admin/v1/cards/" + card + "/codes", nil},
		{"POST", "/admin/v1/codes/" + code + "/unavailable", map[string]any{"card_id": card}},
		{"PUT", "/admin/v1/codes/" + code, map[string]any{"card_id": card, "new_code": "X" + code}},
	}
	clerkRoutes := []route{
		{"GET", "/admin/v1/codes/" + code + "?card_id=" + card, nil},
		{"POST", "/admin/v1/codes/" + code + "/consume", map[string]any{"card_id": card}},
	}
	// Subtest names show the route pattern, not this run's ids.
	pattern := strings.NewReplacer(card, "{card_id}", code, "{code}")
	before := m.stats(t)
	for _, who := range []struct {
		name, token string
		routes      []route
		status      int
		code        string
	}{
		{"clerk", m.clerk, adminOnly, 403, "forbidden"},
		{"user", user, append(append([]route{}, adminOnly...), clerkRoutes...), 403, "forbidden"},
		{"no token", "", append(append([]route{}, adminOnly...), clerkRoutes...), 401, "unauthenticated"},
		{"garbage token", "not.a.jwt", append(append([]route{}, adminOnly...), clerkRoutes...), 401, "unauthenticated"},
	} {
		for _, rt := range who.routes {
			t.Run(who.name+" "+pattern.Replace(rt.String()), func(t *testing.T) {
				wantError(t, call(t, rt.method, m.base+rt.path, who.token, rt.body), who.status, who.code, "")
			})
		}
	}
	after := m.stats(t)
	for _, path := range []string{"card/create", "card/update", "card/delete", "card/modifystock", "card/batchget",
		"card/getcolors", "card/code/get", "card/code/consume", "card/code/unavailable", "card/code/update"} {
		if after[path] != before[path] {
			t.Errorf("%s calls went from %d to %d: a refused call reached WeChat", path, before[path], after[path])
		}
	}
	if r := call(t, "POST", m.base+"/admin/v1/auth/login", "", map[string]string{"username": "sneaky", "password": "sneaky-password"}); r.status != 401 {
		t.Errorf("login as the user a clerk tried to create = %d, want 401", r.status)
	}
	if got := m.card(t, card); got.Status != "CARD_STATUS_VERIFY_OK" || got.Quantity != 99 {
		t.Errorf("card after refused calls = %+v, want reviewed with 99 left", got)
	}

	// What a clerk may do.
	if v := m.lookUpOK(t, m.clerk, card, code); v.Status != "issued" {
		t.Errorf("clerk look-up = %+v, want the issued code", v)
	}
	mustStatus(t, m.consume(t, m.clerk, card, code), 200)
}

// A WeChat refusal on any merchant call is 502 upstream_error carrying
// WeChat's errcode; WeChat slower than WECHAT_TIMEOUT is 504.
func TestMerchantWeChatErrors(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", map[string]string{"WECHAT_TIMEOUT": "2s"})
	card := m.createCard(t, m.admin, nil)
	doomed := m.createCard(t, m.admin, map[string]any{"title": "待删除"})
	user := m.userLogin(t, "oUpstream")
	var codes []string
	for i := 0; i < 5; i++ {
		codes = append(codes, m.receive(t, user, "oUpstream", card, ""))
	}
	png := pngImage(t)
	tests := []struct {
		path string // the WeChat path that fails
		do   func(t *testing.T) reply
	}{
		{"card/create", func(t *testing.T) reply { return call(t, "POST", m.base+"/admin/v1/cards", m.admin, cardDef(nil)) }},
		{"card/get", func(t *testing.T) reply { return call(t, "GET", m.base+"/admin/v1/cards/"+card, m.admin, nil) }},
		{"card/update", func(t *testing.T) reply {
			return call(t, "PATCH", m.base+"/admin/v1/cards/"+card, m.admin, map[string]any{"base_info": map[string]any{"notice": "新说明"}})
		}},
		{"card/delete", func(t *testing.T) reply { return call(t, "DELETE", m.base+"/admin/v1/cards/"+doomed, m.admin, nil) }},
		{"card/modifystock", func(t *testing.T) reply {
			return call(t, "POST", m.base+"/admin/v1/cards/"+card+"/stock", m.admin, map[string]any{"delta": 10})
		}},
		{"card/batchget", func(t *testing.T) reply { return call(t, "POST", m.base+"/admin/v1/cards/sync", m.admin, nil) }},
		{"card/getcolors", func(t *testing.T) reply { return call(t, "GET", m.base+"/admin/v1/colors", m.admin, nil) }},
		{"card/code/get", func(t *testing.T) reply { return m.lookUp(t, m.clerk, card, codes[0]) }},
		{"card/code/consume", func(t *testing.T) reply { return m.consume(t, m.clerk, card, codes[1]) }},
		{"card/code/unavailable", func(t *testing.T) reply {
			return call(t, "POST", m.base+"/admin/v1/codes/"+codes[2]+"/unavailable", m.admin, map[string]any{"card_id": card})
		}},
		{"card/code/update", func(t *testing.T) reply {
			return call(t, "PUT", m.base+"/admin/v1/codes/"+codes[3], m.admin, map[string]any{"card_id": card, "new_code": "R" + codes[3]})
		}},
		{"cgi-bin/media/uploadimg", func(t *testing.T) reply {
			return upload(t, m.base+"/admin/v1/images?kind=logo", m.admin, "file", "logo.png", png)
		}},
		{"cgi-bin/media/upload", func(t *testing.T) reply {
			return upload(t, m.base+"/admin/v1/images?kind=temp", m.admin, "file", "shop.png", png)
		}},
	}
	// Faults are per path on one emulator: the cases run one after another.
	for _, tt := range tests {
		t.Run(tt.path+" refused", func(t *testing.T) {
			m.fault(t, map[string]any{"path": tt.path, "errcode": 45009, "times": 1})
			r := tt.do(t)
			wantWeChatError(t, r, 502, "upstream_error", 45009)
			if e := r.apiError(t); e.Details["wechat_errmsg"] == "" || e.Details["wechat_errmsg"] == nil {
				t.Errorf("details.wechat_errmsg missing: %s", r.body)
			}
			// The fault was one-off: the same call now goes through.
			mustStatus(t, tt.do(t), 200)
		})
	}
	t.Run("card/code/consume slower than WECHAT_TIMEOUT", func(t *testing.T) {
		m.fault(t, map[string]any{"path": "card/code/consume", "delay_ms": 6000, "times": 1})
		start := time.Now()
		r := m.consume(t, m.clerk, card, codes[4])
		if r.status != 504 || r.errCode() != "upstream_unavailable" {
			t.Errorf("consume with WeChat slow = %d %s, want 504 upstream_unavailable", r.status, r.body)
		}
		if elapsed := time.Since(start); elapsed > 4500*time.Millisecond {
			t.Errorf("consume took %v with a 2s WeChat timeout; the fault delays 6s", elapsed)
		}
		// WeChat did nothing, and the lease is free again: the clerk can retry.
		mustStatus(t, m.consume(t, m.clerk, card, codes[4]), 200)
	})
	t.Run("token refused on a merchant call", func(t *testing.T) {
		mustStatus(t, call(t, "POST", m.wx+"/sandbox/expire", "", map[string]string{"what": "access_token"}), 200)
		mustStatus(t, call(t, "POST", m.base+"/admin/v1/cards/"+card+"/stock", m.admin, map[string]any{"delta": 1}), 200)
	})
	if got := fmt.Sprint(m.card(t, card).Quantity); got != "106" {
		t.Errorf("quantity = %s, want 106 (100 − 5 received + 10 + 1)", got)
	}
}
