package sandbox_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

func TestCardCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now().Unix()
	withType := func(cardType, key string, typeFields map[string]any) map[string]any {
		def := cardDef(e.clock.Now(), nil)
		obj := def["card"].(map[string]any)["general_coupon"].(map[string]any)
		delete(obj, "default_detail")
		for k, v := range typeFields {
			obj[k] = v
		}
		return map[string]any{"card": map[string]any{"card_type": cardType, key: obj}}
	}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"valid GENERAL_COUPON", cardDef(e.clock.Now(), nil), 0},
		{"malformed JSON", `{"card":`, 47001},
		{"title of the wrong JSON type", cardDef(e.clock.Now(), map[string]any{"title": 5}), 47001},
		{"unknown card_type", withType("COUPON", "coupon", nil), 40071},
		{"object key not lower(card_type)", withType("CASH", "general_coupon", map[string]any{"least_cost": 0, "reduce_cost": 100}), 40071},
		{"no base_info", map[string]any{"card": map[string]any{"card_type": "GIFT", "gift": map[string]any{"gift": "a cup"}}}, 41011},
		{"no title", cardDef(e.clock.Now(), map[string]any{"title": nil}), 41011},
		{"empty brand_name", cardDef(e.clock.Now(), map[string]any{"brand_name": ""}), 41011},
		{"no sku", cardDef(e.clock.Now(), map[string]any{"sku": nil}), 41011},
		{"no date_info", cardDef(e.clock.Now(), map[string]any{"date_info": nil}), 41011},
		{"range without end_timestamp", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now}}), 41011},
		{"GENERAL_COUPON without default_detail", withType("GENERAL_COUPON", "general_coupon", nil), 41011},
		{"GROUPON without deal_detail", withType("GROUPON", "groupon", nil), 41011},
		{"GROUPON with deal_detail", withType("GROUPON", "groupon", map[string]any{"deal_detail": "双人套餐"}), 0},
		{"CASH without reduce_cost", withType("CASH", "cash", map[string]any{"least_cost": 0}), 41011},
		{"CASH with both costs", withType("CASH", "cash", map[string]any{"least_cost": 0, "reduce_cost": 1000}), 0},
		{"DISCOUNT without discount", withType("DISCOUNT", "discount", nil), 41011},
		{"DISCOUNT with discount", withType("DISCOUNT", "discount", map[string]any{"discount": 30}), 0},
		{"GIFT without gift", withType("GIFT", "gift", nil), 41011},
		{"MEMBER_CARD without prerogative", withType("MEMBER_CARD", "member_card", nil), 41011},
		{"title of 27 bytes", cardDef(e.clock.Now(), map[string]any{"title": "100元面值充值卡哈哈"}), 0},
		{"title of 28 bytes", cardDef(e.clock.Now(), map[string]any{"title": "1000元面值充值卡哈哈"}), 45021},
		{"brand_name of 13 汉字", cardDef(e.clock.Now(), map[string]any{"brand_name": strings.Repeat("店", 13)}), 45021},
		{"notice of 17 汉字", cardDef(e.clock.Now(), map[string]any{"notice": strings.Repeat("券", 17)}), 45021},
		{"description of 3073 bytes", cardDef(e.clock.Now(), map[string]any{"description": strings.Repeat("a", 3073)}), 45021},
		{"sub_title of 55 bytes", cardDef(e.clock.Now(), map[string]any{"sub_title": strings.Repeat("a", 55)}), 45021},
		{"logo_url of 129 bytes", cardDef(e.clock.Now(), map[string]any{"logo_url": strings.Repeat("a", 129)}), 45021},
		{"unknown colour", cardDef(e.clock.Now(), map[string]any{"color": "Color999"}), 40076},
		{"colour as hex", cardDef(e.clock.Now(), map[string]any{"color": "#63b359"}), 40076},
		{"unknown code_type", cardDef(e.clock.Now(), map[string]any{"code_type": "CODE_TYPE_RFID"}), 40076},
		{"begin after end", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now + 100, "end_timestamp": now + 50}}), 40079},
		{"end in the past", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now - 100, "end_timestamp": now - 50}}), 40079},
		{"timestamps as strings", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": "1700000000", "end_timestamp": "1900000000"}}), 0},
		{"date type as the old integer", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": 1, "begin_timestamp": now, "end_timestamp": now + 86400}}), 0},
		{"unknown date type", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_SOMETIMES"}}), 40079},
		{"FIX_TERM", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 0}}), 0},
		{"FIX_TERM negative term", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": -1, "fixed_begin_term": 0}}), 40079},
		{"FIX_TERM negative begin term", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 3, "fixed_begin_term": -1}}), 40079},
		{"FIX_TERM without fixed_term", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM"}}), 41011},
		{"PERMANENT on a coupon", cardDef(e.clock.Now(), map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_PERMANENT"}}), 40079},
		{"quantity 0", cardDef(e.clock.Now(), map[string]any{"sku": map[string]any{"quantity": 0}}), 40122},
		{"quantity negative", cardDef(e.clock.Now(), map[string]any{"sku": map[string]any{"quantity": -5}}), 40122},
		{"quantity 100000000", cardDef(e.clock.Now(), map[string]any{"sku": map[string]any{"quantity": 100000000}}), 0},
		{"quantity 100000001", cardDef(e.clock.Now(), map[string]any{"sku": map[string]any{"quantity": 100000001}}), 45041},
		{"quantity 0 in deposit mode", cardDef(e.clock.Now(), map[string]any{"use_custom_code": true, "get_custom_code_mode": "GET_CUSTOM_CODE_MODE_DEPOSIT", "sku": map[string]any{"quantity": 0}}), 0},
		{"custom code (the account has permission)", cardDef(e.clock.Now(), map[string]any{"use_custom_code": true}), 0},
		{"length before colour", cardDef(e.clock.Now(), map[string]any{"title": strings.Repeat("a", 28), "color": "nope"}), 45021},
		{"required before length", cardDef(e.clock.Now(), map[string]any{"title": strings.Repeat("a", 28), "notice": nil}), 41011},
		{"colour before time", cardDef(e.clock.Now(), map[string]any{"color": "nope", "date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 5, "end_timestamp": 1}}), 40076},
		{"time before quantity", cardDef(e.clock.Now(), map[string]any{"sku": map[string]any{"quantity": 0}, "date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 5, "end_timestamp": 1}}), 40079},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.wx("/card/create", tt.body)
			wantErrcode(t, tt.name, r, tt.want)
			if tt.want == 0 {
				if id := r.str("card_id"); len(id) != 28 || id[0] != 'p' {
					t.Errorf("card_id = %q, want 28 characters starting with p", id)
				}
			}
		})
	}
}

// cardGet returns base_info and the type object of card/get.
func (e *env) cardGet(id string) (base, obj map[string]any, r reply) {
	e.t.Helper()
	r = e.wx("/card/get", map[string]string{"card_id": id})
	card, _ := r.m["card"].(map[string]any)
	for k, v := range card {
		if k != "card_type" {
			obj, _ = v.(map[string]any)
		}
	}
	base, _ = obj["base_info"].(map[string]any)
	return base, obj, r
}

func jsonInt(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

func TestCardGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(map[string]any{"advanced_info": nil, "can_share": false})
	base, obj, r := e.cardGet(id)
	if r.errcode() != 0 || r.m["card"].(map[string]any)["card_type"] != "GENERAL_COUPON" {
		t.Fatalf("card/get = %s", r.body)
	}
	sku, _ := base["sku"].(map[string]any)
	date, _ := base["date_info"].(map[string]any)
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", base["id"], id},
		{"appid", base["appid"], sandbox.DefaultAppID},
		{"status with no review delay", base["status"], "CARD_STATUS_VERIFY_OK"},
		{"title", base["title"], "10元代金券"},
		{"color", base["color"], "Color010"},
		{"sku.quantity", jsonInt(sku["quantity"]), int64(100)},
		{"sku.total_quantity", jsonInt(sku["total_quantity"]), int64(100)},
		{"get_limit default", jsonInt(base["get_limit"]), int64(50)},
		{"can_share as given", base["can_share"], false},
		{"can_give_friend default", base["can_give_friend"], true},
		{"date_info.type", date["type"], "DATE_TYPE_FIX_TIME_RANGE"},
		{"end_timestamp sent as a string comes back a number", jsonInt(date["end_timestamp"]), e.clock.Now().Unix() + 30*86400},
		{"default_detail", obj["default_detail"], "满100减10"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	wantErrcode(t, "unknown card", e.wx("/card/get", map[string]string{"card_id": "pUnknownUnknownUnknownUnkno"}), 40073)
	wantErrcode(t, "no card_id", e.wx("/card/get", map[string]string{}), 41012)
}

func TestCardReviewDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{ReviewDelay: time.Hour})
	id := e.createCard(nil)
	if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_NOT_VERIFY" {
		t.Errorf("status right after create = %v, want CARD_STATUS_NOT_VERIFY", base["status"])
	}
	e.clock.Advance(time.Hour)
	if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_VERIFY_OK" {
		t.Errorf("status after the review delay = %v, want CARD_STATUS_VERIFY_OK", base["status"])
	}
}

func TestCardGetColors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	for _, method := range []string{"GET", "POST"} {
		r := e.do(method, "/card/getcolors?access_token="+e.token(), nil)
		colors, _ := r.m["colors"].([]any)
		if r.errcode() != 0 || len(colors) != 14 {
			t.Fatalf("%s getcolors = %s, want 14 colours", method, r.body)
		}
		first := colors[0].(map[string]any)
		if first["name"] != "Color010" || first["value"] != "#63b359" {
			t.Errorf("first colour = %v, want Color010 #63b359", first)
		}
	}
}

func TestCardBatchGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	var ids []string
	for range 3 {
		ids = append(ids, e.createCard(nil))
	}
	wantErrcode(t, "delete", e.wx("/card/delete", map[string]string{"card_id": ids[1]}), 0)
	tests := []struct {
		name      string
		body      map[string]any
		wantIDs   []string
		wantTotal int64
		errcode   int
	}{
		{"all", map[string]any{"offset": 0, "count": 50}, ids, 3, 0},
		{"page", map[string]any{"offset": 1, "count": 1}, ids[1:2], 3, 0},
		{"past the end", map[string]any{"offset": 5, "count": 10}, nil, 3, 0},
		{"verified only", map[string]any{"offset": 0, "count": 10, "status_list": []string{"CARD_STATUS_VERIFY_OK"}}, []string{ids[0], ids[2]}, 2, 0},
		{"deleted only", map[string]any{"offset": 0, "count": 10, "status_list": []string{"CARD_STATUS_DELETE"}}, ids[1:2], 1, 0},
		{"count over 50", map[string]any{"offset": 0, "count": 51}, nil, 0, 40097},
		{"no count", map[string]any{"offset": 0}, nil, 0, 40097},
	}
	for _, tt := range tests {
		r := e.wx("/card/batchget", tt.body)
		wantErrcode(t, tt.name, r, tt.errcode)
		if tt.errcode != 0 {
			continue
		}
		list, _ := r.m["card_id_list"].([]any)
		if len(list) != len(tt.wantIDs) || r.num("total_num") != tt.wantTotal {
			t.Errorf("%s: batchget = %s, want %v total %d", tt.name, r.body, tt.wantIDs, tt.wantTotal)
			continue
		}
		for i, id := range tt.wantIDs {
			if list[i] != id {
				t.Errorf("%s: card_id_list[%d] = %v, want %s", tt.name, i, list[i], id)
			}
		}
	}
}

func TestCardUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	_, _, before := e.cardGet(id)
	date, _ := before.m["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)["date_info"].(map[string]any)
	begin, end := jsonInt(date["begin_timestamp"]), jsonInt(date["end_timestamp"])
	upd := func(base map[string]any) map[string]any {
		return map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": base}}
	}
	tests := []struct {
		name      string
		body      any
		errcode   int
		sendCheck bool
	}{
		{"get_limit only", upd(map[string]any{"get_limit": 3}), 0, false},
		{"colour", upd(map[string]any{"color": "Color020"}), 0, false},
		{"title goes back to review", upd(map[string]any{"title": "新标题"}), 0, true},
		{"brand_name", upd(map[string]any{"brand_name": "别家"}), 47001, false},
		{"sku", upd(map[string]any{"sku": map[string]any{"quantity": 5}}), 47001, false},
		{"wrong type key", map[string]any{"card_id": id, "cash": map[string]any{"base_info": map[string]any{"title": "x"}}}, 47001, false},
		{"title too long", upd(map[string]any{"title": strings.Repeat("a", 28)}), 45021, false},
		{"unknown colour", upd(map[string]any{"color": "Color999"}), 40076, false},
		{"date narrowed", upd(map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": begin, "end_timestamp": end - 1}}), 40100, false},
		{"date type changed", upd(map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 10}}), 40100, false},
		{"date widened", upd(map[string]any{"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": begin - 10, "end_timestamp": end + 86400}}), 0, false},
		{"unknown card", map[string]any{"card_id": "pNope", "general_coupon": map[string]any{"base_info": map[string]any{"title": "x"}}}, 40073, false},
	}
	for _, tt := range tests {
		r := e.wx("/card/update", tt.body)
		wantErrcode(t, tt.name, r, tt.errcode)
		if tt.errcode == 0 && r.m["send_check"] != tt.sendCheck {
			t.Errorf("%s: send_check = %v, want %v", tt.name, r.m["send_check"], tt.sendCheck)
		}
	}
	base, _, _ := e.cardGet(id)
	date, _ = base["date_info"].(map[string]any)
	if base["title"] != "新标题" || base["color"] != "Color020" || jsonInt(base["get_limit"]) != 3 ||
		jsonInt(date["end_timestamp"]) != end+86400 || base["brand_name"] != "微信餐厅" {
		t.Errorf("card after updates = %v", base)
	}
}

func TestCardUpdateSendsBackToReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{ReviewDelay: time.Minute})
	id := e.createCard(nil)
	e.clock.Advance(time.Minute)
	r := e.wx("/card/update", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"notice": "新须知"}}})
	if r.errcode() != 0 || r.m["send_check"] != true {
		t.Fatalf("update notice = %s, want send_check true", r.body)
	}
	if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_NOT_VERIFY" {
		t.Errorf("status after a reviewed change = %v, want CARD_STATUS_NOT_VERIFY", base["status"])
	}
}

func TestCardDeleteAndStock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createCard(nil)
	stock := func() (int64, int64) {
		base, _, _ := e.cardGet(id)
		sku := base["sku"].(map[string]any)
		return jsonInt(sku["quantity"]), jsonInt(sku["total_quantity"])
	}
	steps := []struct {
		name               string
		body               map[string]any
		errcode            int
		wantQty, wantTotal int64
	}{
		{"increase", map[string]any{"card_id": id, "increase_stock_value": 10}, 0, 110, 110},
		{"reduce", map[string]any{"card_id": id, "reduce_stock_value": 20}, 0, 90, 90},
		{"below zero", map[string]any{"card_id": id, "reduce_stock_value": 91}, 40122, 90, 90},
		{"to zero", map[string]any{"card_id": id, "reduce_stock_value": 90}, 0, 0, 0},
		{"over the total limit", map[string]any{"card_id": id, "increase_stock_value": 100000001}, 45041, 0, 0},
		{"unknown card", map[string]any{"card_id": "pNope", "increase_stock_value": 1}, 40073, 0, 0},
	}
	for _, s := range steps {
		wantErrcode(t, s.name, e.wx("/card/modifystock", s.body), s.errcode)
		if q, total := stock(); q != s.wantQty || total != s.wantTotal {
			t.Errorf("%s: stock = %d/%d, want %d/%d", s.name, q, total, s.wantQty, s.wantTotal)
		}
	}
	wantErrcode(t, "delete", e.wx("/card/delete", map[string]string{"card_id": id}), 0)
	if base, _, _ := e.cardGet(id); base["status"] != "CARD_STATUS_DELETE" {
		t.Errorf("status after delete = %v, want CARD_STATUS_DELETE", base["status"])
	}
	wantErrcode(t, "delete twice", e.wx("/card/delete", map[string]string{"card_id": id}), 40078)
	wantErrcode(t, "delete unknown", e.wx("/card/delete", map[string]string{"card_id": "pNope"}), 40073)
}

func TestCardUpdateConcurrentDatesOnlyWiden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	for round := range 30 {
		id := e.createCard(nil)
		_, _, before := e.cardGet(id)
		date, _ := before.m["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)["date_info"].(map[string]any)
		begin, end := jsonInt(date["begin_timestamp"]), jsonInt(date["end_timestamp"])
		var wg sync.WaitGroup
		for _, days := range []int64{30, 10} { // each widens the card as created
			wg.Go(func() {
				e.wx("/card/update", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{
					"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": begin, "end_timestamp": end + days*86400}}}})
			})
		}
		wg.Wait()
		base, _, _ := e.cardGet(id)
		got, _ := base["date_info"].(map[string]any)
		if jsonInt(got["end_timestamp"]) != end+30*86400 {
			t.Fatalf("round %d: end = %d, want the wider %d: a concurrent update narrowed the date", round, jsonInt(got["end_timestamp"]), end+30*86400)
		}
	}
}
