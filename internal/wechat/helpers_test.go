package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// Both caches satisfy what the client needs.
var (
	_ wechat.Cache = (*cache.Redis)(nil)
	_ wechat.Cache = (*cache.Memory)(nil)
)

// caches are the shared caches tests run over; each call gives a fresh one.
var caches = []struct {
	name string
	open func(t *testing.T) wechat.Cache
}{
	{"memory", func(t *testing.T) wechat.Cache { return cache.NewMemory() }},
	{"redis", func(t *testing.T) wechat.Cache {
		rdb, prefix := testenv.Redis(t)
		return cache.NewRedisFromClient(rdb, prefix)
	}},
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// emulator is one WeChat emulator behind a loopback server, for one test.
type emulator struct {
	t   *testing.T
	url string
}

func newEmulator(t *testing.T) *emulator {
	t.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	t.Cleanup(srv.Close)
	return &emulator{t: t, url: srv.URL}
}

// driver calls a sandbox/* endpoint and decodes its answer into out.
func (e *emulator) driver(method, path string, in, out any) {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+"/sandbox/"+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("sandbox/%s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var head struct {
		Errcode int `json:"errcode"`
	}
	if err := json.Unmarshal(raw, &head); resp.StatusCode != http.StatusOK || err != nil || head.Errcode != 0 {
		e.t.Fatalf("sandbox/%s = %d %s", path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("sandbox/%s: %v", path, err)
		}
	}
}

// stats returns the calls the emulator received per WeChat path.
func (e *emulator) stats() map[string]int {
	e.t.Helper()
	var out struct {
		Calls map[string]int `json:"calls"`
	}
	e.driver(http.MethodGet, "stats", nil, &out)
	return out.Calls
}

// wantCalls checks the emulator's call counts for the paths in want.
func (e *emulator) wantCalls(want map[string]int) {
	e.t.Helper()
	got := e.stats()
	for path, n := range want {
		if got[path] != n {
			e.t.Errorf("calls to %s = %d; want %d (all: %v)", path, got[path], n, got)
		}
	}
}

type fault struct {
	Path       string `json:"path"`
	Errcode    int    `json:"errcode,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	DelayMS    int    `json:"delay_ms,omitempty"`
	Times      int    `json:"times"`
}

func (e *emulator) fault(f fault) {
	e.t.Helper()
	e.driver(http.MethodPost, "faults", f, nil)
}

func (e *emulator) expire(what string) {
	e.t.Helper()
	e.driver(http.MethodPost, "expire", map[string]string{"what": what}, nil)
}

// login plays wx.login for openid and returns the js_code.
func (e *emulator) login(openid string) string {
	e.t.Helper()
	var out struct {
		Code string `json:"code"`
	}
	e.driver(http.MethodPost, "login", map[string]string{"openid": openid}, &out)
	return out.Code
}

// config is a client configuration for the emulator's accounts.
func (e *emulator) config(c wechat.Cache) wechat.Config {
	return wechat.Config{
		BaseURL: e.url,
		AppID:   sandbox.DefaultAppID, AppSecret: sandbox.DefaultAppSecret,
		MiniAppID: sandbox.DefaultMiniAppID, MiniAppSecret: sandbox.DefaultMiniAppSecret,
		Timeout: 5 * time.Second,
		Cache:   c,
	}
}

func newClient(t *testing.T, cfg wechat.Config) *wechat.Client {
	t.Helper()
	c, err := wechat.New(cfg)
	if err != nil {
		t.Fatalf("wechat.New: %v", err)
	}
	return c
}

// logBuffer collects a client's log lines (all levels) for inspection.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
