package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// 商家券 stocks through HTTP: MariaDB, Redis and a standalone emulator (WeChat
// and WeChat Pay), the merchant's keys read from sandbox/pay/merchant and
// passed as WECHATPAY_* as an operator would.

const createStockPath = "v3/marketing/busifavor/stocks"

// payMerchant is a merchant server with WeChat Pay configured.
type payMerchant struct {
	*merchant
	wx    string // the standalone emulator's root
	mchID string
}

// startPayMerchant starts an emulator and a server configured with the
// emulator's WeChat Pay merchant; extra env overrides.
func startPayMerchant(t *testing.T, extra map[string]string) *payMerchant {
	t.Helper()
	wx := emulator(t)
	r := call(t, "GET", wx+"/sandbox/pay/merchant", "", nil)
	mustStatus(t, r, 200)
	var mc struct {
		MchID       string `json:"mchid"`
		SerialNo    string `json:"serial_no"`
		PrivateKey  string `json:"private_key"`
		PublicKeyID string `json:"public_key_id"`
		PublicKey   string `json:"public_key"`
		APIv3Key    string `json:"apiv3_key"`
		APIv2Key    string `json:"apiv2_key"`
	}
	r.decode(t, &mc)
	env := map[string]string{
		"WECHATPAY_MCH_ID": mc.MchID, "WECHATPAY_API_BASE": wx, "WECHATPAY_MCH_SERIAL_NO": mc.SerialNo,
		"WECHATPAY_MCH_PRIVATE_KEY": mc.PrivateKey, "WECHATPAY_PUBLIC_KEY_ID": mc.PublicKeyID,
		"WECHATPAY_PUBLIC_KEY": mc.PublicKey, "WECHATPAY_APIV3_KEY": mc.APIv3Key, "WECHATPAY_APIV2_KEY": mc.APIv2Key,
	}
	for k, v := range extra {
		env[k] = v
	}
	return &payMerchant{merchant: startMerchant(t, wx, env), wx: wx, mchID: mc.MchID}
}

// payCalls is the emulator's count of calls to a /v3/ path.
func (m *payMerchant) payCalls(t *testing.T, path string) int {
	t.Helper()
	r := call(t, "GET", m.wx+"/sandbox/pay/stats", "", nil)
	mustStatus(t, r, 200)
	var st struct{ Calls map[string]int }
	r.decode(t, &st)
	return st.Calls[path]
}

func (m *payMerchant) fault(t *testing.T, f map[string]any) {
	t.Helper()
	mustStatus(t, call(t, "POST", m.wx+"/sandbox/pay/faults", "", f), 200)
}

// stockBody is a valid create-stock object of type typ, window from now.
func stockBody(typ string) map[string]any {
	now := time.Now().Truncate(time.Second)
	rule := map[string]any{
		"coupon_available_time": map[string]any{
			"available_begin_time": now.Format(time.RFC3339), "available_end_time": now.AddDate(0, 0, 30).Format(time.RFC3339),
			"available_day_after_receive": 7,
		},
		"use_method": "OFF_LINE",
	}
	switch typ {
	case "NORMAL":
		rule["fixed_normal_coupon"] = map[string]any{"discount_amount": 100, "transaction_minimum": 1000}
	case "DISCOUNT":
		rule["discount_coupon"] = map[string]any{"discount_percent": 88, "transaction_minimum": 1000}
	case "EXCHANGE":
		rule["exchange_coupon"] = map[string]any{"exchange_price": 990, "transaction_minimum": 1000}
	}
	return map[string]any{
		"stock_name": "测试券 " + typ, "goods_name": "全场通用", "stock_type": typ,
		"coupon_use_rule": rule, "coupon_code_mode": "WECHATPAY_MODE",
		"stock_send_rule": map[string]any{"max_coupons": 1000, "max_coupons_per_user": 2},
	}
}

// edit sets the value at a slash path of a nested body (nil deletes).
func edit(body map[string]any, path string, v any) map[string]any {
	parts := strings.Split(path, "/")
	cur := body
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	if v == nil {
		delete(cur, parts[len(parts)-1])
	} else {
		cur[parts[len(parts)-1]] = v
	}
	return body
}

type stockView struct {
	StockID           string `json:"stock_id"`
	StockName         string `json:"stock_name"`
	StockType         string `json:"stock_type"`
	Status            string `json:"status"`
	GoodsName         string `json:"goods_name"`
	OutRequestNo      string `json:"out_request_no"`
	MaxCoupons        int64  `json:"max_coupons"`
	MaxCouponsByDay   int64  `json:"max_coupons_by_day"`
	MaxCouponsPerUser int64  `json:"max_coupons_per_user"`
	Issued            *int64 `json:"issued"`
	Consumed          *int64 `json:"consumed"`
	Stock             struct {
		BelongMerchant string `json:"belong_merchant"`
		Comment        string `json:"comment"`
		NotifyConfig   struct {
			NotifyAppID string `json:"notify_appid"`
		} `json:"notify_config"`
	} `json:"stock"`
}

func (m *payMerchant) createStock(t *testing.T, body map[string]any) (id, outRequestNo string) {
	t.Helper()
	r := call(t, "POST", m.base+"/admin/v1/stocks", m.admin, body)
	mustStatus(t, r, 200)
	var out struct {
		StockID      string    `json:"stock_id"`
		CreateTime   time.Time `json:"create_time"`
		OutRequestNo string    `json:"out_request_no"`
	}
	r.decode(t, &out)
	if out.StockID == "" || out.CreateTime.IsZero() || out.OutRequestNo == "" {
		t.Fatalf("create = %s, want stock_id, create_time and out_request_no", r.body)
	}
	return out.StockID, out.OutRequestNo
}

func (m *payMerchant) getStock(t *testing.T, id string) stockView {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/stocks/"+id, m.admin, nil)
	mustStatus(t, r, 200)
	var v stockView
	r.decode(t, &v)
	return v
}

func TestMerchantStocks(t *testing.T) {
	t.Parallel()
	m := startPayMerchant(t, nil)
	t.Run("each type, list, get", func(t *testing.T) { testStockEachType(t, m) })
	t.Run("modify", func(t *testing.T) { testStockModify(t, m) })
	t.Run("budget", func(t *testing.T) { testStockBudget(t, m) })
	t.Run("callback", func(t *testing.T) { testStockCallback(t, m) })
	t.Run("unknown stock", func(t *testing.T) {
		r := call(t, "GET", m.base+"/admin/v1/stocks/1234567890", m.admin, nil)
		var e struct {
			Error struct {
				Code    string         `json:"code"`
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		r.decode(t, &e)
		if r.status != 404 || e.Error.Code != "not_found" || e.Error.Details["wechatpay_code"] != "RESOURCE_NOT_EXISTS" {
			t.Errorf("unknown stock = %d %s, want 404 not_found with wechatpay_code RESOURCE_NOT_EXISTS", r.status, r.body)
		}
	})
	t.Run("clerk", func(t *testing.T) { testStockClerk(t, m) })
	t.Run("audit", func(t *testing.T) { testStockAudit(t, m) })
	t.Run("validation", func(t *testing.T) { testStockValidation(t, m) })
	t.Run("idempotent create", func(t *testing.T) { testStockIdempotentCreate(t, m) })
}

// stockTotal is the catalogue's total.
func (m *payMerchant) stockTotal(t *testing.T) int {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/stocks", m.admin, nil)
	mustStatus(t, r, 200)
	var list struct{ Total int }
	r.decode(t, &list)
	return list.Total
}

func testStockEachType(t *testing.T, m *payMerchant) {
	ids := map[string]string{}
	for _, typ := range []string{"NORMAL", "DISCOUNT", "EXCHANGE"} {
		id, _ := m.createStock(t, stockBody(typ))
		ids[typ] = id
		v := m.getStock(t, id)
		if v.StockType != typ || v.Status != "RUNNING" || v.StockName != "测试券 "+typ || v.MaxCoupons != 1000 {
			t.Errorf("%s: got %+v, want that type RUNNING with its name and max_coupons 1000", typ, v)
		}
		if v.Issued == nil || *v.Issued != 0 || v.Consumed == nil || *v.Consumed != 0 {
			t.Errorf("%s: counts issued %v consumed %v, want 0 and 0", typ, v.Issued, v.Consumed)
		}
		// Defaults: the merchant and the mini-program (openids in notifications).
		if v.Stock.BelongMerchant != m.mchID || v.Stock.NotifyConfig.NotifyAppID != sandbox.DefaultMiniAppID {
			t.Errorf("%s: belong_merchant %q notify_appid %q, want %s and %s", typ,
				v.Stock.BelongMerchant, v.Stock.NotifyConfig.NotifyAppID, m.mchID, sandbox.DefaultMiniAppID)
		}
	}
	r := call(t, "GET", m.base+"/admin/v1/stocks?count=100", m.admin, nil)
	mustStatus(t, r, 200)
	var list struct {
		Stocks []stockView `json:"stocks"`
		Total  int         `json:"total"`
	}
	r.decode(t, &list)
	seen := map[string]bool{}
	for _, s := range list.Stocks {
		seen[s.StockID] = s.Issued != nil && s.Consumed != nil
	}
	for typ, id := range ids {
		if !seen[id] {
			t.Errorf("list %s: %s stock %s missing or without counts", r.body, typ, id)
		}
	}
	if list.Total != len(list.Stocks) || list.Total < 3 {
		t.Errorf("list total %d for %d stocks, want them equal and ≥ 3", list.Total, len(list.Stocks))
	}
	r = call(t, "GET", m.base+"/admin/v1/stocks?status=STOPED", m.admin, nil)
	mustStatus(t, r, 200)
	r.decode(t, &list)
	if list.Total != 0 {
		t.Errorf("stopped stocks = %s, want none", r.body)
	}
	r = call(t, "GET", m.base+"/admin/v1/stocks?status=BOGUS", m.admin, nil)
	if r.status != 400 || fieldOf(r) != "status" {
		t.Errorf("status=BOGUS = %d %s, want 400 naming status", r.status, r.body)
	}
}

// fieldOf is the envelope's details.field.
func fieldOf(r reply) string {
	var e struct {
		Error struct {
			Details struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Details.Field
}

func testStockModify(t *testing.T, m *payMerchant) {
	id, _ := m.createStock(t, stockBody("NORMAL"))
	r := call(t, "PATCH", m.base+"/admin/v1/stocks/"+id, m.admin, map[string]any{"goods_name": "咖啡", "comment": "门店专用"})
	mustStatus(t, r, 200)
	if v := m.getStock(t, id); v.GoodsName != "咖啡" || v.Stock.Comment != "门店专用" {
		t.Errorf("after modify = %+v, want goods_name 咖啡 and comment 门店专用", v)
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"nothing", map[string]any{}, "body"},
		{"stock_type cannot change", map[string]any{"stock_type": "DISCOUNT"}, "stock_type"},
		{"goods_name too long", map[string]any{"goods_name": strings.Repeat("好", 16)}, "goods_name"},
		{"store_id after creation", map[string]any{"custom_entrance": map[string]any{"store_id": "s1"}}, "custom_entrance.store_id"},
		{"subsidy off", map[string]any{"subsidy": false}, "subsidy"},
	} {
		r := call(t, "PATCH", m.base+"/admin/v1/stocks/"+id, m.admin, tc.body)
		if r.status != 400 || fieldOf(r) != tc.field {
			t.Errorf("modify %s = %d %s, want 400 naming %s", tc.name, r.status, r.body, tc.field)
		}
	}
}

func testStockBudget(t *testing.T, m *payMerchant) {
	// Without a daily limit at first: setting one sends current_max_coupons_by_day 0,
	// which WeChat Pay requires beside the target.
	id, _ := m.createStock(t, stockBody("DISCOUNT"))
	r := call(t, "POST", m.base+"/admin/v1/stocks/"+id+"/budget", m.admin, map[string]any{"target_max_coupons": 2500})
	mustStatus(t, r, 200)
	var b struct {
		MaxCoupons int64 `json:"max_coupons"`
	}
	r.decode(t, &b)
	if b.MaxCoupons != 2500 {
		t.Errorf("budget = %s, want max_coupons 2500", r.body)
	}
	r = call(t, "POST", m.base+"/admin/v1/stocks/"+id+"/budget", m.admin, map[string]any{"target_max_coupons_by_day": 300})
	mustStatus(t, r, 200)
	if v := m.getStock(t, id); v.MaxCoupons != 2500 || v.MaxCouponsByDay != 300 {
		t.Errorf("after budget = max %d by day %d, want 2500 and 300", v.MaxCoupons, v.MaxCouponsByDay)
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"neither", map[string]any{}, "target_max_coupons"},
		{"both", map[string]any{"target_max_coupons": 10, "target_max_coupons_by_day": 5}, "target_max_coupons_by_day"},
		{"zero", map[string]any{"target_max_coupons": 0}, "target_max_coupons"},
		{"over 1e9", map[string]any{"target_max_coupons": 1_000_000_001}, "target_max_coupons"},
		{"daily over total", map[string]any{"target_max_coupons_by_day": 2501}, "target_max_coupons_by_day"},
		{"not a number", map[string]any{"target_max_coupons": "many"}, "target_max_coupons"},
	} {
		r := call(t, "POST", m.base+"/admin/v1/stocks/"+id+"/budget", m.admin, tc.body)
		if r.status != 400 || fieldOf(r) != tc.field {
			t.Errorf("budget %s = %d %s, want 400 naming %s", tc.name, r.status, r.body, tc.field)
		}
	}
	r = call(t, "POST", m.base+"/admin/v1/stocks/987654321/budget", m.admin, map[string]any{"target_max_coupons": 10})
	if r.status != 404 || r.errCode() != "not_found" {
		t.Errorf("budget of an unknown stock = %d %s, want 404 not_found", r.status, r.body)
	}
}

func testStockCallback(t *testing.T, m *payMerchant) {
	const url = "https://shop.example.com/wechatpay/callback"
	before := m.payCalls(t, "v3/marketing/busifavor/callbacks")
	r := call(t, "PUT", m.base+"/admin/v1/wechatpay/callback", m.admin, map[string]string{"notify_url": url})
	mustStatus(t, r, 200)
	var cb struct {
		NotifyURL  string    `json:"notify_url"`
		UpdateTime time.Time `json:"update_time"`
	}
	r.decode(t, &cb)
	if cb.NotifyURL != url || cb.UpdateTime.IsZero() {
		t.Errorf("callback = %s, want notify_url %s and update_time", r.body, url)
	}
	if got := m.payCalls(t, "v3/marketing/busifavor/callbacks"); got != before+1 {
		t.Errorf("callbacks calls at WeChat Pay = %d, want %d", got, before+1)
	}
	for _, bad := range []string{"", "ftp://shop.example.com/cb", "https://u:p@shop.example.com/cb", "https://" + strings.Repeat("a", 260)} {
		r := call(t, "PUT", m.base+"/admin/v1/wechatpay/callback", m.admin, map[string]string{"notify_url": bad})
		if r.status != 400 || fieldOf(r) != "notify_url" {
			t.Errorf("notify_url %.40q = %d %s, want 400 naming notify_url", bad, r.status, r.body)
		}
	}
}

func testStockClerk(t *testing.T, m *payMerchant) {
	id, _ := m.createStock(t, stockBody("NORMAL"))
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/admin/v1/stocks", stockBody("NORMAL")},
		{"PATCH", "/admin/v1/stocks/" + id, map[string]any{"goods_name": "x"}},
		{"POST", "/admin/v1/stocks/" + id + "/budget", map[string]any{"target_max_coupons": 5000}},
		{"PUT", "/admin/v1/wechatpay/callback", map[string]string{"notify_url": "https://shop.example.com/cb"}},
		{"GET", "/admin/v1/stocks", nil},
		{"GET", "/admin/v1/stocks/" + id, nil},
	} {
		r := call(t, c.method, m.base+c.path, m.clerk, c.body)
		if r.status != 403 || r.errCode() != "forbidden" {
			t.Errorf("clerk %s %s = %d %s, want 403 forbidden", c.method, c.path, r.status, r.body)
		}
	}
	if v := m.getStock(t, id); v.GoodsName == "x" || v.MaxCoupons != 1000 {
		t.Errorf("after the clerk's tries = %+v, want the stock unchanged", v)
	}
}

func testStockAudit(t *testing.T, m *payMerchant) {
	id, _ := m.createStock(t, stockBody("EXCHANGE"))
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/stocks/"+id+"/budget", m.admin, map[string]any{"target_max_coupons": 1200}), 200)
	r := call(t, "GET", m.base+"/admin/v1/audit?count=100", m.admin, nil)
	mustStatus(t, r, 200)
	var a struct {
		Entries []struct{ Action, Target, Result, Actor string } `json:"entries"`
	}
	r.decode(t, &a)
	want := map[string]bool{"stock.create": false, "stock.budget": false}
	for _, e := range a.Entries {
		if e.Target == id && e.Result == "ok" && e.Actor == prodAdminUser {
			want[e.Action] = true
		}
	}
	for action, found := range want {
		if !found {
			t.Errorf("audit has no %s of %s by %s: %s", action, id, prodAdminUser, r.body)
		}
	}
}

// Every local rule names its field, and WeChat Pay is not called.
func testStockValidation(t *testing.T, m *payMerchant) {
	now := time.Now().Truncate(time.Second)
	at := "coupon_use_rule/coupon_available_time/"
	tests := []struct {
		name, path string // path: where to edit stockBody("NORMAL"); value nil deletes
		value      any
		field      string
	}{
		{"stock_name missing", "stock_name", nil, "stock_name"},
		{"stock_name over 21 characters", "stock_name", strings.Repeat("券", 22), "stock_name"},
		{"stock_name with an emoji", "stock_name", "满10减1🎉", "stock_name"},
		{"belong_merchant not a merchant id", "belong_merchant", "12ab", "belong_merchant"},
		{"comment over 20 characters", "comment", strings.Repeat("注", 21), "comment"},
		{"goods_name missing", "goods_name", nil, "goods_name"},
		{"goods_name over 15 characters", "goods_name", strings.Repeat("g", 16), "goods_name"},
		{"stock_type unknown", "stock_type", "CASH", "stock_type"},
		{"rule of another type", "coupon_use_rule/discount_coupon", map[string]any{"discount_percent": 80, "transaction_minimum": 100}, "coupon_use_rule.discount_coupon"},
		{"rule of its type missing", "coupon_use_rule/fixed_normal_coupon", nil, "coupon_use_rule.fixed_normal_coupon"},
		{"discount_amount 0", "coupon_use_rule/fixed_normal_coupon/discount_amount", 0, "coupon_use_rule.fixed_normal_coupon.discount_amount"},
		{"discount_amount over 1e7", "coupon_use_rule/fixed_normal_coupon/discount_amount", 10_000_001, "coupon_use_rule.fixed_normal_coupon.discount_amount"},
		{"transaction_minimum below discount", "coupon_use_rule/fixed_normal_coupon/transaction_minimum", 50, "coupon_use_rule.fixed_normal_coupon.transaction_minimum"},
		{"transaction_minimum not a number", "coupon_use_rule/fixed_normal_coupon/transaction_minimum", "1000", "coupon_use_rule.fixed_normal_coupon.transaction_minimum"},
		{"use_method missing", "coupon_use_rule/use_method", nil, "coupon_use_rule.use_method"},
		{"use_method SELF_CONSUME", "coupon_use_rule/use_method", "SELF_CONSUME", "coupon_use_rule.use_method"},
		{"MINI_PROGRAMS without appid", "coupon_use_rule/use_method", "MINI_PROGRAMS", "coupon_use_rule.mini_programs_appid"},
		{"begin time missing", at + "available_begin_time", nil, "coupon_use_rule.coupon_available_time.available_begin_time"},
		{"begin time not RFC 3339", at + "available_begin_time", "2025-01-01 00:00:00", "coupon_use_rule.coupon_available_time.available_begin_time"},
		{"end before begin", at + "available_end_time", now.Add(-time.Hour).Format(time.RFC3339), "coupon_use_rule.coupon_available_time.available_end_time"},
		{"window over a year", at + "available_end_time", now.AddDate(1, 0, 2).Format(time.RFC3339), "coupon_use_rule.coupon_available_time.available_end_time"},
		{"wait_days over 30", at + "wait_days_after_receive", 31, "coupon_use_rule.coupon_available_time.wait_days_after_receive"},
		{"week_day 7", at + "available_week", map[string]any{"week_day": []int{1, 7}}, "coupon_use_rule.coupon_available_time.available_week.week_day[1]"},
		{"three day periods", at + "available_week", map[string]any{"week_day": []int{1}, "available_day_time": []map[string]int{{"begin_time": 1, "end_time": 2}, {"begin_time": 3, "end_time": 4}, {"begin_time": 5, "end_time": 6}}}, "coupon_use_rule.coupon_available_time.available_week.available_day_time"},
		{"max_coupons 0", "stock_send_rule/max_coupons", 0, "stock_send_rule.max_coupons"},
		{"max_coupons over 1e9", "stock_send_rule/max_coupons", 1_000_000_001, "stock_send_rule.max_coupons"},
		{"max_coupons_per_user over 100", "stock_send_rule/max_coupons_per_user", 101, "stock_send_rule.max_coupons_per_user"},
		{"max_coupons_per_user over max_coupons", "stock_send_rule/max_coupons", 1, "stock_send_rule.max_coupons_per_user"},
		{"max_coupons_by_day over max_coupons", "stock_send_rule/max_coupons_by_day", 1001, "stock_send_rule.max_coupons_by_day"},
		{"max_amount not open", "stock_send_rule/max_amount", 100000, "stock_send_rule.max_amount"},
		{"coupon_code_mode missing", "coupon_code_mode", nil, "coupon_code_mode"},
		{"coupon_code_mode unknown", "coupon_code_mode", "RANDOM", "coupon_code_mode"},
		{"out_request_no with a dot", "out_request_no", "a.b", "out_request_no"},
		{"out_request_no over 128", "out_request_no", strings.Repeat("1", 129), "out_request_no"},
		{"background_color lower case", "display_pattern_info/background_color", "color010", "display_pattern_info.background_color"},
		{"entrance_words over 5", "custom_entrance/mini_programs_info", map[string]any{"mini_programs_appid": "wxsandboxmini", "mini_programs_path": "pages/a", "entrance_words": "立即去使用吧"}, "custom_entrance.mini_programs_info.entrance_words"},
		{"code_display_mode unknown", "custom_entrance/code_display_mode", "LOUD", "custom_entrance.code_display_mode"},
		{"unknown field", "stock_colour", "red", "stock_colour"},
	}
	before, total := m.payCalls(t, createStockPath), m.stockTotal(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(stockBody("NORMAL"), tc.path, tc.value)
			r := call(t, "POST", m.base+"/admin/v1/stocks", m.admin, body)
			if r.status != 400 || r.errCode() != "invalid_argument" || fieldOf(r) != tc.field {
				t.Errorf("got %d %s, want 400 invalid_argument naming %s", r.status, r.body, tc.field)
			}
		})
	}
	if got := m.payCalls(t, createStockPath); got != before {
		t.Errorf("WeChat Pay create calls = %d, want %d: refused stocks must not reach it", got, before)
	}
	if got := m.stockTotal(t); got != total {
		t.Errorf("catalogue after refusals holds %d stocks, want %d", got, total)
	}
}

func testStockIdempotentCreate(t *testing.T, m *payMerchant) {
	calls, total := m.payCalls(t, createStockPath), m.stockTotal(t)
	body := stockBody("NORMAL")
	body["out_request_no"] = "1900000001retry0001"
	id1, no := m.createStock(t, body)
	id2, _ := m.createStock(t, stockBody2(body))
	if id1 != id2 || no != "1900000001retry0001" {
		t.Errorf("retry = %s (%s), want the first stock %s with its number", id2, no, id1)
	}
	if got := m.payCalls(t, createStockPath); got != calls+1 {
		t.Errorf("create calls at WeChat Pay = %d, want %d", got, calls+1)
	}
	// The same number with other content is refused, locally.
	other := stockBody2(body)
	other["stock_name"] = "另一个"
	r := call(t, "POST", m.base+"/admin/v1/stocks", m.admin, other)
	if r.status != 409 || r.errCode() != "conflict" || fieldOf(r) != "out_request_no" {
		t.Errorf("same number, other content = %d %s, want 409 conflict naming out_request_no", r.status, r.body)
	}

	// A transient failure: the client repeats the same request number and
	// WeChat Pay makes one stock.
	m.fault(t, map[string]any{"path": createStockPath, "code": "SYSTEM_ERROR", "times": 1})
	b3 := stockBody("DISCOUNT")
	b3["out_request_no"] = "1900000001retry0002"
	id3, _ := m.createStock(t, b3)
	if got := m.payCalls(t, createStockPath); got != calls+3 {
		t.Errorf("create calls at WeChat Pay = %d, want %d (one refused with SYSTEM_ERROR, repeated)", got, calls+3)
	}
	if got := m.stockTotal(t); got != total+2 {
		t.Errorf("catalogue holds %d stocks, want %d: two creates, one retried", got, total+2)
	}
	// WeChat Pay knows the stock under the id the catalogue has.
	if v := m.getStock(t, id3); v.OutRequestNo != "1900000001retry0002" {
		t.Errorf("stock %s out_request_no = %q, want 1900000001retry0002", id3, v.OutRequestNo)
	}
}

// stockBody2 is a deep copy of body (the create decodes it again).
func stockBody2(body map[string]any) map[string]any {
	raw, _ := json.Marshal(body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func TestMerchantStockFaults(t *testing.T) {
	t.Parallel()
	m := startPayMerchant(t, map[string]string{"WECHATPAY_TIMEOUT": "1500ms"})
	for _, tc := range []struct {
		name   string
		fault  map[string]any
		status int
		code   string
	}{
		{"5xx", map[string]any{"http_status": 500, "times": 10}, 503, "upstream_unavailable"},
		{"SYSTEM_ERROR", map[string]any{"code": "SYSTEM_ERROR", "times": 10}, 503, "upstream_unavailable"},
		{"timeout", map[string]any{"delay_ms": 5000, "times": 10}, 504, "upstream_unavailable"},
		{"SIGN_ERROR", map[string]any{"code": "SIGN_ERROR", "times": 1}, 502, "upstream_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A stock of its own: faults left over do not reach the next case.
			id, _ := m.createStock(t, stockBody("NORMAL"))
			tc.fault["path"] = createStockPath + "/" + id
			m.fault(t, tc.fault)
			r := call(t, "GET", m.base+"/admin/v1/stocks/"+id, m.admin, nil)
			if r.status != tc.status || r.errCode() != tc.code {
				t.Errorf("GET with %s = %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
			}
		})
	}
	t.Run("create", func(t *testing.T) {
		m.fault(t, map[string]any{"path": createStockPath, "http_status": 503, "times": 10})
		r := call(t, "POST", m.base+"/admin/v1/stocks", m.admin, stockBody("EXCHANGE"))
		if r.status != 503 || r.errCode() != "upstream_unavailable" {
			t.Errorf("create with WeChat Pay down = %d %s, want 503 upstream_unavailable", r.status, r.body)
		}
	})
}

func TestStocksWithoutWeChatPay(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	for _, c := range []struct{ method, path string }{
		{"GET", "/admin/v1/stocks"}, {"POST", "/admin/v1/stocks"}, {"GET", "/admin/v1/stocks/123"},
		{"PUT", "/admin/v1/wechatpay/callback"},
	} {
		r := call(t, c.method, m.base+c.path, m.admin, "{}")
		if r.status != 404 || r.errCode() != "not_found" {
			t.Errorf("%s %s without WECHATPAY_MCH_ID = %d %s, want 404 not_found", c.method, c.path, r.status, r.body)
		}
	}
}

// Sandbox mode has a working merchant, the in-process emulator's, and the
// start-up help's 商家券 step works as printed.
func TestSandboxStocks(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	s := startServerTo(t, sandboxEnv(t), out)
	help := out.String()
	var create string
	for _, line := range strings.Split(help, "\n") {
		if strings.Contains(line, "/admin/v1/stocks -H") {
			create = line
		}
	}
	_, body, ok := strings.Cut(create, "-d '")
	body, _, ok2 := strings.Cut(body, "'")
	if !ok || !ok2 {
		t.Fatalf("start-up help has no stock creation:\n%s", help)
	}
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	r := call(t, "POST", s.base+"/admin/v1/stocks", admin, body)
	mustStatus(t, r, 200)
	var created struct {
		StockID string `json:"stock_id"`
	}
	r.decode(t, &created)
	r = call(t, "GET", s.base+"/admin/v1/stocks/"+created.StockID, admin, nil)
	mustStatus(t, r, 200)
	var v stockView
	r.decode(t, &v)
	if v.Status != "RUNNING" || v.Stock.BelongMerchant == "" {
		t.Errorf("sandbox stock = %s, want RUNNING with the sandbox merchant", r.body)
	}
}

// WeChat Pay out of reach only degrades the replica (cards keep working):
// /readyz stays 200 and names wechatpay, and a call that gets an answer again
// makes it ok.
func TestWeChatPayDownDegrades(t *testing.T) {
	t.Parallel()
	m := startPayMerchant(t, map[string]string{"WECHATPAY_TIMEOUT": "1500ms"})
	checks := func() (int, map[string]any) {
		t.Helper()
		r := call(t, "GET", m.base+"/readyz", "", nil)
		var body struct {
			Status string         `json:"status"`
			Checks map[string]any `json:"checks"`
		}
		r.decode(t, &body)
		body.Checks["status"] = body.Status
		return r.status, body.Checks
	}
	id, _ := m.createStock(t, stockBody("NORMAL"))
	if status, c := checks(); status != 200 || c["wechatpay"] != "ok" || c["status"] != "ok" {
		t.Fatalf("readyz with WeChat Pay answering = %d %v, want 200 ok with wechatpay ok", status, c)
	}
	m.fault(t, map[string]any{"path": createStockPath + "/" + id, "http_status": 500, "times": 3})
	if r := call(t, "GET", m.base+"/admin/v1/stocks/"+id, m.admin, nil); r.status != 503 {
		t.Fatalf("GET with WeChat Pay failing = %d %s, want 503", r.status, r.body)
	}
	if status, c := checks(); status != 200 || c["wechatpay"] != "degraded" || c["status"] != "degraded" {
		t.Errorf("readyz with WeChat Pay unreachable = %d %v, want 200 degraded naming wechatpay", status, c)
	}
	mustStatus(t, call(t, "GET", m.base+"/admin/v1/stocks/"+id, m.admin, nil), 200)
	if status, c := checks(); status != 200 || c["wechatpay"] != "ok" {
		t.Errorf("readyz after WeChat Pay answered again = %d %v, want wechatpay ok", status, c)
	}
}
