package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// Member cards end to end: activation by API from the mini-program page,
// and points and stored value changed exactly once under concurrency and
// WeChat faults (issue 13).

// memberCardDef is a MEMBER_CARD activated by API from a mini-program page,
// with points (100 on opening) and stored value.
func memberCardDef() map[string]any {
	def := typedCard("MEMBER_CARD", map[string]any{"get_limit": 1})
	obj := typeObject(def)
	obj["supply_bonus"], obj["supply_balance"] = true, true
	obj["activate_app_brand_user_name"] = "gh_86a091e50ad4@app"
	obj["activate_app_brand_pass"] = "pages/member/activate"
	obj["bonus_rule"] = map[string]any{"init_increase_bonus": 100}
	return def
}

type memberJSON struct {
	CardID           string `json:"card_id"`
	Code             string `json:"code"`
	MembershipNumber string `json:"membership_number"`
	Bonus            int64  `json:"bonus"`
	Balance          int64  `json:"balance"`
	ActivatedAt      string `json:"activated_at"`
	Title            string `json:"title"`
	UserCardStatus   string `json:"user_card_status"`
	HasActive        bool   `json:"has_active"`
	WeChat           struct {
		MembershipNumber string `json:"membership_number"`
		Bonus            int64  `json:"bonus"`
		Balance          int64  `json:"balance"`
	} `json:"wechat"`
}

type ledgerJSON struct {
	Entries []struct {
		ID        int64  `json:"id"`
		Actor     string `json:"actor"`
		Kind      string `json:"kind"`
		Delta     int64  `json:"delta"`
		Total     int64  `json:"total"`
		RequestID string `json:"request_id"`
		Status    string `json:"status"`
	} `json:"entries"`
	Total int64 `json:"total"`
}

// newMember creates the member card, has openid receive it and returns the
// card id, the user's token and the encrypt_code WeChat appends to the
// activation page.
func (m *merchant) newMemberHolder(t *testing.T, openid string) (cardID, user, encryptCode string) {
	t.Helper()
	r := call(t, "POST", m.base+"/admin/v1/cards", m.admin, memberCardDef())
	mustStatus(t, r, 200)
	var created struct {
		CardID string `json:"card_id"`
	}
	r.decode(t, &created)
	user = m.userLogin(t, openid)
	r, added := m.addCard(t, openid, m.cardExt(t, user, map[string]any{"card_id": created.CardID}))
	if wxErrcode(t, r) != 0 || len(added) != 1 || !added[0].IsSuccess {
		t.Fatalf("add-card = %s", r.body)
	}
	return created.CardID, user, added[0].Code
}

func (m *merchant) member(t *testing.T, cardID, code string) memberJSON {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/members/"+code+"?card_id="+cardID, m.clerk, nil)
	mustStatus(t, r, 200)
	var out memberJSON
	r.decode(t, &out)
	return out
}

func (m *merchant) ledger(t *testing.T, cardID, code string) ledgerJSON {
	t.Helper()
	var all ledgerJSON
	for offset := 0; ; offset += 100 {
		r := call(t, "GET", fmt.Sprintf("%s/admin/v1/members/%s/ledger?card_id=%s&offset=%d&count=100", m.base, code, cardID, offset), m.admin, nil)
		mustStatus(t, r, 200)
		var page ledgerJSON
		r.decode(t, &page)
		all.Entries = append(all.Entries, page.Entries...)
		all.Total = page.Total
		if len(page.Entries) < 100 {
			return all
		}
	}
}

func TestMemberActivationByAPI(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	cardID, alice, enc := m.newMemberHolder(t, "oAliceMember")

	// Another user with Alice's encrypt_code: code_not_owned, nothing written.
	bob := m.userLogin(t, "oBobMember")
	r := call(t, "POST", m.base+"/api/v1/members/activate", bob, map[string]any{"card_id": cardID, "encrypt_code": enc})
	wantError(t, r, 403, "code_not_owned", "")
	if got := m.stats(t)["card/membercard/activate"]; got != 0 {
		t.Errorf("card/membercard/activate called %d times for a foreign code", got)
	}

	r = call(t, "POST", m.base+"/api/v1/members/activate", alice, map[string]any{"card_id": cardID, "encrypt_code": enc})
	mustStatus(t, r, 200)
	var first memberJSON
	r.decode(t, &first)
	if first.Code == "" || first.MembershipNumber != first.Code || first.Bonus != 100 || first.Balance != 0 || first.ActivatedAt == "" {
		t.Fatalf("activate = %s; want the code as membership number and the opening 100 points", r.body)
	}
	view := m.member(t, cardID, first.Code)
	if !view.HasActive || view.UserCardStatus != "NORMAL" || view.WeChat.Bonus != 100 || view.WeChat.MembershipNumber != first.Code {
		t.Errorf("member view = %+v; want WeChat's side activated with 100 points", view)
	}

	// Re-activation answers the same member and changes nothing.
	r = call(t, "POST", m.base+"/api/v1/members/activate", alice, map[string]any{"card_id": cardID, "encrypt_code": enc})
	mustStatus(t, r, 200)
	var again memberJSON
	r.decode(t, &again)
	if again != first {
		t.Errorf("re-activation = %+v, want %+v", again, first)
	}
	if got := m.stats(t)["card/membercard/activate"]; got != 1 {
		t.Errorf("card/membercard/activate called %d times, want 1", got)
	}
	if l := m.ledger(t, cardID, first.Code); l.Total != 1 || l.Entries[0].Delta != 100 || l.Entries[0].Kind != "bonus" {
		t.Errorf("ledger after re-activation = %+v, want the one opening entry", l)
	}

	r = call(t, "GET", m.base+"/api/v1/me/memberships", alice, nil)
	mustStatus(t, r, 200)
	var mine struct {
		Memberships []memberJSON `json:"memberships"`
	}
	r.decode(t, &mine)
	if len(mine.Memberships) != 1 || mine.Memberships[0].Code != first.Code || mine.Memberships[0].Title == "" {
		t.Errorf("memberships = %s", r.body)
	}
	r = call(t, "GET", m.base+"/api/v1/me/memberships", bob, nil)
	mustStatus(t, r, 200)
	r.decode(t, &mine)
	if len(mine.Memberships) != 0 {
		t.Errorf("Bob's memberships = %s, want none", r.body)
	}
}

func TestMemberLedgerUnderFire(t *testing.T) {
	t.Parallel()
	env := merchantEnv(t, emulator(t))
	env["WECHAT_TIMEOUT"] = "1s"
	replica := func() *merchant { // two replicas: one database, one Redis namespace, one WeChat
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		return &merchant{server: startServer(t, e), admin: mintToken(t, prodAdminUser, service.RoleAdmin)}
	}
	a, b := replica(), replica()
	// Merchant tokens are checked against their account: the clerk is made once,
	// in the database both replicas share.
	a.clerk = a.addClerk(t)
	b.clerk = a.clerk
	cardID, alice, enc := a.newMemberHolder(t, "oLedger")
	r := call(t, "POST", a.base+"/api/v1/members/activate", alice, map[string]any{"card_id": cardID, "encrypt_code": enc})
	mustStatus(t, r, 200)
	var mem memberJSON
	r.decode(t, &mem)
	code := mem.Code

	change := func(s *merchant, kind string, delta int64, reqID string) reply {
		return call(t, "POST", s.base+"/admin/v1/members/"+code+"/"+kind, s.clerk,
			map[string]any{"card_id": cardID, "delta": delta, "record": "测试", "request_id": reqID})
	}
	mustStatus(t, change(a, "balance", 100000, "seed"), 200)

	// WeChat faults on a third of the pushes: timeouts and system errors.
	a.fault(t, map[string]any{"path": "card/membercard/updateuser", "errcode": -1, "times": 11})
	a.fault(t, map[string]any{"path": "card/membercard/updateuser", "delay_ms": 1500, "times": 1})

	const n = 64
	kindOf := func(i int) string {
		if i%4 == 0 {
			return "bonus"
		}
		return "balance"
	}
	deltaOf := func(i int) int64 {
		if i%2 == 1 {
			return -int64(i + 1)
		}
		return int64(i + 1)
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 2*n)
	post := func(s *merchant, kind string, delta int64, reqID string) int { // safe off the test goroutine
		raw, _ := json.Marshal(map[string]any{"card_id": cardID, "delta": delta, "record": "测试", "request_id": reqID})
		req, _ := http.NewRequest("POST", s.base+"/admin/v1/members/"+code+"/"+kind, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.clerk)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for round := range 2 { // 64 changes and 64 repeats, at once, on two replicas
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := a
				if (i+round)%2 == 1 {
					s = b
				}
				statuses <- post(s, kindOf(i), deltaOf(i), fmt.Sprintf("req-%d", i))
			}()
		}
	}
	wg.Wait()
	close(statuses)
	seen := map[int]int{}
	for st := range statuses {
		seen[st]++
	}
	for st := range seen {
		if st != 200 && st != 502 && st != 503 && st != 504 {
			t.Errorf("statuses = %v: want only 200 and 502/503/504 under faults", seen)
		}
	}
	if seen[200] == 2*n {
		t.Errorf("statuses = %v: the faults left nothing pending", seen)
	}
	t.Logf("statuses under fire: %v; updateuser calls: %d", seen, a.stats(t)["card/membercard/updateuser"])
	// Retries complete whatever is pending; each answers its first result.
	totals := map[string]int64{}
	for i := range n {
		var out map[string]int64
		for attempt := 0; ; attempt++ {
			r := change(b, kindOf(i), deltaOf(i), fmt.Sprintf("req-%d", i))
			if r.status == 200 {
				r.decode(t, &out)
				break
			}
			if attempt == 20 {
				t.Fatalf("req-%d still %d %s after 20 retries", i, r.status, r.body)
			}
			time.Sleep(100 * time.Millisecond)
		}
		totals[fmt.Sprintf("req-%d", i)] = out[kindOf(i)]
	}
	// Same request_id, another body: conflict.
	wantError(t, change(a, "balance", 7, "req-1"), 409, "conflict", "request_id")

	l := a.ledger(t, cardID, code)
	count := map[string]int{}
	var bonus, balance int64
	for _, e := range l.Entries {
		count[e.RequestID]++
		if e.Status != "applied" {
			t.Errorf("entry %s is %s after the retries", e.RequestID, e.Status)
		}
		if e.RequestID != "activation:bonus" && e.RequestID != "seed" && totals[e.RequestID] != e.Total {
			t.Errorf("%s answered total %d, ledger says %d", e.RequestID, totals[e.RequestID], e.Total)
		}
		if e.Kind == "bonus" {
			bonus += e.Delta
		} else {
			balance += e.Delta
		}
	}
	for i := range n {
		if c := count[fmt.Sprintf("req-%d", i)]; c != 1 {
			t.Errorf("req-%d is in the ledger %d times", i, c)
		}
	}
	if int(l.Total) != n+2 {
		t.Errorf("ledger has %d entries, want %d", l.Total, n+2)
	}
	view := a.member(t, cardID, code)
	if view.Bonus != bonus || view.Balance != balance {
		t.Errorf("totals %d/%d, ledger sums %d/%d", view.Bonus, view.Balance, bonus, balance)
	}
	if view.WeChat.Bonus != view.Bonus || view.WeChat.Balance != view.Balance {
		t.Errorf("WeChat holds %d/%d, the service %d/%d", view.WeChat.Bonus, view.WeChat.Balance, view.Bonus, view.Balance)
	}

	// A charge beyond the balance: 409, nothing changes.
	r = change(a, "balance", -(view.Balance + 1), "too-much")
	wantError(t, r, 409, "conflict", "delta")
	if after := a.member(t, cardID, code); after.Balance != view.Balance || after.WeChat.Balance != view.Balance {
		t.Errorf("after the refused charge: %+v", after)
	}
	if l2 := a.ledger(t, cardID, code); l2.Total != l.Total {
		t.Errorf("the refused charge left a ledger entry (%d → %d)", l.Total, l2.Total)
	}
}

// jumpCardDef is a jump-type one-click member card (§13.2): WeChat's form,
// then the mini-program page activates.
func jumpCardDef() map[string]any {
	def := memberCardDef()
	obj := typeObject(def)
	obj["wx_activate"], obj["wx_activate_after_submit"] = true, true
	return def
}

func TestMemberOneClickJump(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	r := call(t, "POST", m.base+"/admin/v1/cards", m.admin, jumpCardDef())
	mustStatus(t, r, 200)
	var created struct {
		CardID string `json:"card_id"`
	}
	r.decode(t, &created)
	cardID := created.CardID

	bad := map[string]any{"required_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_EDUCATION_BACKGRO"}}}
	wantError(t, call(t, "PUT", m.base+"/admin/v1/cards/"+cardID+"/activation-form", m.admin, bad), 400, "invalid_argument",
		"required_form.common_field_id_list[0]")
	form := map[string]any{"required_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE"}},
		"service_statement": map[string]any{"name": "会员守则", "url": "https://m.example.com/rules"}}
	mustStatus(t, call(t, "PUT", m.base+"/admin/v1/cards/"+cardID+"/activation-form", m.admin, form), 200)
	wantError(t, call(t, "PUT", m.base+"/admin/v1/cards/"+cardID+"/activation-form", m.clerk, form), 403, "forbidden", "")

	alice := m.userLogin(t, "oJumpAlice")
	r = call(t, "GET", m.base+"/api/v1/members/activation-url?card_id="+cardID+"&outer_str=guide", alice, nil)
	mustStatus(t, r, 200)
	var u struct {
		URL       string `json:"url"`
		ExtraData struct {
			EncryptCardID string `json:"encrypt_card_id"`
			OuterStr      string `json:"outer_str"`
			Biz           string `json:"biz"`
		} `json:"extra_data"`
	}
	r.decode(t, &u)
	if len(u.ExtraData.EncryptCardID) != 64 || u.ExtraData.OuterStr != "guide" || u.ExtraData.Biz == "" || u.URL == "" {
		t.Errorf("activation-url = %s", r.body)
	}

	// The user fills WeChat's form; the page gets a ticket and activates.
	submit := func(openid, user, appid string) (string, string) {
		code := m.receive(t, user, openid, cardID, "")
		body := map[string]any{"openid": openid, "card_id": cardID, "code": code,
			"fields": map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000"}}
		if appid != "" {
			body["appid"] = appid
		}
		r := call(t, "POST", m.wx+"/sandbox/member-form", "", body)
		mustStatus(t, r, 200)
		var out struct {
			Ticket      string `json:"activate_ticket"`
			EncryptCode string `json:"encrypt_code"`
		}
		r.decode(t, &out)
		return out.Ticket, out.EncryptCode
	}
	ticket, enc := submit("oJumpAlice", alice, "")
	r = call(t, "POST", m.base+"/api/v1/members/activate", alice, map[string]any{"card_id": cardID, "encrypt_code": enc, "activate_ticket": ticket})
	mustStatus(t, r, 200)
	var got struct {
		memberJSON
		Form struct {
			Fields []struct{ Name, Value string } `json:"fields"`
		} `json:"form"`
	}
	r.decode(t, &got)
	if got.Bonus != 100 || len(got.Form.Fields) != 1 || got.Form.Fields[0].Value != "13800000000" {
		t.Errorf("activate with a ticket = %s", r.body)
	}

	// A ticket of another account: WeChat's 72011 as upstream_error, nothing recorded.
	carol := m.userLogin(t, "oJumpCarol")
	ticket, enc = submit("oJumpCarol", carol, "wxanother")
	r = call(t, "POST", m.base+"/api/v1/members/activate", carol, map[string]any{"card_id": cardID, "encrypt_code": enc, "activate_ticket": ticket})
	wantWeChatError(t, r, 502, "upstream_error", 72011)
	r = call(t, "GET", m.base+"/api/v1/me/memberships", carol, nil)
	mustStatus(t, r, 200)
	var mine struct {
		Memberships []memberJSON `json:"memberships"`
	}
	r.decode(t, &mine)
	if len(mine.Memberships) != 0 {
		t.Errorf("a refused ticket left a member: %s", r.body)
	}

	// An API-mode card has no 开卡组件 address.
	r = call(t, "POST", m.base+"/admin/v1/cards", m.admin, memberCardDef())
	mustStatus(t, r, 200)
	r.decode(t, &created)
	wantWeChatError(t, call(t, "GET", m.base+"/api/v1/members/activation-url?card_id="+created.CardID, alice, nil), 409, "conflict", 72026)
}

// waitFor polls cond every 50 ms for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// pushesSettled reports whether the emulator has delivered every push.
func pushesSettled(t *testing.T, s *server) bool {
	r := call(t, "GET", s.wx+"/sandbox/pushes", "", nil)
	var out struct {
		Pushes []pushView `json:"pushes"`
	}
	r.decode(t, &out)
	for _, p := range out.Pushes {
		if !p.Delivered {
			return false
		}
	}
	return true
}

func TestMemberEvents(t *testing.T) {
	t.Parallel()
	m := startSandboxMerchant(t)
	def := memberCardDef()
	obj := typeObject(def)
	delete(obj, "activate_app_brand_user_name")
	delete(obj, "activate_app_brand_pass")
	obj["wx_activate"] = true // one-click, normal: WeChat activates
	r := call(t, "POST", m.base+"/admin/v1/cards", m.admin, def)
	mustStatus(t, r, 200)
	var created struct {
		CardID string `json:"card_id"`
	}
	r.decode(t, &created)
	cardID := created.CardID
	mustStatus(t, call(t, "PUT", m.base+"/admin/v1/cards/"+cardID+"/activation-form", m.admin,
		map[string]any{"required_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE"}}}), 200)

	user := m.userLogin(t, "oOneClick")
	code := m.receive(t, user, "oOneClick", cardID, "")
	mustStatus(t, call(t, "POST", m.wx+"/sandbox/member-form", "", map[string]any{"openid": "oOneClick", "card_id": cardID, "code": code,
		"fields": map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13900000000"}}), 200)

	// submit_membercard_user_info records the member WeChat activated.
	var mine struct {
		Memberships []memberJSON `json:"memberships"`
	}
	waitFor(t, "the member from submit_membercard_user_info", func() bool {
		r := call(t, "GET", m.base+"/api/v1/me/memberships", user, nil)
		r.decode(t, &mine)
		return len(mine.Memberships) == 1
	})
	if got := mine.Memberships[0]; got.Code != code || got.MembershipNumber != code {
		t.Errorf("membership = %+v", got)
	}

	// A change made elsewhere (another tool of the account) comes back as
	// update_member_card and is recorded once, by actor wechat.
	tok := wxToken(t, m.wx)
	r = call(t, "POST", m.wx+"/card/membercard/updateuser?access_token="+tok, "", map[string]any{"card_id": cardID, "code": code, "add_bonus": 50})
	mustStatus(t, r, 200)
	waitFor(t, "the change made elsewhere in the ledger", func() bool { return m.ledger(t, cardID, code).Total == 1 })
	// The service's own change is pushed back too, and adds no wechat entry.
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/members/"+code+"/bonus", m.clerk,
		map[string]any{"card_id": cardID, "delta": 5, "request_id": "own"}), 200)
	waitFor(t, "pushes delivered", func() bool { return pushesSettled(t, m.server) })
	l := m.ledger(t, cardID, code)
	if l.Total != 2 || l.Entries[1].Actor != "wechat" || l.Entries[1].Delta != 50 || l.Entries[0].RequestID != "own" {
		t.Errorf("ledger = %+v; want the wechat +50 and the own +5", l)
	}
	if v := m.member(t, cardID, code); v.Bonus != 55 || v.WeChat.Bonus != 55 {
		t.Errorf("member = %+v, want 55 points on both sides", v)
	}
}

// A member card's fields change through the card update route: points and
// stored value only go from false to true, refused here before WeChat is
// called; every ledger change is in the audit trail, written with the change.
func TestMemberCardUpdateAndAudit(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	cardID, alice, enc := m.newMemberHolder(t, "oMemberUpdate")
	card := m.base + "/admin/v1/cards/" + cardID

	updates := m.stats(t)["card/update"]
	wantError(t, call(t, "PATCH", card, m.admin, map[string]any{"supply_bonus": false}), 400, "invalid_argument", "supply_bonus")
	wantError(t, call(t, "PATCH", card, m.admin, map[string]any{"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"},
		"custom_field2": map[string]any{"name": "等级"}}), 400, "invalid_argument", "custom_field2")
	if got := m.stats(t)["card/update"]; got != updates {
		t.Errorf("card/update called %d times for refused updates", got-updates)
	}
	mustStatus(t, call(t, "PATCH", card, m.admin, map[string]any{"bonus_rules": "每消费1元得1分", "discount": 5,
		"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"}, "supply_balance": true}), 200)
	// The emulator holds the same rule, asked directly: 40135.
	tok := wxToken(t, m.wx)
	r := call(t, "POST", m.wx+"/card/update?access_token="+tok, "", map[string]any{"card_id": cardID,
		"member_card": map[string]any{"supply_balance": false}})
	if wxErrcode(t, r) != 40135 {
		t.Errorf("emulator card/update turning stored value off = %s, want 40135", r.body)
	}

	r = call(t, "POST", m.base+"/api/v1/members/activate", alice, map[string]any{"card_id": cardID, "encrypt_code": enc})
	mustStatus(t, r, 200)
	var mem memberJSON
	r.decode(t, &mem)
	change := func(delta int64, reqID string) reply {
		return call(t, "POST", m.base+"/admin/v1/members/"+mem.Code+"/bonus", m.clerk,
			map[string]any{"card_id": cardID, "delta": delta, "request_id": reqID})
	}
	mustStatus(t, change(5, "a"), 200)
	mustStatus(t, change(5, "a"), 200) // a repeat: audited as a request, changes nothing
	wantError(t, change(-1000, "b"), 409, "conflict", "delta")
	r = call(t, "GET", m.base+"/admin/v1/audit?count=100", m.admin, nil)
	mustStatus(t, r, 200)
	var audit struct {
		Entries []auditJSON `json:"entries"`
	}
	r.decode(t, &audit)
	var got []string
	for _, e := range audit.Entries {
		if e.Action == "member.bonus" {
			if e.Target != mem.Code || e.Role != "clerk" {
				t.Errorf("audit entry %+v", e)
			}
			got = append(got, e.Result)
		}
	}
	if fmt.Sprint(got) != "[conflict ok ok]" {
		t.Errorf("member.bonus audit results, newest first = %v; want the change, its repeat and the refused charge", got)
	}
}
