package wechat

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
)

// readCountingCache counts the credential reads that reach the cache.
type readCountingCache struct {
	*cache.Memory
	gets atomic.Int64
}

func (c *readCountingCache) Get(ctx context.Context, key string) (string, bool, error) {
	c.gets.Add(1)
	return c.Memory.Get(ctx, key)
}

func newRecheckEnv(t *testing.T, recheck time.Duration) (*internalEnv, *readCountingCache) {
	t.Helper()
	e := newInternalEnvRecheck(t, recheck)
	counting := &readCountingCache{Memory: e.cache}
	e.c.cache = counting
	return e, counting
}

// age makes the process's copy of the access_token look confirmed d ago.
func (e *internalEnv) age(d time.Duration) {
	e.t.Helper()
	h := e.c.tokens.held.Load()
	if h == nil {
		e.t.Fatal("no token held in process")
	}
	older := *h
	older.confirmed = h.confirmed.Add(-d)
	e.c.tokens.held.Store(&older)
}

func TestTokenServedFromProcessWithinRecheck(t *testing.T) {
	t.Parallel()
	e, counting := newRecheckEnv(t, time.Minute)
	first, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	readsAfterFirst := counting.gets.Load()
	for range 100 {
		got, err := e.c.AccessToken(e.ctx)
		if err != nil || got != first {
			t.Fatalf("AccessToken = %q, %v; want the held %q", got, err, first)
		}
	}
	if n := counting.gets.Load() - readsAfterFirst; n != 0 {
		t.Errorf("100 calls within the recheck window read the cache %d times; want 0", n)
	}
	if got := e.tokenCalls(); got != 1 {
		t.Errorf("cgi-bin/token calls = %d; want 1", got)
	}
}

func TestTokenReplacedElsewhereIsSeenAfterRecheck(t *testing.T) {
	t.Parallel()
	e, counting := newRecheckEnv(t, time.Minute)
	old, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another instance replaced the token in the cache.
	e.put(newEntry("token-from-another-instance", time.Now(), 2*time.Hour))
	if got, _ := e.c.AccessToken(e.ctx); got != old {
		t.Fatalf("within the window AccessToken = %q; want the held %q", got, old)
	}
	e.age(time.Minute)
	before := counting.gets.Load()
	got, err := e.c.AccessToken(e.ctx)
	if err != nil || got != "token-from-another-instance" {
		t.Fatalf("after the window AccessToken = %q, %v; want the cache's newer token", got, err)
	}
	if n := counting.gets.Load() - before; n != 1 {
		t.Errorf("cache reads after the window = %d; want 1", n)
	}
	// Confirmed again: served from the process until the next window ends.
	before = counting.gets.Load()
	if got, _ := e.c.AccessToken(e.ctx); got != "token-from-another-instance" || counting.gets.Load() != before {
		t.Errorf("AccessToken = %q with %d cache reads; want the newer token from the process", got, counting.gets.Load()-before)
	}
}

func TestHeldTokenDueForRefreshIsServedAndReplaced(t *testing.T) {
	t.Parallel()
	e, _ := newRecheckEnv(t, time.Hour)
	old, err := e.c.AccessToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	due := entry{Value: old, ExpiresAt: now.Add(3 * time.Minute), RefreshAt: now.Add(-time.Minute)}
	e.put(due)
	e.c.tokens.remember(due)
	if got, err := e.c.AccessToken(e.ctx); err != nil || got != old {
		t.Fatalf("AccessToken = %q, %v; want the still valid %q", got, err, old)
	}
	fresh := e.waitReplaced(old)
	if got, _ := e.c.AccessToken(e.ctx); got != fresh.Value {
		t.Errorf("AccessToken after the refresh = %q; want the new %q from the process", got, fresh.Value)
	}
	if got := e.tokenCalls(); got != 2 {
		t.Errorf("cgi-bin/token calls = %d; want 2", got)
	}
}

func TestRecheckDisabledReadsCacheEveryCall(t *testing.T) {
	t.Parallel()
	e, counting := newRecheckEnv(t, -1)
	if _, err := e.c.AccessToken(e.ctx); err != nil {
		t.Fatal(err)
	}
	before := counting.gets.Load()
	for range 5 {
		if _, err := e.c.AccessToken(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := counting.gets.Load() - before; n != 5 {
		t.Errorf("cache reads = %d for 5 calls; want 5", n)
	}
}
