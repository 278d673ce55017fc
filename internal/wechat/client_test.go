package wechat_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/wechat"
)

func TestTransientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     fault
		wantCalls int
		wantCode  int  // errcode of the final *Error; 0: success
		wantUnav  bool // want *UnavailableError
	}{
		{name: "errcode -1 once", fault: fault{Errcode: -1, Times: 1}, wantCalls: 2},
		{name: "HTTP 500 once", fault: fault{HTTPStatus: 500, Times: 1}, wantCalls: 2},
		{name: "HTTP 502 twice", fault: fault{HTTPStatus: 502, Times: 2}, wantCalls: 3},
		{name: "errcode -1 every time", fault: fault{Errcode: -1, Times: 10}, wantCalls: 3, wantCode: -1},
		{name: "HTTP 503 every time", fault: fault{HTTPStatus: 503, Times: 10}, wantCalls: 3, wantUnav: true},
		{name: "HTTP 404 is not retried", fault: fault{HTTPStatus: 404, Times: 10}, wantCalls: 1, wantUnav: true},
		{name: "errcode 45009 is not retried", fault: fault{Errcode: 45009, Times: 10}, wantCalls: 1, wantCode: 45009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			emu := newEmulator(t)
			c := newClient(t, emu.config(cache.NewMemory()))
			tt.fault.Path = "card/getcolors"
			emu.fault(tt.fault)
			colors, err := c.GetColors(ctx)
			var (
				we *wechat.Error
				ue *wechat.UnavailableError
			)
			switch {
			case tt.wantCode != 0:
				if !errors.As(err, &we) || we.Code != tt.wantCode {
					t.Errorf("GetColors = %v; want *Error %d", err, tt.wantCode)
				}
			case tt.wantUnav:
				if !errors.As(err, &ue) || ue.API != "card/getcolors" {
					t.Errorf("GetColors = %v; want *UnavailableError for card/getcolors", err)
				}
			default:
				if err != nil || len(colors) == 0 {
					t.Errorf("GetColors = %v, %v; want the colours", colors, err)
				}
			}
			emu.wantCalls(map[string]int{"card/getcolors": tt.wantCalls, "cgi-bin/token": 1})
		})
	}
}

func TestUnretryableErrcodeIsReturnedAtOnce(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))
	_, err := c.GetCard(ctx, "pNoSuchCard0000000000000000")
	var we *wechat.Error
	if !errors.As(err, &we) || we.Code != 40073 || we.API != "card/get" {
		t.Fatalf("GetCard(unknown) = %v; want *Error 40073 from card/get", err)
	}
	if !wechat.IsCode(err, 40056, 40073) || wechat.IsCode(err, 40056) {
		t.Errorf("IsCode does not match errcode %d as it should", we.Code)
	}
	emu.wantCalls(map[string]int{"card/get": 1})
}

func TestDeadlineCoversTheCall(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t) // the whole test; the call must end long before
	emu := newEmulator(t)
	cfg := emu.config(cache.NewMemory())
	cfg.Timeout = 300 * time.Millisecond
	c := newClient(t, cfg)
	if _, err := c.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	emu.fault(fault{Path: "card/getcolors", DelayMS: 10_000, Times: 5})
	start := time.Now()
	_, err := c.GetColors(ctx)
	elapsed := time.Since(start)
	var ue *wechat.UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetColors past its deadline = %v; want *UnavailableError wrapping context.DeadlineExceeded", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("GetColors took %s with a 300ms timeout", elapsed)
	}
	if ctx.Err() != nil {
		t.Fatal("the test's own context ended: the call hung")
	}
}

func TestCallerContextIsHonoured(t *testing.T) {
	t.Parallel()
	emu := newEmulator(t)
	cfg := emu.config(cache.NewMemory())
	cfg.Timeout = time.Second // bounds the shared refresh, which outlives this caller
	c := newClient(t, cfg)
	emu.fault(fault{Path: "cgi-bin/token", DelayMS: 10_000, Times: 5})
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.APITicket(ctx)
	var ue *wechat.UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("APITicket with a short context = %v; want *UnavailableError wrapping context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
		t.Errorf("APITicket took %s with a 200ms context", elapsed)
	}
}

// A closed loopback port: the emulator cannot refuse connections, so this
// test points the client at a port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestTransportErrorsCarryNoCredentials(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	shared := cache.NewMemory()
	// A working instance puts a real access_token in the shared cache.
	token, err := newClient(t, emu.config(shared)).AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{token, "sandbox-secret", "sandbox-mini-secret"}

	var logs logBuffer
	cfg := emu.config(shared)
	cfg.BaseURL = closedPortURL(t)
	cfg.Logger = logs.logger()
	broken := newClient(t, cfg)
	cfgCold := cfg
	cfgCold.Cache = cache.NewMemory() // must fetch a token with the secret in the URL
	cold := newClient(t, cfgCold)

	calls := map[string]func() error{
		"GetCard with a cached token": func() error { _, err := broken.GetCard(ctx, "pCard"); return err },
		"AccessToken on a cold cache": func() error { _, err := cold.AccessToken(ctx); return err },
		"Code2Session":                func() error { _, err := cold.Code2Session(ctx, "js-code-123"); return err },
	}
	for name, call := range calls {
		err := call()
		var ue *wechat.UnavailableError
		if !errors.As(err, &ue) {
			t.Errorf("%s = %v; want *UnavailableError", name, err)
			continue
		}
		texts := []string{err.Error()}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			texts = append(texts, urlErr.Error(), urlErr.URL)
		} else {
			t.Errorf("%s: no *url.Error in the chain of %v", name, err)
		}
		for _, s := range secrets {
			for _, text := range texts {
				if strings.Contains(text, s) {
					t.Errorf("%s: error text %q contains a credential", name, text)
				}
			}
		}
		if strings.Contains(err.Error(), "js-code-123") {
			t.Errorf("%s: error contains the login code", name)
		}
	}
	if !strings.Contains(logs.String(), "card/get") {
		t.Errorf("no debug log of the failed call; logs:\n%s", logs.String())
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("logs contain a credential:\n%s", logs.String())
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	good := wechat.Config{BaseURL: "http://127.0.0.1:1", AppID: "wx1", AppSecret: "s", Cache: cache.NewMemory()}
	tests := []struct {
		name   string
		change func(*wechat.Config)
	}{
		{"no cache", func(c *wechat.Config) { c.Cache = nil }},
		{"no app id", func(c *wechat.Config) { c.AppID = "" }},
		{"no app secret", func(c *wechat.Config) { c.AppSecret = "" }},
		{"base URL without scheme", func(c *wechat.Config) { c.BaseURL = "api.weixin.qq.com" }},
		{"negative timeout", func(c *wechat.Config) { c.Timeout = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			if _, err := wechat.New(cfg); err == nil {
				t.Error("New: no error")
			}
		})
	}
	if _, err := wechat.New(good); err != nil {
		t.Errorf("New(valid config) = %v", err)
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	err := error(&wechat.Error{API: "card/get", Code: 40073, Msg: "invalid card id"})
	if got, want := err.Error(), "wechat card/get: errcode 40073: invalid card id"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	wrapped := &wechat.UnavailableError{API: "card/get", Err: context.DeadlineExceeded}
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("UnavailableError does not unwrap to its cause")
	}
	if wechat.IsCode(nil, 0) || wechat.IsCode(errors.New("x"), 0) {
		t.Error("IsCode matched an error that is not an *Error")
	}
}
