package wechat_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat"
)

func TestAccessTokenIsCached(t *testing.T) {
	t.Parallel()
	for _, cc := range caches {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			emu := newEmulator(t)
			c := newClient(t, emu.config(cc.open(t)))
			first, err := c.AccessToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			second, err := c.AccessToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if first == "" || first != second {
				t.Fatalf("AccessToken twice = %q, %q; want the same, non-empty", first, second)
			}
			emu.wantCalls(map[string]int{"cgi-bin/token": 1})
		})
	}
}

// concurrentTickets asks for the api_ticket n times at once, spread over the
// clients, and checks that all got the same one.
func concurrentTickets(t *testing.T, n int, clients ...*wechat.Client) {
	t.Helper()
	ctx := testCtx(t)
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		mu     sync.Mutex
		seen   = map[string]int{}
		failed atomic.Int32
	)
	for i := range n {
		c := clients[i%len(clients)]
		wg.Go(func() {
			<-start
			ticket, err := c.APITicket(ctx)
			if err != nil {
				if failed.Add(1) == 1 {
					t.Errorf("APITicket: %v", err)
				}
				return
			}
			mu.Lock()
			seen[ticket]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d APITicket calls failed", failed.Load(), n)
	}
	if len(seen) != 1 {
		t.Fatalf("got %d different tickets; want 1", len(seen))
	}
}

func TestColdCacheOneRefreshPerProcess(t *testing.T) {
	t.Parallel()
	for _, cc := range caches {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			emu := newEmulator(t)
			c := newClient(t, emu.config(cc.open(t)))
			concurrentTickets(t, 50, c)
			emu.wantCalls(map[string]int{"cgi-bin/token": 1, "cgi-bin/ticket/getticket": 1})
		})
	}
}

// Three instances (Clients) share one cache and one WeChat, as replicas do.
func TestColdCacheOneRefreshAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, cc := range caches {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			emu := newEmulator(t)
			shared := cc.open(t)
			clients := []*wechat.Client{
				newClient(t, emu.config(shared)),
				newClient(t, emu.config(shared)),
				newClient(t, emu.config(shared)),
			}
			concurrentTickets(t, 300, clients...)
			emu.wantCalls(map[string]int{"cgi-bin/token": 1, "cgi-bin/ticket/getticket": 1})
		})
	}
}

func TestExpiredTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	var logs logBuffer
	cfg := emu.config(caches[0].open(t))
	cfg.Logger = logs.logger()
	c := newClient(t, cfg)
	old, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emu.expire("access_token") // calls with it now answer 42001

	if _, err := c.GetColors(ctx); err != nil {
		t.Fatalf("GetColors after the token expired: %v", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 2, "card/getcolors": 2})
	fresh, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old {
		t.Error("AccessToken still returns the expired token")
	}
	if _, err := c.GetColors(ctx); err != nil {
		t.Fatal(err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 2, "card/getcolors": 3})
	for _, tok := range []string{old, fresh} {
		if strings.Contains(logs.String(), tok) {
			t.Error("a log line contains an access_token")
		}
	}
}

func TestRejectedTokenIsReplacedAndCallRepeatedOnce(t *testing.T) {
	t.Parallel()
	for _, code := range []int{40001, 40014, 42001} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			emu := newEmulator(t)
			c := newClient(t, emu.config(caches[0].open(t)))
			if _, err := c.AccessToken(ctx); err != nil {
				t.Fatal(err)
			}
			emu.fault(fault{Path: "card/getcolors", Errcode: code, Times: 1})
			if _, err := c.GetColors(ctx); err != nil {
				t.Fatalf("GetColors after one %d: %v", code, err)
			}
			emu.wantCalls(map[string]int{"cgi-bin/token": 2, "card/getcolors": 2})
		})
	}
}

func TestRejectedTokenIsNotRetriedTwice(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(caches[0].open(t)))
	emu.fault(fault{Path: "card/getcolors", Errcode: 40001, Times: 5})
	_, err := c.GetColors(ctx)
	var we *wechat.Error
	if !errors.As(err, &we) || we.Code != 40001 || we.API != "card/getcolors" {
		t.Fatalf("GetColors with a token always rejected = %v; want *Error 40001 from card/getcolors", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 2, "card/getcolors": 2})
}

// getticket answering 40001 makes the client replace the access_token too.
func TestTicketFetchReplacesRejectedToken(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(caches[0].open(t)))
	emu.fault(fault{Path: "cgi-bin/ticket/getticket", Errcode: 40001, Times: 1})
	if _, err := c.APITicket(ctx); err != nil {
		t.Fatal(err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 2, "cgi-bin/ticket/getticket": 2})
}

func TestWrongSecretIsAnError(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	cfg := emu.config(caches[0].open(t))
	cfg.AppSecret = "wrong-secret-value"
	c := newClient(t, cfg)
	_, err := c.APITicket(ctx)
	if !wechat.IsCode(err, 40125) {
		t.Fatalf("APITicket with a wrong secret = %v; want errcode 40125", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error %q contains the secret", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 1, "cgi-bin/ticket/getticket": 0})
}

func TestHooks(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	var (
		mu        sync.Mutex
		calls     = map[string][]int{}
		refreshed []string
	)
	cfg := emu.config(caches[0].open(t))
	cfg.Hooks = wechat.Hooks{
		OnCall: func(api string, errcode int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			calls[api] = append(calls[api], errcode)
		},
		OnRefresh: func(what string) {
			mu.Lock()
			defer mu.Unlock()
			refreshed = append(refreshed, what)
		},
	}
	c := newClient(t, cfg)
	if _, err := c.APITicket(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCard(ctx, "pUnknownCard"); !wechat.IsCode(err, 40073) {
		t.Fatalf("GetCard(unknown) = %v; want 40073", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string][]int{"cgi-bin/token": {0}, "cgi-bin/ticket/getticket": {0}, "card/get": {40073}}
	for api, codes := range want {
		if !slices.Equal(calls[api], codes) {
			t.Errorf("OnCall(%s) errcodes = %v; want %v", api, calls[api], codes)
		}
	}
	if !slices.Equal(refreshed, []string{"access_token", "api_ticket"}) {
		t.Errorf("OnRefresh = %v; want [access_token api_ticket]", refreshed)
	}
}
