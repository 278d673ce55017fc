package cache_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// kv is the method set under contract.
type kv = cache.Store

// stores are the implementations the contract runs over; each call makes a
// fresh, empty store for one test.
var stores = []struct {
	name string
	open func(t *testing.T) kv
}{
	{"redis", func(t *testing.T) kv {
		rdb, prefix := testenv.Redis(t)
		return cache.NewRedisFromClient(rdb, prefix)
	}},
	// The same contract on a Sentinel set, a Cluster and TLS (testenv's
	// private redis-servers, shared by the package's tests).
	{"redis-sentinel", topology(testenv.TopologySentinel)},
	{"redis-cluster", topology(testenv.TopologyCluster)},
	{"redis-tls", topology(testenv.TopologyTLS)},
	{"memory", func(t *testing.T) kv {
		m := cache.NewMemory()
		t.Cleanup(func() { _ = m.Close() })
		return m
	}},
}

func topology(kind string) func(t *testing.T) kv {
	return func(t *testing.T) kv {
		return cache.NewRedisFromClient(testenv.SharedRedis(t, kind).Client(t), testenv.RandomName("coupon-test-")+":")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedRedis()
	os.Exit(code)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// contract runs f over every store, in parallel.
func contract(t *testing.T, f func(t *testing.T, ctx context.Context, s kv)) {
	t.Helper()
	t.Parallel()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			f(t, testCtx(t), st.open(t))
		})
	}
}

func mustGet(t *testing.T, ctx context.Context, s kv, key string) (string, bool) {
	t.Helper()
	v, ok, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v, ok
}

func TestGetSet(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if v, ok := mustGet(t, ctx, s, "missing"); ok {
			t.Fatalf("Get(missing) = %q, true; want not found", v)
		}
		if err := s.Set(ctx, "k", "v1", time.Minute); err != nil {
			t.Fatal(err)
		}
		if v, ok := mustGet(t, ctx, s, "k"); !ok || v != "v1" {
			t.Fatalf("Get(k) = %q, %v; want v1, true", v, ok)
		}
		if err := s.Set(ctx, "k", `{"value":"中文 <&>"}`, time.Minute); err != nil {
			t.Fatal(err)
		}
		if v, _ := mustGet(t, ctx, s, "k"); v != `{"value":"中文 <&>"}` {
			t.Fatalf("Get(k) after overwrite = %q", v)
		}
	})
}

func TestSetRejectsNonPositiveTTL(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := s.Set(ctx, "k", "v", ttl); err == nil {
				t.Errorf("Set with ttl %s: no error", ttl)
			}
		}
	})
}

func TestExpiry(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if err := s.Set(ctx, "short", "v", 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, "long", "v", time.Minute); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if v, ok := mustGet(t, ctx, s, "short"); ok {
			t.Errorf("Get(short) after its ttl = %q, true; want gone", v)
		}
		if _, ok := mustGet(t, ctx, s, "long"); !ok {
			t.Error("Get(long) = not found; want it still there")
		}
	})
}

func TestDelete(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if err := s.Set(ctx, "k", "v", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if _, ok := mustGet(t, ctx, s, "k"); ok {
			t.Error("Get after Delete found the key")
		}
		if err := s.Delete(ctx, "never-set"); err != nil {
			t.Errorf("Delete(missing) = %v; want nil", err)
		}
	})
}

func TestLockExclusive(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		unlock, ok, err := s.TryLock(ctx, "lock", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first TryLock = %v, %v; want ok", ok, err)
		}
		if _, ok, err := s.TryLock(ctx, "lock", time.Minute); err != nil || ok {
			t.Fatalf("second TryLock = %v, %v; want not ok", ok, err)
		}
		if err := unlock(ctx); err != nil {
			t.Fatal(err)
		}
		unlock2, ok, err := s.TryLock(ctx, "lock", time.Minute)
		if err != nil || !ok {
			t.Fatalf("TryLock after unlock = %v, %v; want ok", ok, err)
		}
		if err := unlock2(ctx); err != nil {
			t.Fatal(err)
		}
		if err := unlock2(ctx); err != nil {
			t.Errorf("second unlock = %v; want nil", err)
		}
	})
}

func TestLockManyGoroutinesOneWins(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		const n = 50
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				_, ok, err := s.TryLock(ctx, "contended", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d goroutines took the lock; want exactly 1", got)
		}
	})
}

func TestLockExpires(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if _, ok, err := s.TryLock(ctx, "lease", 100*time.Millisecond); err != nil || !ok {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		time.Sleep(300 * time.Millisecond)
		if _, ok, err := s.TryLock(ctx, "lease", time.Minute); err != nil || !ok {
			t.Fatalf("TryLock after the lease ran out = %v, %v; want ok", ok, err)
		}
	})
}

func TestUnlockOfStolenLockKeepsNewHolder(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		unlockOld, ok, err := s.TryLock(ctx, "lease", 100*time.Millisecond)
		if err != nil || !ok {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		time.Sleep(300 * time.Millisecond)
		unlockNew, ok, err := s.TryLock(ctx, "lease", time.Minute)
		if err != nil || !ok {
			t.Fatalf("new holder's TryLock = %v, %v", ok, err)
		}
		if err := unlockOld(ctx); err != nil {
			t.Fatalf("old holder's unlock: %v", err)
		}
		if _, ok, err := s.TryLock(ctx, "lease", time.Minute); err != nil || ok {
			t.Fatalf("TryLock after the old holder's unlock = %v, %v; want still held by the new holder", ok, err)
		}
		if err := unlockNew(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.TryLock(ctx, "lease", time.Minute); err != nil || !ok {
			t.Fatalf("TryLock after the new holder's unlock = %v, %v; want ok", ok, err)
		}
	})
}

func TestIncrFixedWindow(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		const window = time.Second
		for want := int64(1); want <= 3; want++ {
			got, err := s.Incr(ctx, "hits", window)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("Incr #%d = %d; want %d", want, got, want)
			}
		}
		// A later increment does not move the window's end.
		time.Sleep(400 * time.Millisecond)
		if got, err := s.Incr(ctx, "hits", window); err != nil || got != 4 {
			t.Fatalf("Incr inside the window = %d, %v; want 4", got, err)
		}
		time.Sleep(800 * time.Millisecond)
		if got, err := s.Incr(ctx, "hits", window); err != nil || got != 1 {
			t.Fatalf("Incr after the window = %d, %v; want 1 (a new window)", got, err)
		}
		if _, err := s.Incr(ctx, "hits", 0); err == nil {
			t.Error("Incr with window 0: no error")
		}
	})
}

func TestIncrConcurrent(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		const n = 50
		seen := make([]atomic.Bool, n+1)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				got, err := s.Incr(ctx, "c", time.Minute)
				if err != nil || got < 1 || got > n {
					t.Errorf("Incr = %d, %v", got, err)
					return
				}
				if seen[got].Swap(true) {
					t.Errorf("count %d returned twice", got)
				}
			})
		}
		wg.Wait()
	})
}

func TestIncrOnNonCounterFails(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if err := s.Set(ctx, "text", "not a number", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Incr(ctx, "text", time.Minute); err == nil {
			t.Error("Incr on a text value: no error")
		}
	})
}

func TestPingAndCanceledContext(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.Get(canceled, "k"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with a canceled context = %v; want context.Canceled", err)
		}
		if _, _, err := s.TryLock(canceled, "l", time.Minute); !errors.Is(err, context.Canceled) {
			t.Errorf("TryLock with a canceled context = %v; want context.Canceled", err)
		}
	})
}

func TestRedisKeysUnderPrefix(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	rdb, prefix := testenv.Redis(t)
	a := cache.NewRedisFromClient(rdb, prefix+"a:")
	b := cache.NewRedisFromClient(rdb, prefix+"b:")
	if err := a.Set(ctx, "k", "from a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, prefix+"a:k").Result(); err != nil || got != "from a" {
		t.Fatalf("raw GET %sa:k = %q, %v; want the value under the prefix", prefix, got, err)
	}
	if _, ok, err := b.Get(ctx, "k"); err != nil || ok {
		t.Fatalf("another prefix sees the key: ok=%v err=%v", ok, err)
	}
	if ttl := rdb.PTTL(ctx, prefix+"a:k").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL = %s; want within (0, 1m]", ttl)
	}
	// Close of a borrowed client leaves it usable for its owner.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("client closed by Close of NewRedisFromClient: %v", err)
	}
}

func TestNewRedis(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	_, prefix := testenv.Redis(t) // skips (or fails under CI) when Redis is down
	r, err := cache.NewRedis(ctx, cache.RedisConfig{URL: testenv.RedisURL()}, prefix)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	if err := r.Set(ctx, "k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Ping(ctx); err == nil {
		t.Error("Ping after Close: no error")
	}

	if _, err := cache.NewRedis(ctx, cache.RedisConfig{URL: "not a url"}, prefix); err == nil {
		t.Error("NewRedis with a bad URL: no error")
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := cache.NewRedis(short, cache.RedisConfig{URL: "redis://127.0.0.1:1/0"}, prefix); err == nil {
		t.Error("NewRedis with nothing listening: no error")
	}
}

// On a Cluster, Ping (so /readyz) needs every master: with one gone its
// slots cannot be served.
func TestRedisClusterPingChecksEveryMaster(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	topo := testenv.RedisCluster(t) // its own: a node is killed
	r, err := cache.NewRedis(ctx, topo.Config, testenv.RandomName("coupon-test-")+":")
	if err != nil {
		t.Fatalf("NewRedis(%s): %v", topo.Config.URL, err)
	}
	t.Cleanup(func() { _ = r.Close() })
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("Ping on a healthy cluster: %v", err)
	}
	topo.Kill(topo.Nodes[2])
	if err := r.Ping(ctx); err == nil {
		t.Errorf("Ping with master %s killed: no error", topo.Nodes[2])
	}
}

func TestMemoryClosed(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	m := cache.NewMemory()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Get(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Get after Close = %v; want ErrClosed", err)
	}
	if err := m.Ping(ctx); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Ping after Close = %v; want ErrClosed", err)
	}
}
