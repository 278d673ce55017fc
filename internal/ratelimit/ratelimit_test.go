package ratelimit_test

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/ratelimit"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// deadRedis is a real Redis client pointed at a port nobody listens on.
func deadRedis(t *testing.T) *cache.Redis {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return cache.NewRedisFromClient(c, "dead:")
}

func liveRedis(t *testing.T) *cache.Redis {
	t.Helper()
	c, prefix := testenv.Redis(t)
	return cache.NewRedisFromClient(c, prefix)
}

// onEveryRedis runs f as a subtest over one node and over testenv's Sentinel
// set, Cluster and TLS node.
func onEveryRedis(t *testing.T, f func(t *testing.T, live *cache.Redis)) {
	t.Helper()
	t.Run("single", func(t *testing.T) {
		t.Parallel()
		f(t, liveRedis(t))
	})
	for _, kind := range testenv.Topologies {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, cache.NewRedisFromClient(testenv.SharedRedis(t, kind).Client(t), testenv.RandomName("coupon-test-")+":"))
		})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedRedis()
	os.Exit(code)
}

// With the shared cache down, the limiter keeps limiting in process instead
// of letting everything through.
func TestLimiterFallsBackWhenSharedCacheIsDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 10, 0, 1, 0, time.UTC)
	clock := func() time.Time { return now }
	l := ratelimit.New(ratelimit.NewFallback(deadRedis(t), cache.NewMemory(), nil, clock), 3, clock)
	for i := 0; i < 3; i++ {
		ok, _, err := l.Allow(ctx, "login:10.0.0.1")
		if !ok || err != nil {
			t.Fatalf("request %d = %v, %v; want allowed", i+1, ok, err)
		}
	}
	ok, retry, err := l.Allow(ctx, "login:10.0.0.1")
	if ok || err != nil || retry <= 0 {
		t.Fatalf("4th request with Redis down = %v, %v, %v; want refused until the minute ends", ok, retry, err)
	}
	if ok, _, _ := l.Allow(ctx, "login:10.0.0.2"); !ok {
		t.Error("another key refused")
	}
}

// The raw Redis store fails open today; this is what Fallback guards against.
func TestLimiterOnDeadRedisAloneReportsTheError(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(deadRedis(t), 1, nil)
	if _, _, err := l.Allow(context.Background(), "k"); err == nil {
		t.Fatal("Allow on a dead Redis = nil error, want the failure reported")
	}
}

// With the shared cache up, counts are shared: two fallbacks (two replicas)
// over one Redis see each other's counts.
func TestFallbackSharesCountsWhenUp(t *testing.T) {
	t.Parallel()
	onEveryRedis(t, testFallbackSharesCountsWhenUp)
}

func testFallbackSharesCountsWhenUp(t *testing.T, shared *cache.Redis) {
	ctx := context.Background()
	a := ratelimit.New(ratelimit.NewFallback(shared, cache.NewMemory(), nil, nil), 2, nil)
	b := ratelimit.New(ratelimit.NewFallback(shared, cache.NewMemory(), nil, nil), 2, nil)
	// Keep the three requests inside one fixed minute.
	if s := time.Now().Second(); s >= 58 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	for _, l := range []*ratelimit.Limiter{a, b} {
		if ok, _, err := l.Allow(ctx, "k"); !ok || err != nil {
			t.Fatalf("Allow = %v, %v", ok, err)
		}
	}
	if ok, _, _ := a.Allow(ctx, "k"); ok {
		t.Error("third request across two replicas allowed, want the shared count to refuse it")
	}
}

// Failures blocks a key after the limit, counts per key, and falls back to
// process memory when Redis is down.
func TestFailuresBlockAndCount(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 3, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	t.Run("redis down", func(t *testing.T) {
		t.Parallel()
		testFailuresBlockAndCount(t, ratelimit.NewFallback(deadRedis(t), cache.NewMemory(), nil, clock), clock)
	})
	onEveryRedis(t, func(t *testing.T, live *cache.Redis) { testFailuresBlockAndCount(t, live, clock) })
}

func testFailuresBlockAndCount(t *testing.T, store ratelimit.Store, clock func() time.Time) {
	ctx := context.Background()
	f := ratelimit.NewFailures(store, 3, 15*time.Minute, clock)
	for i := 0; i < 3; i++ {
		if blocked, _, err := f.Blocked(ctx, "pair"); blocked || err != nil {
			t.Fatalf("blocked after %d failures = %v, %v", i, blocked, err)
		}
		if err := f.Fail(ctx, "pair"); err != nil {
			t.Fatal(err)
		}
	}
	blocked, retry, err := f.Blocked(ctx, "pair")
	if !blocked || err != nil || retry != 27*time.Minute {
		t.Errorf("after 3 failures: blocked %v, retry %s, %v; want blocked until the next window ends, in 27 minutes", blocked, retry, err)
	}
	if n, err := f.Count(ctx, "pair"); n != 3 || err != nil {
		t.Errorf("Count = %d, %v; want 3", n, err)
	}
	if n, err := f.Count(ctx, "other"); n != 0 || err != nil {
		t.Errorf("Count(other) = %d, %v; want 0", n, err)
	}
}

// Failures that straddle a window's end still add up: 3 failures within a
// few minutes block, whichever windows they fall in, and the block lifts once
// the older ones drop out.
func TestFailuresAcrossWindowEnd(t *testing.T) {
	t.Parallel()
	onEveryRedis(t, testFailuresAcrossWindowEnd)
}

func testFailuresAcrossWindowEnd(t *testing.T, live *cache.Redis) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 10, 14, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := ratelimit.NewFailures(live, 3, 15*time.Minute, clock)
	for _, at := range []string{"10:14:00", "10:14:50", "10:15:10"} {
		now, _ = time.Parse("2006-01-02 15:04:05", "2026-01-01 "+at)
		if err := f.Fail(ctx, "pair"); err != nil {
			t.Fatal(err)
		}
	}
	blocked, retry, err := f.Blocked(ctx, "pair")
	if !blocked || err != nil || retry != 14*time.Minute+50*time.Second {
		t.Fatalf("3 failures across 10:15 = blocked %v for %s (%v); want blocked until 10:30", blocked, retry, err)
	}
	if n, _ := f.Count(ctx, "pair"); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	now = now.Add(15 * time.Minute) // 10:30:10: the 10:14 failures are out
	if blocked, _, _ := f.Blocked(ctx, "pair"); blocked {
		t.Error("still blocked once the older failures dropped out")
	}
}
