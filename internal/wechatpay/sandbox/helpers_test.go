package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

var utc8 = time.FixedZone("CST", 8*3600)

// start is 2025-06-01 10:00 UTC+8.
var start = time.Date(2025, 6, 1, 10, 0, 0, 0, utc8)

// fakeClock is the emulator's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is one emulator behind an httptest server, a fake clock, and a small
// signing client built from the wechatpay primitives.
type env struct {
	t        *testing.T
	url      string
	clock    *fakeClock
	emu      *sandbox.Emulator
	verifier *wechatpay.Verifier
}

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	clock := &fakeClock{t: start}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	emu := sandbox.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	pub, err := wechatpay.ParsePublicKey([]byte(emu.Merchant().PublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: srv.URL, clock: clock, emu: emu,
		verifier: &wechatpay.Verifier{KeyID: emu.Merchant().PublicKeyID, Key: pub, Now: clock.Now}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
	m      map[string]any
}

func (r reply) code() string { s, _ := r.m["code"].(string); return s }

func (r reply) str(key string) string { s, _ := r.m[key].(string); return s }

// num reads a numeric field of the answer.
func (r reply) num(key string) int64 {
	n, _ := r.m[key].(json.Number)
	v, _ := n.Int64()
	return v
}

// jsonBody is b as bytes: []byte and string as they are, anything else
// marshalled.
func jsonBody(t *testing.T, b any) []byte {
	t.Helper()
	switch v := b.(type) {
	case nil:
		return nil
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// do sends a signed request (pathQuery as sent, e.g. /v3/…?a=b) and checks
// the answer is signed by WeChat Pay's key.
func (e *env) do(method, pathQuery string, body any) reply {
	e.t.Helper()
	return e.doWith(method, pathQuery, jsonBody(e.t, body), nil)
}

// doWith signs the request, lets tamper change it, sends it and checks the
// answer's signature.
func (e *env) doWith(method, pathQuery string, body []byte, tamper func(r *http.Request, a *wechatpay.Authorization)) reply {
	e.t.Helper()
	key, err := wechatpay.ParsePrivateKey([]byte(e.emu.Merchant().PrivateKeyPEM))
	if err != nil {
		e.t.Fatal(err)
	}
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	a, err := wechatpay.SignRequest(key, e.emu.Merchant().MchID, e.emu.Merchant().SerialNo, method, pathQuery, ts, wechatpay.NewNonce(), body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.url+pathQuery, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "*/*")
	if tamper != nil {
		tamper(req, &a)
	}
	req.Header.Set("Authorization", a.String())
	return e.send(req, true)
}

// send sends req and reads the answer; verify checks its signature.
func (e *env) send(req *http.Request, verify bool) reply {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: b}
	if len(b) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&r.m); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %q", req.Method, req.URL, b)
		}
	}
	if verify {
		if err := e.verifier.Verify(wechatpay.HeadersFrom(resp.Header), b); err != nil {
			e.t.Errorf("%s %s: answer not signed by WeChat Pay's key: %v", req.Method, req.URL.Path, err)
		}
		if resp.Header.Get("Request-ID") == "" {
			e.t.Errorf("%s %s: no Request-ID", req.Method, req.URL.Path)
		}
	}
	return r
}

// driver calls a sandbox/pay/ endpoint (unsigned).
func (e *env) driver(method, path string, body any) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+"/sandbox/pay/"+path, bytes.NewReader(jsonBody(e.t, body)))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(req, false)
}

// want fails unless r has the status and, for errors, the code.
func want(t *testing.T, what string, r reply, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("%s: got %d %s (%s), want %d %s", what, r.status, r.code(), r.body, status, code)
	}
}

const bf = "/v3/marketing/busifavor/"

// stockRequest is a valid create request for stockType, starting now and
// ending in 30 days, with a fresh out_request_no.
func stockRequest(stockType string) map[string]any {
	rule := map[string]any{
		"coupon_available_time": map[string]any{
			"available_begin_time": start.Format(time.RFC3339),
			"available_end_time":   start.AddDate(0, 0, 30).Format(time.RFC3339),
		},
		"use_method": "OFF_LINE",
	}
	switch stockType {
	case "NORMAL":
		rule["fixed_normal_coupon"] = map[string]any{"discount_amount": 100, "transaction_minimum": 1000}
	case "DISCOUNT":
		rule["discount_coupon"] = map[string]any{"discount_percent": 88, "transaction_minimum": 1000}
	case "EXCHANGE":
		rule["exchange_coupon"] = map[string]any{"exchange_price": 200, "transaction_minimum": 201}
	}
	return map[string]any{
		"stock_name":       "满10减1",
		"belong_merchant":  sandbox.DefaultMchID,
		"goods_name":       "全场通用",
		"stock_type":       stockType,
		"coupon_use_rule":  rule,
		"stock_send_rule":  map[string]any{"max_coupons": 100, "max_coupons_per_user": 1},
		"out_request_no":   "REQ" + strconv.FormatInt(time.Now().UnixNano(), 10),
		"coupon_code_mode": "WECHATPAY_MODE",
	}
}

// set puts v at the slash-separated path of m, making objects on the way;
// v == deleteMark deletes the key.
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, "/")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if v == deleteMark {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = v
}

type deleteMarker struct{}

var deleteMark = deleteMarker{}

// createStock creates a stock and returns its id.
func (e *env) createStock(req map[string]any) string {
	e.t.Helper()
	r := e.do("POST", bf+"stocks", req)
	want(e.t, "create stock", r, 200, "")
	id := r.str("stock_id")
	if id == "" {
		e.t.Fatalf("create answered no stock_id: %s", r.body)
	}
	return id
}

// sendCoupons plays the plugin for openid with a correct sign.
func (e *env) sendCoupons(openid string, items ...wechatpay.PluginCoupon) reply {
	e.t.Helper()
	m := e.emu.Merchant()
	return e.driver("POST", "send-coupon", map[string]any{
		"openid": openid, "send_coupon_params": items, "send_coupon_merchant": m.MchID,
		"sign": wechatpay.PluginSign(m.MchID, items, m.APIv2Key),
	})
}

// sendOne sends one coupon of stockID and returns its item result.
func (e *env) sendOne(openid, stockID, outRequestNo string) map[string]any {
	e.t.Helper()
	r := e.sendCoupons(openid, wechatpay.PluginCoupon{StockID: stockID, OutRequestNo: outRequestNo})
	if r.status != 200 || r.str("errcode") != "OK" {
		e.t.Fatalf("send-coupon: %d %s", r.status, r.body)
	}
	return r.m["send_coupon_result"].([]any)[0].(map[string]any)
}

// issue sends one coupon and returns its code, failing unless it succeeded.
func (e *env) issue(openid, stockID, outRequestNo string) string {
	e.t.Helper()
	item := e.sendOne(openid, stockID, outRequestNo)
	if item["code"] != "SUCCESS" {
		e.t.Fatalf("send-coupon item: %v", item)
	}
	return item["coupon_code"].(string)
}

var _ = wechatpaytest.MchID

// httpBody is s as a request body and its length.
func httpBody(s string) (io.ReadCloser, int64) {
	return io.NopCloser(strings.NewReader(s)), int64(len(s))
}
