package sandbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

func (e *env) fault(f map[string]any) {
	e.t.Helper()
	if r := e.post("/sandbox/faults", f); r.status != 200 || r.errcode() != 0 {
		e.t.Fatalf("sandbox/faults %v = %d %s", f, r.status, r.body)
	}
}

func TestFaultErrcodeCountsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.token()
	e.fault(map[string]any{"path": "card/getcolors", "errcode": -1, "times": 2})
	for i, want := range []int{-1, -1, 0} {
		r := e.do("GET", "/card/getcolors?access_token="+e.token(), nil)
		if r.status != 200 {
			t.Errorf("call %d status = %d, want 200", i, r.status)
		}
		wantErrcode(t, "getcolors call", r, want)
		if want == -1 && !ridSuffix.MatchString(r.errmsg()) {
			t.Errorf("faulted errmsg = %q, want WeChat's text and a rid", r.errmsg())
		}
	}
	if got := e.stats()["card/getcolors"]; got != 3 {
		t.Errorf("stats card/getcolors = %d, want 3 (faulted calls count)", got)
	}
}

func TestFaultHTTPStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.fault(map[string]any{"path": "/cgi-bin/token", "http_status": 503, "times": 1})
	const path = "/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret"
	if r := e.get(path); r.status != http.StatusServiceUnavailable || r.m != nil {
		t.Errorf("faulted token = %d %q, want 503 with a short text body", r.status, r.body)
	}
	if r := e.get(path); r.status != 200 || r.str("access_token") == "" {
		t.Errorf("token after the fault = %d %s, want a token", r.status, r.body)
	}
}

func TestFaultsQueueInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.fault(map[string]any{"path": "card/get", "errcode": 40001, "times": 1})
	e.fault(map[string]any{"path": "card/get", "errcode": 45009, "times": 2})
	for i, want := range []int{40001, 45009, 45009, 40073} {
		r := e.wx("/card/get", map[string]string{"card_id": "pNone"})
		if got := r.errcode(); got != want {
			t.Errorf("call %d errcode = %d, want %d", i, got, want)
		}
	}
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.token()
	const delay = 300 * time.Millisecond
	e.fault(map[string]any{"path": "card/getcolors", "delay_ms": delay.Milliseconds(), "times": 2})
	e.fault(map[string]any{"path": "card/getcolors", "delay_ms": delay.Milliseconds(), "errcode": -1, "times": 1})
	tests := []struct {
		name    string
		slow    bool
		errcode int
	}{
		{"first delayed call proceeds", true, 0},
		{"second delayed call proceeds", true, 0},
		{"delay then errcode", true, -1},
		{"no fault left", false, 0},
	}
	for _, tt := range tests {
		begin := time.Now()
		r := e.get("/card/getcolors?access_token=" + e.token())
		took := time.Since(begin)
		if tt.slow && took < delay {
			t.Errorf("%s: took %v, want ≥ %v", tt.name, took, delay)
		}
		if !tt.slow && took >= delay {
			t.Errorf("%s: took %v, want no delay", tt.name, took)
		}
		wantErrcode(t, tt.name, r, tt.errcode)
	}
}

func TestFaultDelayStopsWithTheCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	e.fault(map[string]any{"path": "cgi-bin/token", "delay_ms": 10_000, "times": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret", nil)
	begin := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("delayed call answered %d, want the client's timeout", resp.StatusCode)
	}
	// The emulator is not stuck: the next call (fault used up) answers at once,
	// and the server's Close in Cleanup does not wait 10 s.
	if r := e.get("/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret"); r.str("access_token") == "" {
		t.Errorf("token after the abandoned call = %s", r.body)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("took %v, want the delay abandoned with the caller", took)
	}
}

func TestFaultRequestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tests := []struct {
		name string
		body any
		want int
	}{
		{"malformed JSON", `{"path":`, 47001},
		{"no path", map[string]any{"errcode": -1, "times": 1}, 41011},
		{"no times", map[string]any{"path": "card/get", "errcode": -1}, 41011},
		{"no effect", map[string]any{"path": "card/get", "times": 1}, 41011},
		{"driver path", map[string]any{"path": "sandbox/stats", "errcode": -1, "times": 1}, 40097},
		{"unknown path", map[string]any{"path": "card/nope", "errcode": -1, "times": 1}, 40097},
		{"errcode and http_status", map[string]any{"path": "card/get", "errcode": -1, "http_status": 500, "times": 1}, 40097},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.post("/sandbox/faults", tt.body)
			if r.status != 400 {
				t.Errorf("status = %d, want 400", r.status)
			}
			wantErrcode(t, tt.name, r, tt.want)
		})
	}
}

func TestStatsAndReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	if got := e.stats(); len(got) != 0 {
		t.Errorf("stats at start = %v, want none", got)
	}
	e.newToken()
	e.newToken()
	e.newTicket()
	e.wx("/card/get", map[string]string{"card_id": "pNone"})
	e.post("/card/get", `{}`) // no token: still a call
	e.post("/sandbox/login", map[string]string{"openid": "oA"})
	want := map[string]int{"cgi-bin/token": 2, "cgi-bin/ticket/getticket": 1, "card/get": 2}
	got := e.stats()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stats[%s] = %d, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stats = %v, want only %v (driver calls are not counted)", got, want)
	}

	card := e.createCard(nil)
	e.fault(map[string]any{"path": "card/get", "errcode": -1, "times": 5})
	if r := e.post("/sandbox/reset", nil); r.errcode() != 0 || r.status != 200 {
		t.Fatalf("sandbox/reset = %d %s", r.status, r.body)
	}
	if got := e.stats(); len(got) != 0 {
		t.Errorf("stats after reset = %v, want none", got)
	}
	wantErrcode(t, "old token after reset", probe(e, e.token()), 40014)
	e.newToken()
	wantErrcode(t, "card after reset (no fault left)", e.wx("/card/get", map[string]string{"card_id": card}), 40073)
}
