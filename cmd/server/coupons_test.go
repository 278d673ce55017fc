package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// 商家券 to users through HTTP: MariaDB, Redis and the standalone emulator
// playing the send-coupon plugin (sandbox/pay/send-coupon).

type sendParamsJSON struct {
	SendCouponParams []struct {
		StockID      string `json:"stock_id"`
		OutRequestNo string `json:"out_request_no"`
	} `json:"send_coupon_params"`
	SendCouponMerchant string `json:"send_coupon_merchant"`
	Sign               string `json:"sign"`
}

type sendResultJSON struct {
	StockID      string `json:"stock_id"`
	OutRequestNo string `json:"out_request_no"`
	CouponCode   string `json:"coupon_code"`
	Code         string `json:"code"`
}

type confirmedJSON struct {
	Coupons []struct {
		StockID    string    `json:"stock_id"`
		CouponCode string    `json:"coupon_code"`
		Status     string    `json:"status"`
		Error      *apiError `json:"error"`
	} `json:"coupons"`
}

func (m *payMerchant) sendParams(t *testing.T, token string, stockIDs ...string) sendParamsJSON {
	t.Helper()
	items := make([]map[string]string, len(stockIDs))
	for i, id := range stockIDs {
		items[i] = map[string]string{"stock_id": id}
	}
	r := call(t, "POST", m.base+"/api/v1/send-coupon-params", token, map[string]any{"stocks": items})
	mustStatus(t, r, 200)
	var p sendParamsJSON
	r.decode(t, &p)
	return p
}

// plugin plays the <send-coupon> plugin for openid with the server's params.
func (m *payMerchant) plugin(t *testing.T, openid string, p sendParamsJSON) []sendResultJSON {
	t.Helper()
	r := call(t, "POST", m.wx+"/sandbox/pay/send-coupon", "", map[string]any{"openid": openid,
		"send_coupon_params": p.SendCouponParams, "send_coupon_merchant": p.SendCouponMerchant, "sign": p.Sign})
	mustStatus(t, r, 200)
	var out struct {
		Errcode          string           `json:"errcode"`
		SendCouponResult []sendResultJSON `json:"send_coupon_result"`
	}
	r.decode(t, &out)
	if out.Errcode != "OK" {
		t.Fatalf("plugin = %s, want errcode OK", r.body)
	}
	return out.SendCouponResult
}

func (m *payMerchant) confirm(t *testing.T, token string, results []sendResultJSON) (reply, confirmedJSON) {
	t.Helper()
	r := call(t, "POST", m.base+"/api/v1/coupons/confirm", token, map[string]any{"send_coupon_result": results})
	var c confirmedJSON
	if r.status == 200 {
		r.decode(t, &c)
	}
	return r, c
}

// issueCoupon sends one coupon of stockID to openid and confirms it.
func (m *payMerchant) issueCoupon(t *testing.T, openid, stockID string) (token, code string) {
	t.Helper()
	token = mintToken(t, openid, service.RoleUser)
	res := m.plugin(t, openid, m.sendParams(t, token, stockID))
	if len(res) != 1 || res[0].Code != "SUCCESS" {
		t.Fatalf("plugin result %+v, want one SUCCESS", res)
	}
	r, c := m.confirm(t, token, res)
	mustStatus(t, r, 200)
	if len(c.Coupons) != 1 || c.Coupons[0].Error != nil || c.Coupons[0].Status != "issued" {
		t.Fatalf("confirm = %s, want one issued coupon", r.body)
	}
	return token, res[0].CouponCode
}

type myCouponJSON struct {
	StockID    string `json:"stock_id"`
	CouponCode string `json:"coupon_code"`
	Status     string `json:"status"`
	StockName  string `json:"stock_name"`
}

func (m *payMerchant) myCoupons(t *testing.T, token string) []myCouponJSON {
	t.Helper()
	r := call(t, "GET", m.base+"/api/v1/me/coupons", token, nil)
	mustStatus(t, r, 200)
	var out struct{ Coupons []myCouponJSON }
	r.decode(t, &out)
	return out.Coupons
}

// stockCoupons is the number of coupons recorded for a stock.
func (m *payMerchant) stockCoupons(t *testing.T, stockID string) int {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/stocks/"+stockID+"/coupons", m.admin, nil)
	mustStatus(t, r, 200)
	var out struct{ Total int }
	r.decode(t, &out)
	return out.Total
}

type couponLookUpJSON struct {
	Status     string `json:"status"`
	CanConsume bool   `json:"can_consume"`
	Record     struct {
		Status string `json:"status"`
		OpenID string `json:"openid"`
	} `json:"record"`
}

func (m *payMerchant) lookUpCoupon(t *testing.T, stockID, code string) couponLookUpJSON {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/coupons/"+code+"?stock_id="+stockID, m.clerk, nil)
	mustStatus(t, r, 200)
	var v couponLookUpJSON
	r.decode(t, &v)
	return v
}

func consumeCoupon(t *testing.T, base, token, stockID, code string) reply {
	t.Helper()
	return call(t, "POST", base+"/admin/v1/coupons/"+code+"/consume", token, map[string]string{"stock_id": stockID})
}

func TestCoupons(t *testing.T) {
	t.Parallel()
	m := startPayMerchant(t, nil)
	stockA, _ := m.createStock(t, stockBody("NORMAL"))
	stockB, _ := m.createStock(t, stockBody("DISCOUNT"))
	t.Run("whole flow", func(t *testing.T) { testCouponFlow(t, m, stockA, stockB) })
	t.Run("forged results", func(t *testing.T) { testCouponForged(t, m, stockA) })
	t.Run("notifications", func(t *testing.T) { testCouponNotifications(t, m, stockA) })
	t.Run("expiry by look-up", func(t *testing.T) { testCouponExpiry(t, m, stockA) })
	t.Run("reveal", func(t *testing.T) { testCouponReveal(t, m, stockA) })
	t.Run("faults", func(t *testing.T) { testCouponFaults(t, m, stockB) })
}

func testCouponFlow(t *testing.T, m *payMerchant, stockA, stockB string) {
	r := call(t, "GET", m.base+"/api/v1/stocks", mintToken(t, "o-flow", service.RoleUser), nil)
	mustStatus(t, r, 200)
	var listed struct {
		Stocks []struct {
			StockID string `json:"stock_id"`
		}
	}
	r.decode(t, &listed)
	found := map[string]bool{}
	for _, s := range listed.Stocks {
		found[s.StockID] = true
	}
	if !found[stockA] || !found[stockB] {
		t.Fatalf("GET /api/v1/stocks = %s, want %s and %s", r.body, stockA, stockB)
	}

	// Two stocks in one plugin call.
	token := mintToken(t, "o-flow", service.RoleUser)
	p := m.sendParams(t, token, stockA, stockB)
	if len(p.SendCouponParams) != 2 || p.SendCouponMerchant != m.mchID || len(p.Sign) != 64 {
		t.Fatalf("params = %+v", p)
	}
	// The sign is §4.1's over exactly these parameters.
	items := make([]wechatpay.PluginCoupon, len(p.SendCouponParams))
	for i, it := range p.SendCouponParams {
		items[i] = wechatpay.PluginCoupon{StockID: it.StockID, OutRequestNo: it.OutRequestNo}
	}
	if want := wechatpay.PluginSign(m.mchID, items, wechatpaytest.APIv2Key); p.Sign != want {
		t.Fatalf("sign = %s, want %s", p.Sign, want)
	}
	if p.SendCouponParams[0].OutRequestNo == p.SendCouponParams[1].OutRequestNo {
		t.Fatal("one out_request_no for two stocks")
	}
	res := m.plugin(t, "o-flow", p)
	r, c := m.confirm(t, token, res)
	mustStatus(t, r, 200)
	if len(c.Coupons) != 2 || c.Coupons[0].Status != "issued" || c.Coupons[1].Status != "issued" {
		t.Fatalf("confirm = %s, want two issued", r.body)
	}
	// Both were checked with one list of the user's coupons (one signed call).
	list := m.payCalls(t, "v3/marketing/busifavor/users/o-flow/coupons")
	gets := 0
	for _, it := range res {
		gets += m.payCalls(t, "v3/marketing/busifavor/users/o-flow/coupons/"+it.CouponCode+"/appids/wxsandboxmini")
	}
	if list != 1 || gets != 0 {
		t.Fatalf("WeChat Pay calls for a two-coupon confirm: %d lists, %d gets; want 1 list", list, gets)
	}
	// Idempotent: confirming again records nothing new.
	r, c = m.confirm(t, token, res)
	mustStatus(t, r, 200)
	if c.Coupons[0].Error != nil || m.stockCoupons(t, stockA) != 1 {
		t.Fatalf("second confirm = %s, %d records of stock A, want the same coupon once", r.body, m.stockCoupons(t, stockA))
	}
	mine := m.myCoupons(t, token)
	if len(mine) != 2 {
		t.Fatalf("my coupons = %+v, want 2", mine)
	}
	code := res[0].CouponCode

	// The clerk looks it up and consumes it once.
	v := m.lookUpCoupon(t, stockA, code)
	if !v.CanConsume || v.Status != "issued" || v.Record.OpenID != "o-flow" {
		t.Fatalf("look-up = %+v, want issued, can_consume, openid o-flow", v)
	}
	mustStatus(t, consumeCoupon(t, m.base, m.clerk, stockA, code), 200)
	r = consumeCoupon(t, m.base, m.clerk, stockA, code)
	wantError(t, r, 409, "conflict", "")
	if v := m.lookUpCoupon(t, stockA, code); v.CanConsume || v.Status != "consumed" || v.Record.Status != "consumed" {
		t.Fatalf("look-up after consume = %+v", v)
	}
	// A clerk may not return; an admin may, and the coupon can be used again.
	r = call(t, "POST", m.base+"/admin/v1/coupons/"+code+"/return", m.clerk, map[string]string{"stock_id": stockA})
	wantError(t, r, 403, "forbidden", "")
	r = call(t, "POST", m.base+"/admin/v1/coupons/"+code+"/return", m.admin, map[string]string{"stock_id": stockA})
	mustStatus(t, r, 200)
	var rec struct{ Status string }
	r.decode(t, &rec)
	if rec.Status != "issued" {
		t.Fatalf("return = %s, want issued", r.body)
	}
	mustStatus(t, consumeCoupon(t, m.base, m.clerk, stockA, code), 200)
	wantError(t, consumeCoupon(t, m.base, m.clerk, stockA, code), 409, "conflict", "")

	// Deactivate the other one; it cannot be consumed afterwards.
	codeB := res[1].CouponCode
	r = call(t, "POST", m.base+"/admin/v1/coupons/"+codeB+"/deactivate", m.admin, map[string]string{"stock_id": stockB, "reason": "测试"})
	mustStatus(t, r, 200)
	e := wantError(t, consumeCoupon(t, m.base, m.clerk, stockB, codeB), 409, "conflict", "")
	_ = e
	mine = m.myCoupons(t, token)
	statuses := map[string]string{}
	for _, c := range mine {
		statuses[c.CouponCode] = c.Status
	}
	if statuses[code] != "consumed" || statuses[codeB] != "unavailable" {
		t.Fatalf("my coupons = %+v, want consumed and unavailable", mine)
	}

	// WeChat Pay calls and notifications are counted, without secrets.
	r = call(t, "GET", m.base+"/metrics", "", nil)
	mustStatus(t, r, 200)
	if !bytes.Contains(r.body, []byte(`wechatpay_calls_total{api="busifavor/coupons/use",code="OK"}`)) {
		t.Errorf("/metrics has no count of coupons/use calls")
	}
	if bytes.Contains(r.body, []byte(wechatpaytest.APIv3Key)) || bytes.Contains(r.body, []byte(wechatpaytest.APIv2Key)) {
		t.Errorf("/metrics shows a key")
	}

	// Audit trail has the consumption.
	r = call(t, "GET", m.base+"/admin/v1/audit", m.admin, nil)
	if !bytes.Contains(r.body, []byte("coupon.consume")) {
		t.Errorf("audit = %s, want coupon.consume entries", r.body)
	}
}

func testCouponForged(t *testing.T, m *payMerchant, stock string) {
	_, codeA := m.issueCoupon(t, "o-alice", stock)
	before := m.stockCoupons(t, stock)
	bob := mintToken(t, "o-bob", service.RoleUser)
	p := m.sendParams(t, bob, stock)
	// Bob claims Alice's coupon with an out_request_no issued to him.
	r, c := m.confirm(t, bob, []sendResultJSON{{StockID: stock, OutRequestNo: p.SendCouponParams[0].OutRequestNo, CouponCode: codeA, Code: "SUCCESS"}})
	mustStatus(t, r, 200)
	if c.Coupons[0].Error == nil || c.Coupons[0].Error.Code != "code_not_owned" {
		t.Fatalf("confirm of another user's coupon = %s, want code_not_owned", r.body)
	}
	// A made-up coupon and an out_request_no never issued.
	r, c = m.confirm(t, bob, []sendResultJSON{{StockID: stock, OutRequestNo: "made-up", CouponCode: "1234567890123456789012", Code: "SUCCESS"}})
	mustStatus(t, r, 200)
	if c.Coupons[0].Error == nil || c.Coupons[0].Error.Code != "code_not_owned" {
		t.Fatalf("confirm of a made-up coupon = %s, want code_not_owned", r.body)
	}
	// Bob really gets one, but posts Alice's out_request_no (not his).
	pA := m.sendParams(t, mintToken(t, "o-alice", service.RoleUser), stock)
	res := m.plugin(t, "o-bob", p)
	res[0].OutRequestNo = pA.SendCouponParams[0].OutRequestNo
	r, c = m.confirm(t, bob, res)
	mustStatus(t, r, 200)
	if c.Coupons[0].Error == nil || c.Coupons[0].Error.Code != "code_not_owned" {
		t.Fatalf("confirm with another user's out_request_no = %s, want code_not_owned", r.body)
	}
	if got := m.stockCoupons(t, stock); got != before {
		t.Fatalf("records = %d, want %d (nothing stored)", got, before)
	}
	if mine := m.myCoupons(t, bob); len(mine) != 0 {
		t.Fatalf("bob's coupons = %+v, want none", mine)
	}
}

// notification is a COUPON.SEND signed with key and encrypted with apiV3Key.
func notification(t *testing.T, id, stockID, code, openid string, key string, apiV3Key string) ([]byte, http.Header) {
	t.Helper()
	plain, _ := json.Marshal(wechatpay.CouponSendEvent{EventType: "EVENT_TYPE_BUSICOUPON_SEND", CouponCode: code,
		StockID: stockID, OpenID: openid, SendChannel: "BUSIFAVOR_MINIPROGRAM", SendMerchant: wechatpaytest.MchID})
	res, err := wechatpay.EncryptResource([]byte(apiV3Key), "busifavor", "busifavor", "abcdefghijkl", plain)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(wechatpay.Notification{ID: id, CreateTime: time.Now().Format(time.RFC3339),
		ResourceType: "encrypt-resource", EventType: "COUPON.SEND", Summary: "商家券领券通知", Resource: res})
	return body, signNotification(t, body, key)
}

func signNotification(t *testing.T, body []byte, keyPEM string) http.Header {
	t.Helper()
	pk, err := wechatpay.ParsePrivateKey([]byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := wechatpay.SignResponse(pk, wechatpaytest.PublicKeyID, strconv.FormatInt(time.Now().Unix(), 10), "nonce-"+strconv.Itoa(len(body)), body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	sh.Set(h)
	return h
}

func postNotification(t *testing.T, base string, body []byte, h http.Header) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/wechatpay/callback", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func testCouponNotifications(t *testing.T, m *payMerchant, stock string) {
	// No callbacks URL is set at the emulator: the test delivers the notifications.
	openid := "o-notify"
	token := mintToken(t, openid, service.RoleUser)
	res := m.plugin(t, openid, m.sendParams(t, token, stock))
	code := res[0].CouponCode
	before := m.stockCoupons(t, stock)

	// Before the confirm.
	body, h := notification(t, "N-1", stock, code, openid, wechatpaytest.PlatformPrivateKeyPEM, wechatpaytest.APIv3Key)
	if st := postNotification(t, m.base, body, h); st != 204 {
		t.Fatalf("notification = %d, want 204", st)
	}
	r, c := m.confirm(t, token, res)
	mustStatus(t, r, 200)
	if c.Coupons[0].Error != nil {
		t.Fatalf("confirm after the notification = %s", r.body)
	}
	// Replayed, and another id for the same coupon: still one record.
	if st := postNotification(t, m.base, body, h); st != 204 {
		t.Fatalf("replay = %d, want 204", st)
	}
	body2, h2 := notification(t, "N-2", stock, code, openid, wechatpaytest.PlatformPrivateKeyPEM, wechatpaytest.APIv3Key)
	if st := postNotification(t, m.base, body2, h2); st != 204 {
		t.Fatalf("second notification = %d, want 204", st)
	}
	if got := m.stockCoupons(t, stock); got != before+1 {
		t.Fatalf("records = %d, want %d", got, before+1)
	}

	// After the confirm: another coupon confirmed first, then notified.
	_, code2 := m.issueCoupon(t, "o-notify2", stock)
	body3, h3 := notification(t, "N-3", stock, code2, "o-notify2", wechatpaytest.PlatformPrivateKeyPEM, wechatpaytest.APIv3Key)
	if st := postNotification(t, m.base, body3, h3); st != 204 {
		t.Fatalf("notification after confirm = %d", st)
	}
	if got := m.stockCoupons(t, stock); got != before+2 {
		t.Fatalf("records = %d, want %d", got, before+2)
	}

	// Forged: a coupon the notification would record if it were believed.
	n := m.stockCoupons(t, stock)
	forge := func(id string) ([]byte, http.Header) {
		return notification(t, id, stock, "9999999999999999999999", "o-forger", wechatpaytest.PlatformPrivateKeyPEM, wechatpaytest.APIv3Key)
	}
	b, hh := forge("F-1")
	tampered := bytes.Replace(b, []byte("F-1"), []byte("F-9"), 1)
	if st := postNotification(t, m.base, tampered, hh); st != 401 {
		t.Errorf("bad signature = %d, want 401", st)
	}
	b, _ = forge("F-2")
	if st := postNotification(t, m.base, b, signNotification(t, b, wechatpaytest.MerchantPrivateKeyPEM)); st != 401 {
		t.Errorf("wrong key = %d, want 401", st)
	}
	b, _ = notification(t, "F-3", stock, "9999999999999999999999", "o-forger", wechatpaytest.PlatformPrivateKeyPEM, "0123456789abcdef0123456789abcdef")
	if st := postNotification(t, m.base, b, signNotification(t, b, wechatpaytest.PlatformPrivateKeyPEM)); st != 400 {
		t.Errorf("ciphertext that does not open = %d, want 400", st)
	}
	if got := m.stockCoupons(t, stock); got != n {
		t.Errorf("records after forged notifications = %d, want %d", got, n)
	}
	// An event type the service does not handle.
	var env map[string]any
	b, _ = forge("U-1")
	_ = json.Unmarshal(b, &env)
	env["event_type"] = "COUPON.SOMETHING"
	b, _ = json.Marshal(env)
	if st := postNotification(t, m.base, b, signNotification(t, b, wechatpaytest.PlatformPrivateKeyPEM)); st != 204 {
		t.Errorf("unknown event type = %d, want 204", st)
	}
	if got := m.stockCoupons(t, stock); got != n {
		t.Errorf("records after an unknown event = %d, want %d", got, n)
	}
	r = call(t, "GET", m.base+"/metrics", "", nil)
	for _, want := range []string{`wechatpay_notifications_total{result="bad_signature"}`, `wechatpay_notifications_total{result="unreadable"}`, `wechatpay_notifications_total{result="recorded"}`} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func testCouponExpiry(t *testing.T, m *payMerchant, stock string) {
	_, code := m.issueCoupon(t, "o-expiry", stock)
	mustStatus(t, call(t, "POST", m.wx+"/sandbox/pay/expire-coupon", "", map[string]string{"stock_id": stock, "coupon_code": code}), 200)
	v := m.lookUpCoupon(t, stock, code)
	if v.Status != "expired" || v.Record.Status != "expired" || v.CanConsume {
		t.Fatalf("look-up after expiry = %+v, want expired, recorded, not consumable", v)
	}
	wantError(t, consumeCoupon(t, m.base, m.clerk, stock, code), 409, "conflict", "")

	// Deleted in the wallet: learned from the user's list.
	token, code2 := m.issueCoupon(t, "o-expiry", stock)
	mustStatus(t, call(t, "POST", m.wx+"/sandbox/pay/delete-coupon", "", map[string]string{"openid": "o-expiry", "stock_id": stock, "coupon_code": code2}), 200)
	for _, c := range m.myCoupons(t, token) {
		if c.CouponCode == code2 && c.Status != "deleted" {
			t.Fatalf("my coupon after deletion = %+v, want deleted", c)
		}
	}
}

func testCouponReveal(t *testing.T, m *payMerchant, stock string) {
	token, code := m.issueCoupon(t, "o-reveal", stock)
	r := call(t, "POST", m.wx+"/sandbox/pay/coupon-link", "", map[string]string{"openid": "o-reveal", "stock_id": stock, "coupon_code": code})
	mustStatus(t, r, 200)
	var link map[string]string
	r.decode(t, &link)
	body := map[string]string{"stock_id": stock, "nonce": link["nonce"], "associate": link["associate"], "ciphertext": link["ciphertext"]}
	r = call(t, "POST", m.base+"/api/v1/coupons/reveal", token, body)
	mustStatus(t, r, 200)
	var got struct {
		CouponCode string `json:"coupon_code"`
		Status     string `json:"status"`
	}
	r.decode(t, &got)
	if got.CouponCode != code || got.Status != "issued" {
		t.Fatalf("reveal = %s, want %s issued", r.body, code)
	}
	r = call(t, "POST", m.base+"/api/v1/coupons/reveal", mintToken(t, "o-other", service.RoleUser), body)
	wantError(t, r, 403, "code_not_owned", "")
	if bytes.Contains(r.body, []byte(code)) {
		t.Errorf("another user's reveal answers the code: %s", r.body)
	}

	// A coupon never confirmed (its result and notification lost): WeChat Pay
	// says whose it is, and the holder's reveal records it.
	res := m.plugin(t, "o-reveal", m.sendParams(t, token, stock))
	r = call(t, "POST", m.wx+"/sandbox/pay/coupon-link", "", map[string]string{"openid": "o-reveal", "stock_id": stock, "coupon_code": res[0].CouponCode})
	mustStatus(t, r, 200)
	r.decode(t, &link)
	body = map[string]string{"stock_id": stock, "nonce": link["nonce"], "associate": link["associate"], "ciphertext": link["ciphertext"]}
	wantError(t, call(t, "POST", m.base+"/api/v1/coupons/reveal", mintToken(t, "o-other", service.RoleUser), body), 403, "code_not_owned", "")
	before := m.stockCoupons(t, stock)
	r = call(t, "POST", m.base+"/api/v1/coupons/reveal", token, body)
	mustStatus(t, r, 200)
	if got := m.stockCoupons(t, stock); got != before+1 {
		t.Fatalf("records after the holder's reveal = %d, want %d", got, before+1)
	}
}

func testCouponFaults(t *testing.T, m *payMerchant, stock string) {
	_, code := m.issueCoupon(t, "o-faults", stock)
	// Three attempts (the client's retries) fail: one consume's worth.
	m.fault(t, map[string]any{"path": "v3/marketing/busifavor/coupons/use", "http_status": 500, "times": 3})
	r := consumeCoupon(t, m.base, m.clerk, stock, code)
	if c := r.errCode(); (r.status != 502 && r.status != 503 && r.status != 504) || (c != "upstream_error" && c != "upstream_unavailable") {
		t.Fatalf("consume while WeChat Pay fails = %d %s, want upstream_*", r.status, r.body)
	}
	// The retry is the same request: consumed once.
	mustStatus(t, consumeCoupon(t, m.base, m.clerk, stock, code), 200)
	wantError(t, consumeCoupon(t, m.base, m.clerk, stock, code), 409, "conflict", "")
	// A refusal is passed on with WeChat Pay's code.
	_, code2 := m.issueCoupon(t, "o-faults", stock)
	m.fault(t, map[string]any{"path": "v3/marketing/busifavor/coupons/use", "code": "NO_AUTH", "http_status": 403, "times": 1})
	r = consumeCoupon(t, m.base, m.clerk, stock, code2)
	if e := r.apiError(t); r.status < 400 || e.Details["wechatpay_code"] != "NO_AUTH" {
		t.Errorf("consume refused by WeChat Pay = %d %s, want its code in details", r.status, r.body)
	}
	// Unknown coupon → 404.
	r = consumeCoupon(t, m.base, m.clerk, stock, "1111111111111111111111")
	e := wantError(t, r, 404, "not_found", "")
	if e.Details["wechatpay_code"] != "RESOURCE_NOT_EXISTS" {
		t.Errorf("unknown coupon details = %v, want wechatpay_code RESOURCE_NOT_EXISTS", e.Details)
	}
}

// Twenty clerks on two replicas consume one coupon: exactly one 200.
func TestCouponConsumeReplicas(t *testing.T) {
	t.Parallel()
	wx := emulator(t)
	env := merchantEnv(t, wx)
	mchID := payEnv(t, wx, env)
	m := &payMerchant{merchant: &merchant{server: startServer(t, env),
		admin: mintToken(t, prodAdminUser, service.RoleAdmin)}, wx: wx, mchID: mchID}
	m.clerk = m.addClerk(t) // merchant tokens belong to real accounts
	env2 := map[string]string{}
	for k, v := range env {
		env2[k] = v
	}
	second := startServer(t, env2)
	stock, _ := m.createStock(t, stockBody("NORMAL"))
	_, code := m.issueCoupon(t, "o-race", stock)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := m.base
			if i%2 == 1 {
				base = second.base
			}
			statuses[i] = consumeCoupon(t, base, m.clerk, stock, code).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("a consume answered %d, want 200 or 409", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d consumes answered 200, want exactly 1 (%v)", ok, statuses)
	}
	if n := m.payCalls(t, "v3/marketing/busifavor/coupons/use"); n < 1 {
		t.Fatalf("coupons/use calls = %d", n)
	}
}

// payEnv adds the emulator's WeChat Pay merchant to env, as startPayMerchant
// does, and returns its mchid.
func payEnv(t *testing.T, wx string, env map[string]string) string {
	t.Helper()
	r := call(t, "GET", wx+"/sandbox/pay/merchant", "", nil)
	mustStatus(t, r, 200)
	var mc map[string]string
	r.decode(t, &mc)
	for k, f := range map[string]string{"WECHATPAY_MCH_ID": "mchid", "WECHATPAY_MCH_SERIAL_NO": "serial_no",
		"WECHATPAY_MCH_PRIVATE_KEY": "private_key", "WECHATPAY_PUBLIC_KEY_ID": "public_key_id", "WECHATPAY_PUBLIC_KEY": "public_key",
		"WECHATPAY_APIV3_KEY": "apiv3_key", "WECHATPAY_APIV2_KEY": "apiv2_key"} {
		env[k] = mc[f]
	}
	env["WECHATPAY_API_BASE"] = wx
	return mc["mchid"]
}

// Sandbox mode: the in-process WeChat Pay emulator pushes COUPON.SEND to the
// server's own callback, which records the coupon without any confirm.
func TestCouponSandboxNotifiesItself(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	m := &payMerchant{merchant: &merchant{server: s, admin: admin, clerk: admin}, wx: s.wx}
	stock, _ := m.createStock(t, stockBody("NORMAL"))
	token := s.userLogin(t, "o-sandbox")
	res := m.plugin(t, "o-sandbox", m.sendParams(t, token, stock))
	if len(res) != 1 || res[0].Code != "SUCCESS" {
		t.Fatalf("plugin = %+v", res)
	}
	deadline := time.Now().Add(30 * time.Second)
	for m.stockCoupons(t, stock) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the emulator's COUPON.SEND was not recorded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The confirm finds the same record.
	r, c := m.confirm(t, token, res)
	mustStatus(t, r, 200)
	if c.Coupons[0].Error != nil || m.stockCoupons(t, stock) != 1 {
		t.Fatalf("confirm after the notification = %s", r.body)
	}
}
