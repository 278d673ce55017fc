package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
)

func TestFaultsAndStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	path := "v3/marketing/busifavor/stocks"
	for _, f := range []map[string]any{
		{"path": path, "http_status": 500, "times": 2},
		{"path": "/" + path, "code": "FREQUENCY_LIMITED", "times": 1},
		{"path": path, "http_status": 503, "code": "SERVICE_UNAVAILABLE", "times": 1},
	} {
		if r := e.driver("POST", "faults", f); r.status != 200 {
			t.Fatalf("faults %v = %d %s", f, r.status, r.body)
		}
	}
	req := stockRequest("NORMAL")
	want(t, "fault 1", e.do("POST", bf+"stocks", req), 500, "SYSTEM_ERROR")
	want(t, "fault 2", e.do("POST", bf+"stocks", req), 500, "SYSTEM_ERROR")
	want(t, "fault 3", e.do("POST", bf+"stocks", req), 429, "FREQUENCY_LIMITED")
	want(t, "fault 4", e.do("POST", bf+"stocks", req), 503, "SERVICE_UNAVAILABLE")
	// Faulted calls did nothing: the retry with the same number creates.
	id := e.createStock(req)
	// Other paths were never faulted.
	want(t, "get", e.do("GET", bf+"stocks/"+id, nil), 200, "")

	r := e.driver("GET", "stats", nil)
	calls := r.m["calls"].(map[string]any)
	if calls[path] != json.Number("5") || calls[path+"/"+id] != json.Number("1") {
		t.Errorf("stats = %s", r.body)
	}

	for _, bad := range []map[string]any{
		{"path": "sandbox/pay/stats", "http_status": 500, "times": 1},
		{"path": path, "http_status": 500},
		{"path": path, "times": 1},
		{"path": path, "http_status": 200, "times": 1},
		{"path": path + "?x=1", "http_status": 500, "times": 1},
	} {
		if r := e.driver("POST", "faults", bad); r.status != 400 {
			t.Errorf("faults %v = %d, want 400", bad, r.status)
		}
	}
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.driver("POST", "faults", map[string]any{"path": "v3/marketing/busifavor/callbacks", "delay_ms": 5000, "times": 1})
	// A caller that gives up is not kept waiting for the delay.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+bf+"callbacks", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("delayed call answered before its delay")
	}
	// The fault was used up: the next call is answered (and still needs a
	// signature).
	want(t, "after the delay fault", e.do("GET", bf+"callbacks", nil), 200, "")
}

// receiver is a notification endpoint that verifies and decrypts what it
// gets, failing the first `fail` deliveries.
type receiver struct {
	mu       sync.Mutex
	fail     int
	attempts int
	got      []map[string]any
	errs     []string
}

func (rc *receiver) handler(t *testing.T, e *env) http.Handler {
	key := []byte(e.emu.Merchant().APIv3Key)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.attempts++
		if err := e.verifier.VerifyNotification(r.Header, body); err != nil {
			rc.errs = append(rc.errs, err.Error())
			w.WriteHeader(401)
			return
		}
		if rc.fail > 0 {
			rc.fail--
			w.WriteHeader(500)
			return
		}
		n, err := wechatpay.ParseNotification(body)
		if err != nil || n.EventType != "COUPON.SEND" || n.ResourceType != "encrypt-resource" {
			rc.errs = append(rc.errs, "envelope "+string(body))
			w.WriteHeader(400)
			return
		}
		plain, err := wechatpay.DecryptResource(key, n.Resource)
		if err != nil {
			rc.errs = append(rc.errs, err.Error())
			w.WriteHeader(400)
			return
		}
		var res map[string]any
		_ = json.Unmarshal(plain, &res)
		res["id"] = n.ID
		rc.got = append(rc.got, res)
		w.WriteHeader(204)
	})
}

func TestCouponSendNotification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{NotifyRetryDelays: []time.Duration{time.Millisecond, time.Millisecond}})
	rc := &receiver{fail: 1}
	srv := httptest.NewServer(rc.handler(t, e))
	defer srv.Close()

	// No URL yet: a send makes no notification.
	req := stockRequest("NORMAL")
	set(req, "stock_send_rule/max_coupons_per_user", 3)
	set(req, "notify_config/notify_appid", appID)
	id := e.createStock(req)
	e.issue("oA", id, "P0")

	r := e.do("POST", bf+"callbacks", map[string]any{"mchid": sandbox.DefaultMchID, "notify_url": srv.URL + "/wechatpay/callback"})
	want(t, "set callbacks", r, 200, "")
	if g := e.do("GET", bf+"callbacks?mchid="+sandbox.DefaultMchID, nil); g.str("notify_url") != srv.URL+"/wechatpay/callback" {
		t.Errorf("get callbacks = %s", g.body)
	}
	want(t, "short url", e.do("POST", bf+"callbacks", map[string]any{"notify_url": "http://a"}), 400, "PARAM_ERROR")
	want(t, "other merchant", e.do("POST", bf+"callbacks", map[string]any{"mchid": "1900000002", "notify_url": srv.URL + "/x"}), 400, "INVALID_REQUEST")

	code := e.issue("oA", id, "P1")
	if err := e.emu.WaitNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 || len(rc.got) != 1 || rc.attempts != 2 {
		t.Fatalf("receiver: %d attempts, got %v, errors %v", rc.attempts, rc.got, rc.errs)
	}
	res := rc.got[0]
	if res["event_type"] != "EVENT_TYPE_BUSICOUPON_SEND" || res["coupon_code"] != code || res["stock_id"] != id ||
		res["openid"] != "oA" || res["send_channel"] != "BUSICOUPON_SEND_CHANNEL_MINIAPP" || res["send_merchant"] != sandbox.DefaultMchID {
		t.Errorf("resource = %v", res)
	}
	n := e.driver("GET", "notifications", nil).m["notifications"].([]any)
	if len(n) != 1 || n[0].(map[string]any)["delivered"] != true || n[0].(map[string]any)["attempts"] != json.Number("2") {
		t.Errorf("notifications = %v", n)
	}
}

func TestNotificationWithoutNotifyAppIDHasNoOpenID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	rc := &receiver{}
	srv := httptest.NewServer(rc.handler(t, e))
	defer srv.Close()
	e.do("POST", bf+"callbacks", map[string]any{"notify_url": srv.URL + "/cb"})
	id := e.createStock(stockRequest("NORMAL"))
	e.issue("oA", id, "P1")
	if err := e.emu.WaitNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) != 1 || rc.got[0]["openid"] != nil {
		t.Errorf("got %v (errors %v), want one resource without openid", rc.got, rc.errs)
	}
}

func TestCallbacksWithoutMarketingPush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{MarketingPushDisabled: true})
	want(t, "callbacks", e.do("POST", bf+"callbacks", map[string]any{"notify_url": "https://example.com/cb"}), 403, "NO_AUTH")
}

func TestMerchantDriver(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	r := e.driver("GET", "merchant", nil)
	m := e.emu.Merchant()
	if r.str("mchid") != m.MchID || r.str("serial_no") != m.SerialNo || r.str("private_key") != m.PrivateKeyPEM ||
		r.str("public_key_id") != m.PublicKeyID || r.str("public_key") != m.PublicKeyPEM || r.str("apiv3_key") != m.APIv3Key ||
		r.str("apiv2_key") != m.APIv2Key || r.str("appid") != sandbox.DefaultAppID {
		t.Errorf("merchant = %s", r.body)
	}
	// The keys work: the private key signs what the emulator accepts.
	if _, err := wechatpay.ParsePrivateKey([]byte(r.str("private_key"))); err != nil {
		t.Error(err)
	}
	e.createStock(stockRequest("NORMAL"))
	e.driver("POST", "reset", nil)
	if calls := e.driver("GET", "stats", nil).m["calls"].(map[string]any); len(calls) != 0 {
		t.Errorf("stats after reset = %v", calls)
	}
}

func TestSignTestProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	rc := &receiver{}
	srv := httptest.NewServer(rc.handler(t, e))
	defer srv.Close()
	want(t, "no url", e.driver("POST", "signtest", nil), 400, "PARAM_ERROR")
	e.do("POST", bf+"callbacks", map[string]any{"notify_url": srv.URL + "/cb"})
	r := e.driver("POST", "signtest", nil)
	if r.status != 200 || r.num("http_status") != 401 {
		t.Errorf("probe = %d %s, want the receiver's 401", r.status, r.body)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) != 1 || len(rc.got) != 0 {
		t.Errorf("receiver got %v, errors %v; want the probe refused", rc.got, rc.errs)
	}
}
