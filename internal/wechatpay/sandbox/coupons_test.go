package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
)

const appID = sandbox.DefaultAppID

func useBody(stockID, code, no string) map[string]any {
	return map[string]any{"coupon_code": code, "stock_id": stockID, "appid": appID,
		"use_time": start.Format(time.RFC3339), "use_request_no": no}
}

func (e *env) couponState(openid, code string) string {
	e.t.Helper()
	r := e.do("GET", bf+"users/"+openid+"/coupons/"+code+"/appids/"+appID, nil)
	want(e.t, "get coupon", r, 200, "")
	return r.str("coupon_state")
}

func TestCouponStateMachine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createStock(stockRequest("NORMAL"))
	code := e.issue("oUser1", id, "SEND1")
	if len(code) != 22 || strings.Trim(code, "0123456789") != "" {
		t.Errorf("WECHATPAY_MODE code %q, want 22 digits", code)
	}
	if s := e.couponState("oUser1", code); s != "SENDED" {
		t.Fatalf("state after send = %s", s)
	}

	// Use; a second use with another number is refused; the same number
	// replays the first answer.
	r := e.do("POST", bf+"coupons/use", useBody(id, code, "USE1"))
	want(t, "use", r, 200, "")
	if r.str("stock_id") != id || r.str("openid") != "oUser1" || r.str("wechatpay_use_time") == "" {
		t.Errorf("use = %s", r.body)
	}
	want(t, "use again", e.do("POST", bf+"coupons/use", useBody(id, code, "USE2")), 400, "INVALID_REQUEST")
	replay := e.do("POST", bf+"coupons/use", useBody(id, code, "USE1"))
	want(t, "use replay", replay, 200, "")
	if replay.str("wechatpay_use_time") != r.str("wechatpay_use_time") {
		t.Errorf("replay = %s, want %s", replay.body, r.body)
	}
	other := useBody(id, code, "USE1")
	other["use_time"] = start.Add(time.Minute).Format(time.RFC3339)
	want(t, "use number other content", e.do("POST", bf+"coupons/use", other), 400, "INVALID_REQUEST")
	want(t, "deactivate used", e.do("POST", bf+"coupons/deactivate", map[string]any{"coupon_code": code, "stock_id": id, "deactivate_request_no": "D1"}), 400, "INVALID_REQUEST")
	if s := e.couponState("oUser1", code); s != "USED" {
		t.Fatalf("state after use = %s", s)
	}

	// Return: usable again; return of an unused coupon is refused.
	want(t, "return", e.do("POST", bf+"coupons/return", map[string]any{"coupon_code": code, "stock_id": id, "return_request_no": "R1"}), 200, "")
	if s := e.couponState("oUser1", code); s != "SENDED" {
		t.Fatalf("state after return = %s", s)
	}
	want(t, "return unused", e.do("POST", bf+"coupons/return", map[string]any{"coupon_code": code, "stock_id": id, "return_request_no": "R2"}), 400, "INVALID_REQUEST")
	want(t, "use after return", e.do("POST", bf+"coupons/use", useBody(id, code, "USE3")), 200, "")
	want(t, "return again", e.do("POST", bf+"coupons/return", map[string]any{"coupon_code": code, "stock_id": id, "return_request_no": "R3"}), 200, "")

	// Deactivate: final.
	d := e.do("POST", bf+"coupons/deactivate", map[string]any{"coupon_code": code, "stock_id": id, "deactivate_request_no": "D2", "deactivate_reason": "作废"})
	want(t, "deactivate", d, 200, "")
	if d.str("wechatpay_deactivate_time") == "" {
		t.Errorf("deactivate = %s", d.body)
	}
	want(t, "use deactivated", e.do("POST", bf+"coupons/use", useBody(id, code, "USE4")), 400, "INVALID_REQUEST")
	want(t, "deactivate twice", e.do("POST", bf+"coupons/deactivate", map[string]any{"coupon_code": code, "stock_id": id, "deactivate_request_no": "D3"}), 400, "INVALID_REQUEST")
	want(t, "return deactivated", e.do("POST", bf+"coupons/return", map[string]any{"coupon_code": code, "stock_id": id, "return_request_no": "R4"}), 400, "INVALID_REQUEST")
	g := e.do("GET", bf+"users/oUser1/coupons/"+code+"/appids/"+appID, nil)
	if g.str("coupon_state") != "DEACTIVATED" || g.str("deactivate_reason") != "作废" || g.str("send_request_no") != "SEND1" {
		t.Errorf("coupon = %s", g.body)
	}

	// Unknown coupon, another user's coupon.
	want(t, "use unknown", e.do("POST", bf+"coupons/use", useBody(id, "1234567890123456789012", "USE5")), 404, "RESOURCE_NOT_EXISTS")
	code2 := e.issue("oUser2", id, "SEND2")
	notMine := useBody(id, code2, "USE6")
	notMine["openid"] = "oUser1"
	want(t, "use with another openid", e.do("POST", bf+"coupons/use", notMine), 400, "INVALID_REQUEST")
	want(t, "get another user's coupon", e.do("GET", bf+"users/oUser1/coupons/"+code2+"/appids/"+appID, nil), 404, "RESOURCE_NOT_EXISTS")
	unbound := useBody(id, code2, "USE7")
	unbound["appid"] = "wx0000000000000000"
	want(t, "use with unbound appid", e.do("POST", bf+"coupons/use", unbound), 400, "INVALID_REQUEST")
	want(t, "use without use_time", e.do("POST", bf+"coupons/use", map[string]any{"coupon_code": code2, "appid": appID, "use_request_no": "USE8"}), 400, "PARAM_ERROR")
}

func TestCouponValidityAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "coupon_use_rule/coupon_available_time/available_day_after_receive", 2)
	set(req, "coupon_use_rule/coupon_available_time/wait_days_after_receive", 1)
	set(req, "stock_send_rule/max_coupons_per_user", 2)
	id := e.createStock(req)
	code := e.issue("oUser1", id, "S1")
	g := e.do("GET", bf+"users/oUser1/coupons/"+code+"/appids/"+appID, nil)
	// Received 2025-06-01 10:00: effective the next day at 00:00, valid 2 days.
	if g.str("available_start_time") != "2025-06-02T00:00:00+08:00" || g.str("expire_time") != "2025-06-03T23:59:59+08:00" {
		t.Errorf("validity = %s .. %s", g.str("available_start_time"), g.str("expire_time"))
	}
	want(t, "use before effective", e.do("POST", bf+"coupons/use", useBody(id, code, "U1")), 400, "INVALID_REQUEST")
	e.clock.Advance(15 * time.Hour) // 2025-06-02 01:00
	want(t, "use when effective", e.do("POST", bf+"coupons/use", useBody(id, code, "U2")), 200, "")
	want(t, "return", e.do("POST", bf+"coupons/return", map[string]any{"coupon_code": code, "stock_id": id, "return_request_no": "R1"}), 200, "")
	e.clock.Advance(48 * time.Hour) // past expire_time
	if s := e.couponState("oUser1", code); s != "EXPIRED" {
		t.Errorf("state after expiry = %s", s)
	}
	want(t, "use expired", e.do("POST", bf+"coupons/use", useBody(id, code, "U3")), 400, "INVALID_REQUEST")
	want(t, "deactivate expired", e.do("POST", bf+"coupons/deactivate", map[string]any{"coupon_code": code, "stock_id": id, "deactivate_request_no": "D1"}), 400, "INVALID_REQUEST")

	// The driver: expire now, delete from the wallet.
	code2 := e.issue("oUser1", id, "S2")
	if r := e.driver("POST", "expire-coupon", map[string]any{"stock_id": id, "coupon_code": code2}); r.status != 200 {
		t.Fatalf("expire-coupon = %d %s", r.status, r.body)
	}
	if s := e.couponState("oUser1", code2); s != "EXPIRED" {
		t.Errorf("state after expire-coupon = %s", s)
	}
	want(t, "expire twice", e.driver("POST", "expire-coupon", map[string]any{"stock_id": id, "coupon_code": code2}), 400, "INVALID_REQUEST")
	want(t, "delete another user's", e.driver("POST", "delete-coupon", map[string]any{"openid": "oUser2", "stock_id": id, "coupon_code": code2}), 404, "RESOURCE_NOT_EXISTS")
	if r := e.driver("POST", "delete-coupon", map[string]any{"openid": "oUser1", "stock_id": id, "coupon_code": code2}); r.status != 200 {
		t.Fatalf("delete-coupon = %d %s", r.status, r.body)
	}
	if s := e.couponState("oUser1", code2); s != "DELETED" {
		t.Errorf("state after delete-coupon = %s", s)
	}
}

func TestListUserCoupons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "stock_send_rule/max_coupons_per_user", 5)
	set(req, "display_pattern_info/description", "使用须知")
	a := e.createStock(req)
	b := e.createStock(stockRequest("DISCOUNT"))
	var codes []string
	for _, n := range []string{"A1", "A2", "A3"} {
		codes = append(codes, e.issue("oUser1", a, n))
		e.clock.Advance(time.Second)
	}
	e.issue("oUser1", b, "B1")
	e.issue("oUser2", a, "A1")
	want(t, "use", e.do("POST", bf+"coupons/use", useBody(a, codes[0], "U1")), 200, "")

	r := e.do("GET", bf+"users/oUser1/coupons?appid="+appID+"&stock_id="+a+"&limit=2&offset=0", nil)
	want(t, "list", r, 200, "")
	data := r.m["data"].([]any)
	if r.num("total_count") != 3 || len(data) != 2 || data[0].(map[string]any)["coupon_code"] != codes[2] {
		t.Errorf("list = %s", r.body)
	}
	if dp := data[0].(map[string]any)["display_pattern_info"]; dp != nil && dp.(map[string]any)["description"] != nil {
		t.Errorf("list carries the description: %v", dp)
	}
	r = e.do("GET", bf+"users/oUser1/coupons?appid="+appID+"&coupon_state=USED", nil)
	if r.num("total_count") != 1 {
		t.Errorf("USED list = %s", r.body)
	}
	r = e.do("GET", bf+"users/oUser1/coupons?appid="+appID, nil)
	if r.num("total_count") != 4 {
		t.Errorf("all = %s", r.body)
	}
	want(t, "no appid", e.do("GET", bf+"users/oUser1/coupons", nil), 400, "PARAM_ERROR")
	want(t, "limit 51", e.do("GET", bf+"users/oUser1/coupons?appid="+appID+"&limit=51", nil), 400, "PARAM_ERROR")
	want(t, "bad state", e.do("GET", bf+"users/oUser1/coupons?appid="+appID+"&coupon_state=GONE", nil), 400, "PARAM_ERROR")
	g := e.do("GET", bf+"users/oUser1/coupons/"+codes[1]+"/appids/"+appID, nil)
	if g.m["display_pattern_info"].(map[string]any)["description"] != "使用须知" {
		t.Errorf("one coupon lacks the description: %s", g.body)
	}
}

func TestSendCouponRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "stock_send_rule", map[string]int{"max_coupons": 4, "max_coupons_per_user": 2, "max_coupons_by_day": 3})
	id := e.createStock(req)

	// Sign: wrong key, or an item changed after signing.
	m := e.emu.Merchant()
	items := []wechatpay.PluginCoupon{{StockID: id, OutRequestNo: "P1"}}
	r := e.driver("POST", "send-coupon", map[string]any{"openid": "oA", "send_coupon_params": items,
		"send_coupon_merchant": m.MchID, "sign": wechatpay.PluginSign(m.MchID, items, strings.Repeat("k", 32))})
	if r.status != 200 || r.str("errcode") != "SIGN_ERROR" {
		t.Errorf("wrong key = %d %s", r.status, r.body)
	}
	r = e.driver("POST", "send-coupon", map[string]any{"openid": "oA", "send_coupon_params": []wechatpay.PluginCoupon{{StockID: id, OutRequestNo: "P2"}},
		"send_coupon_merchant": m.MchID, "sign": wechatpay.PluginSign(m.MchID, items, m.APIv2Key)})
	if r.str("errcode") != "SIGN_ERROR" {
		t.Errorf("item changed after signing = %s", r.body)
	}
	if r := e.sendCoupons("oA", make([]wechatpay.PluginCoupon, 11)...); r.str("errcode") != "PARAM_ERROR" {
		t.Errorf("11 items = %s", r.body)
	}

	// Two items in one call, then DUPREQUEST, MAXQUOTA.
	r = e.sendCoupons("oA", wechatpay.PluginCoupon{StockID: id, OutRequestNo: "P1"}, wechatpay.PluginCoupon{StockID: id, OutRequestNo: "P2"})
	res := r.m["send_coupon_result"].([]any)
	if r.str("errcode") != "OK" || len(res) != 2 || res[0].(map[string]any)["code"] != "SUCCESS" || res[1].(map[string]any)["code"] != "SUCCESS" {
		t.Fatalf("two items = %s", r.body)
	}
	dup := e.sendOne("oA", id, "P1")
	if dup["code"] != "DUPREQUEST" || dup["coupon_code"] != res[0].(map[string]any)["coupon_code"] {
		t.Errorf("repeat = %v", dup)
	}
	if item := e.sendOne("oA", id, "P3"); item["code"] != "MAXQUOTA" {
		t.Errorf("third for one user = %v", item)
	}
	// DAYLIMIT after 3 today; the next day NOTENOUGH after 4 in all.
	e.issue("oB", id, "P1")
	if item := e.sendOne("oC", id, "P1"); item["code"] != "DAYLIMIT" {
		t.Errorf("fourth today = %v", item)
	}
	e.clock.Advance(24 * time.Hour)
	e.issue("oC", id, "P1")
	if item := e.sendOne("oD", id, "P1"); item["code"] != "NOTENOUGH" {
		t.Errorf("fifth = %v", item)
	}
	// Budget raised: sends again; paused: NOTRUNNING; an unknown stock: FAILED.
	want(t, "raise", e.do("PATCH", bf+"stocks/"+id+"/budget", map[string]any{"target_max_coupons": 10, "current_max_coupons": 4, "modify_budget_request_no": "B1"}), 200, "")
	e.issue("oD", id, "P1")
	if r := e.driver("POST", "stock-state", map[string]any{"stock_id": id, "state": "PAUSED"}); r.status != 200 {
		t.Fatalf("pause = %s", r.body)
	}
	if item := e.sendOne("oE", id, "P1"); item["code"] != "NOTRUNNING" {
		t.Errorf("paused = %v", item)
	}
	if s := e.do("GET", bf+"stocks/"+id, nil).str("stock_state"); s != "PAUSED" {
		t.Errorf("state = %s", s)
	}
	if item := e.sendOne("oE", "1000000000000009", "P1"); item["code"] != "FAILED" {
		t.Errorf("unknown stock = %v", item)
	}
	e.driver("POST", "stock-state", map[string]any{"stock_id": id, "state": "RUNNING"})
	e.issue("oE", id, "P1")
	// After the window: NOTRUNNING.
	e.clock.Advance(40 * 24 * time.Hour)
	if item := e.sendOne("oF", id, "P1"); item["code"] != "NOTRUNNING" {
		t.Errorf("after the window = %v", item)
	}
}

func TestSendMerchantAPICodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("EXCHANGE")
	set(req, "coupon_code_mode", "MERCHANT_API")
	set(req, "stock_send_rule/max_coupons_per_user", 3)
	id := e.createStock(req)
	r := e.sendCoupons("oA", wechatpay.PluginCoupon{StockID: id, OutRequestNo: "P1", CouponCode: "MYCODE0001"})
	item := r.m["send_coupon_result"].([]any)[0].(map[string]any)
	if item["code"] != "SUCCESS" || item["coupon_code"] != "MYCODE0001" {
		t.Fatalf("merchant code = %s", r.body)
	}
	r = e.sendCoupons("oA", wechatpay.PluginCoupon{StockID: id, OutRequestNo: "P2", CouponCode: "MYCODE0001"})
	if r.m["send_coupon_result"].([]any)[0].(map[string]any)["code"] != "FAILED" {
		t.Errorf("code reused = %s", r.body)
	}
	if item := e.sendOne("oA", id, "P3"); item["code"] != "FAILED" {
		t.Errorf("no code = %v", item)
	}
	// Merchant codes need stock_id to be used.
	body := useBody(id, "MYCODE0001", "U1")
	delete(body, "stock_id")
	want(t, "use without stock_id", e.do("POST", bf+"coupons/use", body), http.StatusBadRequest, "PARAM_ERROR")
	want(t, "use with stock_id", e.do("POST", bf+"coupons/use", useBody(id, "MYCODE0001", "U2")), 200, "")
}

func TestCouponLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createStock(stockRequest("NORMAL"))
	code := e.issue("oA", id, "P1")
	r := e.driver("POST", "coupon-link", map[string]any{"openid": "oA", "stock_id": id, "coupon_code": code})
	if r.status != 200 || r.str("associate") != "COUPON_CODE" || len(r.str("nonce")) != 12 || r.str("stock_id") != id {
		t.Fatalf("coupon-link = %s", r.body)
	}
	got, err := wechatpay.DecryptCouponCode([]byte(e.emu.Merchant().APIv3Key), r.str("nonce"), r.str("ciphertext"))
	if err != nil || got != code {
		t.Errorf("decrypted %q, %v; want %q", got, err, code)
	}
	want(t, "another user's", e.driver("POST", "coupon-link", map[string]any{"openid": "oB", "stock_id": id, "coupon_code": code}), 404, "RESOURCE_NOT_EXISTS")
}

func TestCouponsSendHasNoGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	want(t, "coupons/send", e.do("POST", bf+"coupons/send", map[string]any{"openid": "oA"}), 403, "NO_AUTH")
	want(t, "unknown path", e.do("GET", "/v3/marketing/favor/stocks", nil), 404, "NOT_FOUND")
}

func TestAssociate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	id := e.createStock(stockRequest("NORMAL"))
	code := e.issue("oA", id, "P1")
	tie := func(path, trade, no string) reply {
		return e.do("POST", bf+"coupons/"+path, map[string]any{"stock_id": id, "coupon_code": code, "out_trade_no": trade, "out_request_no": no})
	}
	r := tie("associate", "T1", "A1")
	want(t, "associate", r, 200, "")
	if r.str("wechatpay_associate_time") == "" {
		t.Errorf("associate = %s", r.body)
	}
	want(t, "associate replay", tie("associate", "T1", "A1"), 200, "")
	want(t, "associate another order", tie("associate", "T2", "A2"), 400, "INVALID_REQUEST")
	if g := e.do("GET", bf+"users/oA/coupons/"+code+"/appids/"+appID, nil); g.str("associate_out_trade_no") != "T1" {
		t.Errorf("coupon = %s", g.body)
	}
	want(t, "disassociate another order", tie("disassociate", "T2", "X1"), 400, "INVALID_REQUEST")
	want(t, "disassociate", tie("disassociate", "T1", "X2"), 200, "")
	want(t, "use", e.do("POST", bf+"coupons/use", useBody(id, code, "U1")), 200, "")
	want(t, "associate used", tie("associate", "T3", "A3"), 400, "INVALID_REQUEST")
}

// Concurrent sends never exceed max_coupons, and concurrent uses of one
// coupon with different request numbers succeed once.
func TestConcurrentSendsAndUses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	req := stockRequest("NORMAL")
	set(req, "stock_send_rule/max_coupons", 5)
	id := e.createStock(req)
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := e.sendOne("oUser"+strconv.Itoa(i), id, "P1")
			mu.Lock()
			codes[item["code"].(string)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes["SUCCESS"] != 5 || codes["NOTENOUGH"] != 15 {
		t.Fatalf("item codes = %v, want 5 SUCCESS and 15 NOTENOUGH", codes)
	}

	code := e.issueTo(t, id)
	statuses := map[int]int{}
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", bf+"coupons/use", useBody(id, code, "U"+strconv.Itoa(i)))
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[400] != 9 {
		t.Errorf("use statuses = %v, want one 200 and nine 400", statuses)
	}
}

// issueTo raises the stock's budget by one and sends a coupon to oLast.
func (e *env) issueTo(t *testing.T, stockID string) string {
	t.Helper()
	g := e.do("GET", bf+"stocks/"+stockID, nil)
	max := g.m["stock_send_rule"].(map[string]any)["max_coupons"].(json.Number)
	n, _ := max.Int64()
	want(t, "raise", e.do("PATCH", bf+"stocks/"+stockID+"/budget", map[string]any{
		"target_max_coupons": n + 1, "current_max_coupons": n, "modify_budget_request_no": "RAISE" + max.String()}), 200, "")
	return e.issue("oLast", stockID, "LAST")
}
