package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
)

func TestCreateStockEachType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	for _, typ := range []string{"NORMAL", "DISCOUNT", "EXCHANGE"} {
		req := stockRequest(typ)
		set(req, "comment", "内部备注")
		id := e.createStock(req)
		r := e.do("GET", bf+"stocks/"+id, nil)
		want(t, "get "+typ, r, 200, "")
		if r.str("stock_id") != id || r.str("stock_state") != "RUNNING" || r.str("stock_type") != typ ||
			r.str("stock_name") != "满10减1" || r.str("comment") != "内部备注" {
			t.Errorf("get %s = %s", typ, r.body)
		}
		if _, has := r.m["out_request_no"]; has {
			t.Errorf("get %s echoes out_request_no: %s", typ, r.body)
		}
		sc := r.m["send_count_information"].(map[string]any)
		if sc["total_send_num"] != json.Number("0") {
			t.Errorf("send counts = %v", sc)
		}
	}
	want(t, "unknown stock", e.do("GET", bf+"stocks/1999999999999999", nil), 404, "RESOURCE_NOT_EXISTS")
}

func TestCreateStockValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	cur := "coupon_use_rule/"
	win := cur + "coupon_available_time/"
	day := func(d int) string { return start.AddDate(0, 0, d).Format(time.RFC3339) }
	cases := []struct {
		name     string
		typ      string
		path     string
		value    any
		code     string
		field    string // JSON pointer in the message ("" for INVALID_REQUEST)
		hasValue any    // detail.value when checked
	}{
		{"stock_name missing", "NORMAL", "stock_name", deleteMark, "PARAM_ERROR", "stock_name", ""},
		{"stock_name 22 characters", "NORMAL", "stock_name", strings.Repeat("券", 22), "PARAM_ERROR", "stock_name", nil},
		{"stock_name emoji", "NORMAL", "stock_name", "满减😀", "PARAM_ERROR", "stock_name", nil},
		{"belong_merchant short", "NORMAL", "belong_merchant", "1234567", "PARAM_ERROR", "belong_merchant", nil},
		{"belong_merchant other merchant", "NORMAL", "belong_merchant", "1900000002", "INVALID_REQUEST", "", nil},
		{"comment 21 characters", "NORMAL", "comment", strings.Repeat("a", 21), "PARAM_ERROR", "comment", nil},
		{"goods_name missing", "NORMAL", "goods_name", deleteMark, "PARAM_ERROR", "goods_name", nil},
		{"goods_name 16 characters", "NORMAL", "goods_name", strings.Repeat("品", 16), "PARAM_ERROR", "goods_name", nil},
		{"stock_type unknown", "NORMAL", "stock_type", "CASH", "PARAM_ERROR", "stock_type", "CASH"},
		{"coupon_use_rule missing", "NORMAL", "coupon_use_rule", deleteMark, "PARAM_ERROR", "coupon_use_rule", nil},
		{"available_time missing", "NORMAL", cur + "coupon_available_time", deleteMark, "PARAM_ERROR", cur + "coupon_available_time", nil},
		{"begin not RFC 3339", "NORMAL", win + "available_begin_time", "2025-06-01 10:00:00", "PARAM_ERROR", win + "available_begin_time", nil},
		{"end before begin", "NORMAL", win + "available_end_time", start.Add(-time.Hour).Format(time.RFC3339), "PARAM_ERROR", win + "available_end_time", nil},
		{"window over a year", "NORMAL", win + "available_end_time", day(367), "PARAM_ERROR", win + "available_end_time", nil},
		{"wait days over 30", "NORMAL", win + "wait_days_after_receive", 31, "PARAM_ERROR", win + "wait_days_after_receive", json.Number("31")},
		{"wait days alone", "NORMAL", win + "wait_days_after_receive", 3, "PARAM_ERROR", win + "wait_days_after_receive", nil},
		{"week day 7", "NORMAL", win + "available_week", map[string]any{"week_day": []int{1, 7}}, "PARAM_ERROR", win + "available_week/week_day/1", nil},
		{"three day periods", "NORMAL", win + "available_week", map[string]any{"week_day": []int{1}, "available_day_time": []map[string]int{{"begin_time": 1, "end_time": 2}, {"begin_time": 3, "end_time": 4}, {"begin_time": 5, "end_time": 6}}}, "PARAM_ERROR", win + "available_week/available_day_time", nil},
		{"periods without week_day", "NORMAL", win + "available_week", map[string]any{"available_day_time": []map[string]int{{"begin_time": 1, "end_time": 2}}}, "PARAM_ERROR", win + "available_week/week_day", nil},
		{"irregular period outside window", "NORMAL", win + "irregulary_avaliable_time", []map[string]string{{"begin_time": day(-1), "end_time": day(1)}}, "PARAM_ERROR", win + "irregulary_avaliable_time/0/begin_time", nil},
		{"NORMAL without fixed_normal_coupon", "NORMAL", cur + "fixed_normal_coupon", deleteMark, "PARAM_ERROR", cur + "fixed_normal_coupon", nil},
		{"NORMAL with discount_coupon too", "NORMAL", cur + "discount_coupon", map[string]int{"discount_percent": 88, "transaction_minimum": 100}, "PARAM_ERROR", cur + "discount_coupon", nil},
		{"discount_amount 0", "NORMAL", cur + "fixed_normal_coupon/discount_amount", 0, "PARAM_ERROR", cur + "fixed_normal_coupon/discount_amount", json.Number("0")},
		{"discount_amount over 10 000 000", "NORMAL", cur + "fixed_normal_coupon/discount_amount", 10_000_001, "PARAM_ERROR", cur + "fixed_normal_coupon/discount_amount", nil},
		{"threshold below amount", "NORMAL", cur + "fixed_normal_coupon/transaction_minimum", 99, "PARAM_ERROR", cur + "fixed_normal_coupon/transaction_minimum", json.Number("99")},
		{"discount_percent 100", "DISCOUNT", cur + "discount_coupon/discount_percent", 100, "PARAM_ERROR", cur + "discount_coupon/discount_percent", nil},
		{"DISCOUNT threshold 0", "DISCOUNT", cur + "discount_coupon/transaction_minimum", 0, "PARAM_ERROR", cur + "discount_coupon/transaction_minimum", nil},
		{"exchange_price negative", "EXCHANGE", cur + "exchange_coupon/exchange_price", -1, "PARAM_ERROR", cur + "exchange_coupon/exchange_price", nil},
		{"exchange threshold 0", "EXCHANGE", cur + "exchange_coupon/transaction_minimum", 0, "PARAM_ERROR", cur + "exchange_coupon/transaction_minimum", nil},
		{"use_method unknown", "NORMAL", cur + "use_method", "ONLINE", "PARAM_ERROR", cur + "use_method", nil},
		{"use_method SELF_CONSUME", "NORMAL", cur + "use_method", "SELF_CONSUME", "PARAM_ERROR", cur + "use_method", nil},
		{"MINI_PROGRAMS without appid", "NORMAL", cur + "use_method", "MINI_PROGRAMS", "PARAM_ERROR", cur + "mini_programs_appid", nil},
		{"stock_send_rule missing", "NORMAL", "stock_send_rule", deleteMark, "PARAM_ERROR", "stock_send_rule", nil},
		{"max_coupons 0", "NORMAL", "stock_send_rule/max_coupons", 0, "PARAM_ERROR", "stock_send_rule/max_coupons", json.Number("0")},
		{"max_coupons over a billion", "NORMAL", "stock_send_rule/max_coupons", 1_000_000_001, "PARAM_ERROR", "stock_send_rule/max_coupons", nil},
		{"max_coupons_per_user 101", "NORMAL", "stock_send_rule", map[string]int{"max_coupons": 1000, "max_coupons_per_user": 101}, "PARAM_ERROR", "stock_send_rule/max_coupons_per_user", json.Number("101")},
		{"max_coupons_per_user above max_coupons", "NORMAL", "stock_send_rule", map[string]int{"max_coupons": 5, "max_coupons_per_user": 6}, "PARAM_ERROR", "stock_send_rule/max_coupons_per_user", nil},
		{"max_coupons_by_day above max_coupons", "NORMAL", "stock_send_rule/max_coupons_by_day", 101, "PARAM_ERROR", "stock_send_rule/max_coupons_by_day", nil},
		{"max_amount below face value", "NORMAL", "stock_send_rule/max_amount", 99, "PARAM_ERROR", "stock_send_rule/max_amount", json.Number("99")},
		{"max_amount on DISCOUNT", "DISCOUNT", "stock_send_rule/max_amount", 10000, "PARAM_ERROR", "stock_send_rule/max_amount", nil},
		{"transferable", "NORMAL", "stock_send_rule/transferable", true, "PARAM_ERROR", "stock_send_rule/transferable", nil},
		{"out_request_no missing", "NORMAL", "out_request_no", deleteMark, "PARAM_ERROR", "out_request_no", nil},
		{"out_request_no bad character", "NORMAL", "out_request_no", "REQ#1", "PARAM_ERROR", "out_request_no", nil},
		{"out_request_no 129 characters", "NORMAL", "out_request_no", strings.Repeat("A", 129), "PARAM_ERROR", "out_request_no", nil},
		{"entrance words 6 characters", "NORMAL", "custom_entrance/mini_programs_info", map[string]string{"mini_programs_appid": "wxsandboxmini", "mini_programs_path": "pages/a", "entrance_words": "六个字的入口"}, "PARAM_ERROR", "custom_entrance/mini_programs_info/entrance_words", nil},
		{"entrance appid not bound", "NORMAL", "custom_entrance/mini_programs_info", map[string]string{"mini_programs_appid": "wx0000000000000000", "mini_programs_path": "pages/a", "entrance_words": "去看看"}, "INVALID_REQUEST", "", nil},
		{"code_display_mode unknown", "NORMAL", "custom_entrance/code_display_mode", "TEXT", "PARAM_ERROR", "custom_entrance/code_display_mode", nil},
		{"background colour", "NORMAL", "display_pattern_info/background_color", "#2c9f67", "PARAM_ERROR", "display_pattern_info/background_color", nil},
		{"background colour case", "NORMAL", "display_pattern_info/background_color", "COLOR030", "PARAM_ERROR", "display_pattern_info/background_color", nil},
		{"description 1001 characters", "NORMAL", "display_pattern_info/description", strings.Repeat("说", 1001), "PARAM_ERROR", "display_pattern_info/description", nil},
		{"finder_info incomplete", "NORMAL", "display_pattern_info/finder_info", map[string]string{"finder_id": "f"}, "PARAM_ERROR", "display_pattern_info/finder_info/finder_video_id", nil},
		{"coupon_code_mode missing", "NORMAL", "coupon_code_mode", deleteMark, "PARAM_ERROR", "coupon_code_mode", nil},
		{"coupon_code_mode unknown", "NORMAL", "coupon_code_mode", "MERCHANT", "PARAM_ERROR", "coupon_code_mode", nil},
		{"notify_appid not bound", "NORMAL", "notify_config/notify_appid", "wx0000000000000000", "INVALID_REQUEST", "", nil},
		{"max_coupons as string", "NORMAL", "stock_send_rule/max_coupons", "100", "PARAM_ERROR", "stock_send_rule/max_coupons", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := stockRequest(tc.typ)
			set(req, tc.path, tc.value)
			r := e.do("POST", bf+"stocks", req)
			want(t, tc.name, r, http.StatusBadRequest, tc.code)
			msg := r.str("message")
			if tc.field != "" && !strings.Contains(msg, "“/body/"+tc.field+"”") {
				t.Errorf("message %q does not name /body/%s", msg, tc.field)
			}
			if tc.code == "PARAM_ERROR" {
				d, _ := r.m["detail"].(map[string]any)
				if d["location"] != "body" {
					t.Errorf("detail = %v, want location body", r.m["detail"])
				}
				if tc.hasValue != nil && d["value"] != tc.hasValue {
					t.Errorf("detail.value = %#v, want %#v", d["value"], tc.hasValue)
				}
			}
		})
	}

	// The edges that pass: 21 characters, a window of exactly a year, the
	// allowed colours, a threshold equal to the amount and a MINI_PROGRAMS
	// stock on the bound mini-program.
	req := stockRequest("NORMAL")
	set(req, cur+"fixed_normal_coupon/transaction_minimum", 100)
	set(req, "stock_name", strings.Repeat("券", 21))
	set(req, win+"available_end_time", start.AddDate(1, 0, 0).Format(time.RFC3339))
	set(req, "display_pattern_info/background_color", "Color030")
	set(req, cur+"use_method", "MINI_PROGRAMS")
	set(req, cur+"mini_programs_appid", "wxsandboxmini")
	set(req, cur+"mini_programs_path", "pages/use/index")
	set(req, win+"available_week", map[string]any{"week_day": []string{"1", "2"}, "available_day_time": []map[string]int{{"begin_time": 1, "end_time": 86399}}})
	e.createStock(req)

	// A window that has already ended.
	req = stockRequest("NORMAL")
	e.clock.Advance(31 * 24 * time.Hour)
	r := e.do("POST", bf+"stocks", req)
	want(t, "ended window", r, 400, "PARAM_ERROR")
}

func TestCreateStockIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	first := e.do("POST", bf+"stocks", req)
	want(t, "create", first, 200, "")
	e.clock.Advance(time.Minute)

	// The same request again, keys in another order: the same stock and time.
	raw, _ := json.Marshal(req)
	var again map[string]any
	_ = json.Unmarshal(raw, &again)
	second := e.do("POST", bf+"stocks", []byte(reorder(t, raw)))
	want(t, "replay", second, 200, "")
	if second.str("stock_id") != first.str("stock_id") || second.str("create_time") != first.str("create_time") {
		t.Errorf("replay = %s, want %s", second.body, first.body)
	}

	// The same number, other content.
	set(req, "stock_name", "另一个批次")
	want(t, "same number other content", e.do("POST", bf+"stocks", req), 400, "INVALID_REQUEST")

	// A failed request does not take its number: fixed, it creates.
	bad := stockRequest("NORMAL")
	set(bad, "stock_send_rule/max_coupons", 0)
	want(t, "invalid", e.do("POST", bf+"stocks", bad), 400, "PARAM_ERROR")
	set(bad, "stock_send_rule/max_coupons", 10)
	e.createStock(bad)
}

// reorder is raw with its top-level keys in reverse order and spaces added.
func reorder(t *testing.T, raw []byte) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	var b strings.Builder
	b.WriteString("{ ")
	for i := len(keys) - 1; i >= 0; i-- {
		k, _ := json.Marshal(keys[i])
		b.Write(k)
		b.WriteString(" : ")
		b.Write(m[keys[i]])
		if i > 0 {
			b.WriteString(", ")
		}
	}
	b.WriteString(" }")
	return b.String()
}

func TestModifyBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "stock_send_rule", map[string]int{"max_coupons": 3, "max_coupons_per_user": 3, "max_coupons_by_day": 2})
	id := e.createStock(req)
	path := bf + "stocks/" + id + "/budget"
	e.issue("oUser1", id, "S1")
	e.issue("oUser1", id, "S2")

	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"no target", map[string]any{"modify_budget_request_no": "B0"}, 400, "PARAM_ERROR"},
		{"no request number", map[string]any{"target_max_coupons": 10, "current_max_coupons": 3}, 400, "PARAM_ERROR"},
		{"target without current", map[string]any{"target_max_coupons": 10, "modify_budget_request_no": "B1"}, 400, "PARAM_ERROR"},
		{"both targets", map[string]any{"target_max_coupons": 10, "current_max_coupons": 3, "target_max_coupons_by_day": 5, "current_max_coupons_by_day": 2, "modify_budget_request_no": "B2"}, 400, "INVALID_REQUEST"},
		{"current mismatch", map[string]any{"target_max_coupons": 10, "current_max_coupons": 4, "modify_budget_request_no": "B3"}, 400, "INVALID_REQUEST"},
		{"below sent", map[string]any{"target_max_coupons": 1, "current_max_coupons": 3, "modify_budget_request_no": "B4"}, 400, "INVALID_REQUEST"},
		{"by_day above total", map[string]any{"target_max_coupons_by_day": 4, "current_max_coupons_by_day": 2, "modify_budget_request_no": "B5"}, 400, "INVALID_REQUEST"},
	}
	for _, tc := range cases {
		want(t, tc.name, e.do("PATCH", path, tc.body), tc.status, tc.code)
	}

	ok := map[string]any{"target_max_coupons": 10, "current_max_coupons": 3, "modify_budget_request_no": "B6"}
	r := e.do("PATCH", path, ok)
	want(t, "raise", r, 200, "")
	if r.num("max_coupons") != 10 || r.num("max_coupons_by_day") != 2 {
		t.Errorf("raise = %s", r.body)
	}
	// Replayed after the limit changed: the original answer, not a mismatch.
	want(t, "replay", e.do("PATCH", path, ok), 200, "")
	r = e.do("PATCH", path, map[string]any{"target_max_coupons_by_day": 5, "current_max_coupons_by_day": 2, "modify_budget_request_no": "B7"})
	want(t, "by day", r, 200, "")
	g := e.do("GET", bf+"stocks/"+id, nil)
	rule := g.m["stock_send_rule"].(map[string]any)
	if rule["max_coupons"] != json.Number("10") || rule["max_coupons_by_day"] != json.Number("5") {
		t.Errorf("stock after budget = %v", rule)
	}
	sc := g.m["send_count_information"].(map[string]any)
	if sc["total_send_num"] != json.Number("2") || sc["today_send_num"] != json.Number("2") || sc["total_send_amount"] != json.Number("200") {
		t.Errorf("send counts = %v", sc)
	}

	// After the stock's end: refused.
	e.clock.Advance(31 * 24 * time.Hour)
	want(t, "ended", e.do("PATCH", path, map[string]any{"target_max_coupons": 20, "current_max_coupons": 10, "modify_budget_request_no": "B8"}), 400, "INVALID_REQUEST")
	if s := e.do("GET", bf+"stocks/"+id, nil).str("stock_state"); s != "STOPED" {
		t.Errorf("state after the end = %s, want STOPED", s)
	}
}

func TestModifyStock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createStock(stockRequest("NORMAL"))
	path := bf + "stocks/" + id
	r := e.do("PATCH", path, map[string]any{
		"out_request_no": "M1", "goods_name": "指定商品", "comment": "改",
		"coupon_use_rule":      map[string]any{"use_method": "MINI_PROGRAMS", "mini_programs_appid": "wxsandboxmini", "mini_programs_path": "pages/x"},
		"display_pattern_info": map[string]any{"description": "新须知", "background_color": "Color050"},
	})
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("modify = %d %q, want 204 and no body", r.status, r.body)
	}
	g := e.do("GET", path, nil)
	rule := g.m["coupon_use_rule"].(map[string]any)
	if g.str("goods_name") != "指定商品" || rule["use_method"] != "MINI_PROGRAMS" || rule["fixed_normal_coupon"] == nil {
		t.Errorf("after modify = %s", g.body)
	}
	for name, body := range map[string]map[string]any{
		"stock_name":      {"out_request_no": "M2", "stock_name": "新名字"},
		"goods_name long": {"out_request_no": "M3", "goods_name": strings.Repeat("品", 16)},
		"rule amounts":    {"out_request_no": "M4", "coupon_use_rule": map[string]any{"use_method": "OFF_LINE", "fixed_normal_coupon": map[string]int{"discount_amount": 1, "transaction_minimum": 2}}},
		"no number":       {"goods_name": "x"},
		"store_id":        {"out_request_no": "M5", "custom_entrance": map[string]any{"store_id": "s1"}},
	} {
		want(t, name, e.do("PATCH", path, body), 400, "PARAM_ERROR")
	}
	want(t, "M1 other content", e.do("PATCH", path, map[string]any{"out_request_no": "M1", "goods_name": "又改"}), 400, "INVALID_REQUEST")
	want(t, "unknown stock", e.do("PATCH", bf+"stocks/1000000000000001", map[string]any{"out_request_no": "M6", "comment": "x"}), 404, "RESOURCE_NOT_EXISTS")
}

func TestUploadCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "coupon_code_mode", "MERCHANT_UPLOAD")
	set(req, "stock_send_rule/max_coupons_per_user", 5)
	id := e.createStock(req)
	path := bf + "stocks/" + id + "/couponcodes"
	r := e.do("POST", path, map[string]any{"upload_request_no": "U1",
		"coupon_code_list": []string{"ABC001", "ABC002", "ABC001", "BAD#", strings.Repeat("x", 33)}})
	want(t, "upload", r, 200, "")
	if r.num("success_count") != 2 || r.num("fail_count") != 2 || r.num("total_count") != 4 ||
		len(r.m["duplicate_codes"].([]any)) != 1 {
		t.Errorf("upload = %s", r.body)
	}
	r = e.do("POST", path, map[string]any{"upload_request_no": "U2", "coupon_code_list": []string{"ABC002", "ABC003"}})
	if r.num("success_count") != 1 || len(r.m["exist_codes"].([]any)) != 1 {
		t.Errorf("second upload = %s", r.body)
	}
	want(t, "too many", e.do("POST", path, map[string]any{"upload_request_no": "U3", "coupon_code_list": make([]string, 201)}), 400, "PARAM_ERROR")
	other := e.createStock(stockRequest("NORMAL"))
	want(t, "not MERCHANT_UPLOAD", e.do("POST", bf+"stocks/"+other+"/couponcodes", map[string]any{"upload_request_no": "U4", "coupon_code_list": []string{"A1"}}), 400, "INVALID_REQUEST")

	g := e.do("GET", bf+"stocks/"+id, nil)
	cc := g.m["coupon_code_count"].(map[string]any)
	if cc["total_count"] != json.Number("3") || cc["available_count"] != json.Number("3") {
		t.Errorf("code counts = %v", cc)
	}
	// Sends take uploaded codes until none is left.
	got := map[string]bool{}
	for i, n := range []string{"S1", "S2", "S3"} {
		code := e.issue("oUser1", id, n)
		if !strings.HasPrefix(code, "ABC00") || got[code] {
			t.Fatalf("send %d got code %q (had %v)", i, code, got)
		}
		got[code] = true
	}
	if item := e.sendOne("oUser1", id, "S4"); item["code"] != "FAILED" {
		t.Errorf("send with no code left = %v, want FAILED", item)
	}
	one := e.do("GET", path+"/ABC001", nil)
	want(t, "get code", one, 200, "")
	if one.m["code_information"].(map[string]any)["code_status"] != "DISPATCHED" || one.m["coupon_information"] == nil {
		t.Errorf("code = %s", one.body)
	}
	want(t, "delete dispatched", e.do("DELETE", path+"/ABC001?delete_request_no=D1", nil), 400, "INVALID_REQUEST")
	list := e.do("GET", path+"?limit=2&offset=0", nil)
	if list.num("total_count") != 3 || len(list.m["data"].([]any)) != 2 {
		t.Errorf("list = %s", list.body)
	}
}
