package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// These tests put cache entries in states that take hours to reach with
// WeChat's clock (due for refresh, another instance mid-refresh), so they
// write the cache directly; WeChat is still the emulator. The client reads the
// cache on every call (no recheck window) unless a test says otherwise.

type internalEnv struct {
	t     *testing.T
	ctx   context.Context
	url   string
	cache *cache.Memory
	c     *Client
}

func newInternalEnv(t *testing.T) *internalEnv {
	t.Helper()
	return newInternalEnvRecheck(t, -1)
}

func newInternalEnvRecheck(t *testing.T, recheck time.Duration) *internalEnv {
	t.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	m := cache.NewMemory()
	c, err := New(Config{BaseURL: srv.URL, AppID: sandbox.DefaultAppID, AppSecret: sandbox.DefaultAppSecret,
		Timeout: 2 * time.Second, Cache: m, CredentialRecheck: recheck})
	if err != nil {
		t.Fatal(err)
	}
	return &internalEnv{t: t, ctx: ctx, url: srv.URL, cache: m, c: c}
}

func (e *internalEnv) tokenCalls() int {
	e.t.Helper()
	resp, err := http.Get(e.url + "/sandbox/stats")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Calls map[string]int `json:"calls"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Calls[apiToken]
}

// put stores an access_token entry as another instance would.
func (e *internalEnv) put(en entry) {
	e.t.Helper()
	raw, _ := json.Marshal(en)
	if err := e.cache.Set(e.ctx, e.c.tokens.key, string(raw), time.Hour); err != nil {
		e.t.Fatal(err)
	}
}

func (e *internalEnv) lockHeld(ttl time.Duration) func(context.Context) error {
	e.t.Helper()
	unlock, ok, err := e.cache.TryLock(e.ctx, e.c.tokens.lockKey, ttl)
	if err != nil || !ok {
		e.t.Fatalf("TryLock = %v, %v", ok, err)
	}
	return unlock
}

func TestTokenDueForRefreshIsReplacedAhead(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	old, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.put(entry{Value: old, ExpiresAt: now.Add(3 * time.Minute), RefreshAt: now.Add(-time.Minute)})
	// Still valid: the caller gets it at once, and the refresh runs meanwhile.
	if got, err := e.c.AccessToken(e.ctx); err != nil || got != old {
		t.Fatalf("AccessToken = %q, %v; want the still valid %q", got, err, old)
	}
	stored := e.waitReplaced(old)
	fresh, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old || fresh != stored.Value {
		t.Errorf("AccessToken after the refresh = %q; want the new %q", fresh, stored.Value)
	}
	if got := e.tokenCalls(); got != 2 {
		t.Errorf("cgi-bin/token calls = %d; want 2", got)
	}
	if life := time.Until(stored.ExpiresAt); life < time.Hour || life > 2*time.Hour {
		t.Errorf("stored token expires in %s; want a little under 2h", life)
	}
	if ahead := stored.ExpiresAt.Sub(stored.RefreshAt); ahead < 5*time.Minute {
		t.Errorf("refresh %s before expiry; want at least 5 minutes", ahead)
	}
}

func TestFailingRefreshAheadNeitherBlocksNorRepeats(t *testing.T) {
	t.Parallel()
	for _, f := range []struct {
		name             string
		errcode, delayMS int
	}{
		{"daily quota spent", 45009, 0},
		{"slower than the timeout", 0, 3000},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			e := newInternalEnv(t)
			old, err := e.c.AccessToken(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			e.put(entry{Value: old, ExpiresAt: now.Add(3 * time.Minute), RefreshAt: now.Add(-time.Minute)})
			e.fault(apiToken, f.errcode, f.delayMS, 100)
			start := time.Now()
			for range 20 {
				if got, err := e.c.AccessToken(e.ctx); err != nil || got != old {
					t.Fatalf("AccessToken = %q, %v; want the still valid %q", got, err, old)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("20 calls took %s: callers waited for the refresh", d)
			}
			time.Sleep(2500 * time.Millisecond) // the one background attempt ends (2 s timeout)
			if got := e.tokenCalls(); got != 2 {
				t.Errorf("cgi-bin/token calls = %d for 20 calls in the refresh window; want 2 (one attempt ahead)", got)
			}
		})
	}
}

// waitReplaced waits for the cache to hold an access_token other than old.
func (e *internalEnv) waitReplaced(old string) entry {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		raw, _, _ := e.cache.Get(e.ctx, e.c.tokens.key)
		var stored entry
		if json.Unmarshal([]byte(raw), &stored) == nil && stored.Value != "" && stored.Value != old {
			return stored
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("cache still holds %q; want a new token", raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fault makes the emulator's next times calls to path fail.
func (e *internalEnv) fault(path string, errcode, delayMS, times int) {
	e.t.Helper()
	f := map[string]any{"path": path, "times": times}
	if errcode != 0 {
		f["errcode"] = errcode
	}
	if delayMS != 0 {
		f["delay_ms"] = delayMS
	}
	body, _ := json.Marshal(f)
	resp, err := http.Post(e.url+"/sandbox/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("sandbox/faults: %s", resp.Status)
	}
}

func TestTokenDueWhileAnotherRefreshesKeepsValidOne(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	old, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.put(entry{Value: old, ExpiresAt: now.Add(3 * time.Minute), RefreshAt: now.Add(-time.Minute)})
	e.lockHeld(time.Minute) // another instance is refreshing
	start := time.Now()
	got, err := e.c.AccessToken(e.ctx)
	if err != nil || got != old {
		t.Fatalf("AccessToken = %v; want the still-valid token", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("AccessToken waited %s for the other refresher; want no wait", waited)
	}
	if got := e.tokenCalls(); got != 1 {
		t.Errorf("cgi-bin/token calls = %d; want 1", got)
	}
}

func TestMissingTokenWaitsForAnotherInstancesRefresh(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	unlock := e.lockHeld(time.Minute)
	go func() {
		time.Sleep(150 * time.Millisecond)
		e.put(newEntry("token-from-another-instance", time.Now(), 7200*time.Second))
		_ = unlock(context.Background())
	}()
	got, err := e.c.AccessToken(e.ctx)
	if err != nil || got != "token-from-another-instance" {
		t.Fatalf("AccessToken = %q, %v; want the other instance's token", got, err)
	}
	if got := e.tokenCalls(); got != 0 {
		t.Errorf("cgi-bin/token calls = %d; want 0", got)
	}
}

func TestLockLeftByCrashedInstanceIsTakenOver(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	e.lockHeld(200 * time.Millisecond) // never released: its lease runs out
	got, err := e.c.AccessToken(e.ctx)
	if err != nil || got == "" {
		t.Fatalf("AccessToken = %q, %v; want a token once the lease ran out", got, err)
	}
	if got := e.tokenCalls(); got != 1 {
		t.Errorf("cgi-bin/token calls = %d; want 1", got)
	}
}

func TestReplaceUsesNewerTokenFromCache(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	e.put(newEntry("newer-token", time.Now(), 7200*time.Second))
	got, err := e.c.tokens.refresh(e.ctx, "rejected-token")
	if err != nil || got != "newer-token" {
		t.Fatalf("replace = %q, %v; want the newer token already cached", got, err)
	}
	if got := e.tokenCalls(); got != 0 {
		t.Errorf("cgi-bin/token calls = %d; want 0", got)
	}
	// Replacing the token the cache holds fetches a new one.
	fresh, err := e.c.tokens.refresh(e.ctx, "newer-token")
	if err != nil || fresh == "newer-token" || fresh == "" {
		t.Fatalf("replace(cached) = %q, %v; want a new token", fresh, err)
	}
	if got := e.tokenCalls(); got != 1 {
		t.Errorf("cgi-bin/token calls = %d; want 1", got)
	}
}

func TestUnreadableCacheEntryIsReplaced(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	if err := e.cache.Set(e.ctx, e.c.tokens.key, "not json", time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := e.c.AccessToken(e.ctx); err != nil || got == "" {
		t.Fatalf("AccessToken = %q, %v", got, err)
	}
}

func TestNewEntry(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		life          time.Duration
		wantRefreshAt time.Duration // after start
	}{
		{7200 * time.Second, 7200*time.Second - 720*time.Second}, // 10% of 2h
		{600 * time.Second, 300 * time.Second},                   // 5 minutes
		{60 * time.Second, 30 * time.Second},                     // half of a short life
	}
	for _, tt := range tests {
		e := newEntry("v", start, tt.life)
		if got := e.RefreshAt.Sub(start); got != tt.wantRefreshAt {
			t.Errorf("life %s: refresh after %s; want %s", tt.life, got, tt.wantRefreshAt)
		}
		if !e.ExpiresAt.After(e.RefreshAt) || e.ExpiresAt.After(start.Add(tt.life)) {
			t.Errorf("life %s: expires at +%s; want after the refresh point and within the life", tt.life, e.ExpiresAt.Sub(start))
		}
	}
}
