package sandbox_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// memberDef is a valid MEMBER_CARD; fields set or (nil) delete member_card
// fields beside base_info.
func memberDef(now time.Time, fields map[string]any) map[string]any {
	def := cardDef(now, nil)
	base := def["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"]
	obj := map[string]any{"base_info": base, "prerogative": "会员九折", "supply_bonus": true, "supply_balance": true}
	for k, v := range fields {
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	return map[string]any{"card": map[string]any{"card_type": "MEMBER_CARD", "member_card": obj}}
}

func (e *env) createMember(fields map[string]any) string {
	e.t.Helper()
	r := e.wx("/card/create", memberDef(e.clock.Now(), fields))
	if r.errcode() != 0 || r.str("card_id") == "" {
		e.t.Fatalf("card/create = %s", r.body)
	}
	return r.str("card_id")
}

func (e *env) userInfo(cardID, code string) reply {
	e.t.Helper()
	return e.wx("/card/membercard/userinfo/get", map[string]string{"card_id": cardID, "code": code})
}

var apiMode = map[string]any{"activate_url": "https://m.example.com/act"}

func TestMemberCreateRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	cell := map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL", "url": "https://m.example.com/l"}
	tests := []struct {
		name   string
		fields map[string]any
		want   int
	}{
		{"points, balance and one cell", map[string]any{"custom_field1": cell}, 0},
		{"points, balance and two cells", map[string]any{"custom_field1": cell, "custom_field2": cell}, 40124},
		{"an empty custom_field object counts", map[string]any{"supply_balance": false, "custom_field1": cell, "custom_field2": cell, "custom_field3": map[string]any{}}, 40124},
		{"three cells without points or balance", map[string]any{"supply_bonus": false, "supply_balance": false,
			"custom_field1": cell, "custom_field2": cell, "custom_field3": cell}, 0},
	}
	for _, tt := range tests {
		wantErrcode(t, tt.name, e.wx("/card/create", memberDef(e.clock.Now(), tt.fields)), tt.want)
	}

	denied := newEnv(t, sandbox.Options{NoStoredValue: true, NoBonus: true})
	wantErrcode(t, "supply_balance without permission", denied.wx("/card/create", memberDef(start, map[string]any{"supply_bonus": false})), 43010)
	wantErrcode(t, "supply_bonus without permission", denied.wx("/card/create", memberDef(start, map[string]any{"supply_balance": false})), 43011)
	wantErrcode(t, "neither", denied.wx("/card/create", memberDef(start, map[string]any{"supply_bonus": false, "supply_balance": false})), 0)
}

func TestMemberActivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createMember(apiMode)
	code := e.receive("oAlice", id, ext{})

	r := e.userInfo(id, code)
	if r.errcode() != 0 || r.m["has_active"] != false || r.str("user_card_status") != "NORMAL" {
		t.Fatalf("userinfo/get before activation = %s", r.body)
	}
	act := map[string]any{"card_id": id, "code": code, "membership_number": "M0001", "init_bonus": 100, "init_balance": 500,
		"init_custom_field_value1": "白银"}
	wantErrcode(t, "activate", e.wx("/card/membercard/activate", act), 0)
	r = e.userInfo(id, code)
	if r.m["has_active"] != true || r.str("membership_number") != "M0001" || r.num("bonus") != 100 || r.num("balance") != 500 || r.str("openid") != "oAlice" {
		t.Errorf("userinfo/get after activation = %s", r.body)
	}

	for _, tt := range []struct {
		name string
		edit func(m map[string]any)
		want int
	}{
		{"no membership_number", func(m map[string]any) { delete(m, "membership_number") }, 41011},
		{"membership_number of 21 bytes", func(m map[string]any) { m["membership_number"] = strings.Repeat("1", 21) }, 45021},
		{"unknown code", func(m map[string]any) { m["code"] = "999999999999" }, 40056},
		{"fractional init_bonus", func(m map[string]any) { m["init_bonus"] = json.Number("100.0000") }, -1},
		{"negative init_balance", func(m map[string]any) { m["init_balance"] = -1 }, 40097},
	} {
		m := map[string]any{}
		for k, v := range act {
			m[k] = v
		}
		tt.edit(m)
		wantErrcode(t, tt.name, e.wx("/card/membercard/activate", m), tt.want)
	}

	// Re-activation is accepted and renumbers (§13.3).
	wantErrcode(t, "re-activate", e.wx("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M0002"}), 0)
	if r := e.userInfo(id, code); r.str("membership_number") != "M0002" || r.num("bonus") != 100 {
		t.Errorf("after re-activation = %s", r.body)
	}

	// Points on a card without supply_bonus: 43011.
	noPoints := e.createMember(map[string]any{"supply_bonus": false, "activate_url": "https://m.example.com/act"})
	c2 := e.receive("oAlice", noPoints, ext{})
	wantErrcode(t, "init_bonus without supply_bonus", e.wx("/card/membercard/activate",
		map[string]any{"card_id": noPoints, "code": c2, "membership_number": "1", "init_bonus": 5}), 43011)

	// Another card type: 72003.
	coupon := e.createCard(nil)
	c3 := e.receive("oAlice", coupon, ext{})
	wantErrcode(t, "a coupon", e.wx("/card/membercard/activate", map[string]any{"card_id": coupon, "code": c3, "membership_number": "1"}), 72003)

	// An auto_activate card is active from receipt.
	auto := e.createMember(map[string]any{"auto_activate": true, "activate_url": "https://m.example.com/act"})
	c4 := e.receive("oBob", auto, ext{})
	if r := e.userInfo(auto, c4); r.m["has_active"] != true {
		t.Errorf("auto_activate card: userinfo/get = %s", r.body)
	}
}

func TestMemberUpdateUser(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	id := e.createMember(apiMode)
	code := e.receive("oAlice", id, ext{})
	wantErrcode(t, "activate", e.wx("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "1", "init_bonus": 10}), 0)

	// Total plus add: the total wins; a retry of the same call changes nothing.
	upd := map[string]any{"card_id": id, "code": code, "bonus": 40, "add_bonus": 30, "record_bonus": "消费", "balance": 1000, "add_balance": 1000}
	for i := range 2 {
		r := e.wx("/card/membercard/updateuser", upd)
		if r.errcode() != 0 || r.num("result_bonus") != 40 || r.num("result_balance") != 1000 || r.str("openid") != "oAlice" {
			t.Fatalf("updateuser #%d = %s", i+1, r.body)
		}
	}
	// add alone moves the total.
	r := e.wx("/card/membercard/updateuser", map[string]any{"card_id": id, "code": code, "add_balance": -300,
		"notify_optional": map[string]any{"is_notify_balance": false}})
	if r.num("result_balance") != 700 || r.num("result_bonus") != 40 {
		t.Fatalf("add_balance -300 = %s", r.body)
	}
	for _, tt := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"below zero by add", map[string]any{"add_balance": -701}, 40097},
		{"below zero by total", map[string]any{"bonus": -1}, 40097},
		{"fractional bonus", map[string]any{"bonus": json.Number("100.0000")}, -1},
		{"record_bonus of 43 bytes", map[string]any{"add_bonus": 1, "record_bonus": strings.Repeat("x", 43)}, 45021},
		{"no code", map[string]any{"code": "", "add_bonus": 1}, 41011},
	} {
		b := map[string]any{"card_id": id, "code": code}
		for k, v := range tt.body {
			b[k] = v
		}
		wantErrcode(t, tt.name, e.wx("/card/membercard/updateuser", b), tt.want)
	}
	info := e.userInfo(id, code)
	if info.num("bonus") != 40 || info.num("balance") != 700 {
		t.Fatalf("refused calls changed totals: %s", info.body)
	}
	// The outbox: the first call notified +30 points and +1000 fen, the
	// retry again (WeChat cannot tell), the silent charge nothing.
	var got struct {
		Notices []struct {
			Kind       string
			Add, Total int64
		}
	}
	if err := json.Unmarshal(info.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Notices) != 4 || got.Notices[0].Kind != "bonus" || got.Notices[0].Add != 30 || got.Notices[0].Total != 40 ||
		got.Notices[1].Kind != "balance" || got.Notices[1].Add != 1000 {
		t.Errorf("notices = %+v", got.Notices)
	}

	// update_member_card carries the effective deltas; the retry changed
	// nothing and pushed nothing.
	e.wait()
	var mods []map[string]string
	for _, d := range rc.deliveries() {
		if f := fields(t, d.body); f["Event"] == "update_member_card" {
			mods = append(mods, f)
		}
	}
	if len(mods) != 2 || mods[0]["ModifyBonus"] != "30" || mods[0]["ModifyBalance"] != "1000" || mods[1]["ModifyBalance"] != "-300" ||
		mods[0]["UserCardCode"] != code || mods[0]["CardId"] != id {
		t.Errorf("update_member_card pushes = %v", mods)
	}

	// Balance on a card without supply_balance: 43010.
	noBalance := e.createMember(map[string]any{"supply_balance": false, "activate_url": "https://m.example.com/act"})
	c2 := e.receive("oAlice", noBalance, ext{})
	wantErrcode(t, "balance without supply_balance", e.wx("/card/membercard/updateuser", map[string]any{"card_id": noBalance, "code": c2, "add_balance": 1}), 43010)
	wantErrcode(t, "points on that card", e.wx("/card/membercard/updateuser", map[string]any{"card_id": noBalance, "code": c2, "add_bonus": 1}), 0)
}

var formBody = map[string]any{
	"service_statement": map[string]any{"name": "会员守则", "url": "https://m.example.com/rules"},
	"required_form":     map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE"}},
	"optional_form":     map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_BIRTHDAY"}, "custom_field_list": []string{"喜欢的电影"}},
}

func withCard(id string, body map[string]any) map[string]any {
	out := map[string]any{"card_id": id}
	for k, v := range body {
		out[k] = v
	}
	return out
}

func TestMemberOneClick(t *testing.T) {
	t.Parallel()
	e, rc := pushEnv(t, sandbox.Options{})
	normal := e.createMember(map[string]any{"wx_activate": true})
	jump := e.createMember(map[string]any{"wx_activate": true, "wx_activate_after_submit": true,
		"wx_activate_after_submit_url": "https://m.example.com/act"})
	api := e.createMember(apiMode)
	// activate_url beats wx_activate (§13.1 precedence).
	shadowed := e.createMember(map[string]any{"wx_activate": true, "activate_url": "https://m.example.com/act"})

	cn := e.receive("oAlice", normal, ext{})
	fill := func(cardID, code string, fields map[string]string) reply {
		return e.post("/sandbox/member-form", map[string]any{"openid": "oAlice", "card_id": cardID, "code": code, "fields": fields})
	}
	answers := map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "喜欢的电影": "x"}
	wantErrcode(t, "form before activateuserform/set", fill(normal, cn, answers), 40097)

	for _, tt := range []struct {
		name string
		edit func(m map[string]any)
		want int
	}{
		{"unknown common field", func(m map[string]any) {
			m["required_form"] = map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_EDUCATION_BACKGRO"}}
		}, 40097},
		{"six custom fields", func(m map[string]any) {
			m["optional_form"] = map[string]any{"custom_field_list": []string{"a", "b", "c", "d", "e", "f"}}
		}, 40097},
		{"statement url without scheme", func(m map[string]any) { m["service_statement"] = map[string]any{"name": "x", "url": "m.example.com"} }, 40097},
	} {
		b := withCard(normal, formBody)
		tt.edit(b)
		wantErrcode(t, tt.name, e.wx("/card/membercard/activateuserform/set", b), tt.want)
	}
	for _, id := range []string{normal, jump, shadowed} {
		wantErrcode(t, "activateuserform/set", e.wx("/card/membercard/activateuserform/set", withCard(id, formBody)), 0)
	}

	wantErrcode(t, "required field missing", fill(normal, cn, map[string]string{"喜欢的电影": "x"}), 41011)
	r := fill(normal, cn, answers)
	if r.errcode() != 0 || len(r.str("activate_ticket")) != 108 {
		t.Fatalf("member-form (normal) = %s", r.body)
	}
	if info := e.userInfo(normal, cn); info.m["has_active"] != true || info.str("membership_number") != cn ||
		!strings.Contains(string(info.body), "13800000000") {
		t.Errorf("normal one-click: WeChat activates; userinfo/get = %s", info.body)
	}

	// Jump type: not activated, a ticket for activatetempinfo/get and the page URL.
	cj := e.receive("oAlice", jump, ext{})
	r = fill(jump, cj, answers)
	ticket := r.str("activate_ticket")
	if r.errcode() != 0 || ticket == "" || !strings.HasPrefix(r.str("jump_url"), "https://m.example.com/act?card_id="+jump+"&encrypt_code=") {
		t.Fatalf("member-form (jump) = %s", r.body)
	}
	u, err := url.Parse(r.str("jump_url"))
	if err != nil || u.Query().Get("activate_ticket") != ticket || u.Query().Get("openid") != "oAlice" {
		t.Errorf("jump_url %s: %v", r.str("jump_url"), err)
	}
	if info := e.userInfo(jump, cj); info.m["has_active"] != false {
		t.Errorf("jump type must wait for the merchant: %s", info.body)
	}
	tmp := e.wx("/card/membercard/activatetempinfo/get", map[string]string{"activate_ticket": ticket})
	if tmp.errcode() != 0 || !strings.Contains(string(tmp.body), `{"name":"USER_FORM_INFO_FLAG_MOBILE","value":"13800000000","value_list":[]}`) {
		t.Errorf("activatetempinfo/get = %s", tmp.body)
	}
	wantErrcode(t, "unknown ticket", e.wx("/card/membercard/activatetempinfo/get", map[string]string{"activate_ticket": "nope"}), 72011)
	foreign := e.post("/sandbox/member-form", map[string]any{"openid": "oAlice", "card_id": jump, "code": cj, "fields": answers, "appid": "wxother"})
	wantErrcode(t, "another appid's ticket", e.wx("/card/membercard/activatetempinfo/get", map[string]string{"activate_ticket": foreign.str("activate_ticket")}), 72011)
	e.clock.Advance(31 * time.Minute)
	wantErrcode(t, "expired ticket", e.wx("/card/membercard/activatetempinfo/get", map[string]string{"activate_ticket": ticket}), 72012)

	// Not one-click: the form driver and geturl answer 72026.
	ca := e.receive("oAlice", api, ext{})
	wantErrcode(t, "form on an API-mode card", fill(api, ca, answers), 72026)
	cs := e.receive("oAlice", shadowed, ext{})
	wantErrcode(t, "wx_activate shadowed by activate_url", fill(shadowed, cs, answers), 72026)
	wantErrcode(t, "geturl on an API-mode card", e.wx("/card/membercard/activate/geturl", map[string]string{"card_id": api}), 72026)

	e.wait()
	var submits int
	for _, d := range rc.deliveries() {
		if f := fields(t, d.body); f["Event"] == "submit_membercard_user_info" {
			submits++
			if f["CardId"] == "" || f["UserCardCode"] == "" {
				t.Errorf("submit_membercard_user_info = %v", f)
			}
		}
	}
	if submits != 3 {
		t.Errorf("%d submit_membercard_user_info pushes, want 3", submits)
	}
}

func TestMemberGetURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createMember(map[string]any{"wx_activate": true})
	r := e.wx("/card/membercard/activate/geturl", map[string]string{"card_id": id, "outer_str": "guide"})
	raw := r.str("url")
	if r.errcode() != 0 || !strings.HasPrefix(raw, "https://mp.weixin.qq.com/bizmall/activatemembercard?action=preshow&&encrypt_card_id=") {
		t.Fatalf("geturl = %s", r.body)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if len(q.Get("encrypt_card_id")) != 64 || q.Get("outer_str") != "guide" || q.Get("biz") == "" || u.Fragment != "wechat_redirect" {
		t.Errorf("geturl %s: query %v fragment %q", raw, q, u.Fragment)
	}
	again := e.wx("/card/membercard/activate/geturl", map[string]string{"card_id": id})
	if u2, _ := url.Parse(again.str("url")); u2 == nil || u2.Query().Get("encrypt_card_id") != q.Get("encrypt_card_id") {
		t.Errorf("encrypt_card_id not stable per card: %s vs %s", again.str("url"), raw)
	}
}
