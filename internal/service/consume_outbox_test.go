package service_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// fakeWeChatCodes plays WeChat's code API for one code: consumed once, and a
// consume may be answered with a timeout after (or instead of) consuming.
type fakeWeChatCodes struct {
	mu        sync.Mutex
	consumed  bool
	calls     int
	timeout   bool // the next consume answers upstream_unavailable
	andDoesIt bool // ... after consuming
}

func (f *fakeWeChatCodes) CodeHolder(_ context.Context, cardID, code string) (service.Holding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := service.Holding{CardID: cardID, OpenID: "oOutbox", Status: service.CodeIssued}
	if f.consumed {
		h.Status = service.CodeConsumed
	}
	return h, nil
}

func (f *fakeWeChatCodes) ConsumeCode(_ context.Context, cardID, code string) (service.Holding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.timeout {
		f.timeout = false
		if f.andDoesIt {
			f.consumed = true
		}
		return service.Holding{}, service.Errorf(service.KindUpstreamUnavailable, "WeChat did not answer in time")
	}
	if f.consumed {
		return service.Holding{}, &service.Error{Kind: service.KindConflict, Message: "consumed",
			Details: map[string]any{"wechat_errcode": 40099}}
	}
	f.consumed = true
	return service.Holding{CardID: cardID, OpenID: "oOutbox", Status: service.CodeConsumed}, nil
}

func (f *fakeWeChatCodes) DisableCode(context.Context, string, string, string) error { return nil }
func (f *fakeWeChatCodes) ChangeCode(context.Context, string, string, string) error  { return nil }

type outboxEnv struct {
	st     *store.Store
	wx     *fakeWeChatCodes
	clock  *fakeClock
	redeem *service.Redemption
}

// newOutboxEnv is redemption over MariaDB and Redis with a fake WeChat and
// clock, and one issued code c1 of card pOutbox recorded.
func newOutboxEnv(t *testing.T) *outboxEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{MySQLDSN: testenv.MySQLDSN(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	env := &outboxEnv{st: st, wx: &fakeWeChatCodes{}, clock: &fakeClock{t: time.Now()}}
	env.redeem = service.NewRedemption(st, env.wx, kv, kv, slog.New(slog.DiscardHandler), env.clock.now)
	if _, _, err := st.RecordCode(ctx, service.IssuedCode{CardID: "pOutbox", Code: "c1", OpenID: "oOutbox"}); err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *outboxEnv) status(t *testing.T) service.CodeStatus {
	t.Helper()
	rec, err := e.st.GetCode(context.Background(), "pOutbox", "c1")
	if err != nil {
		t.Fatal(err)
	}
	return rec.Status
}

// WeChat consumed the code but the answer timed out: the clerk's retry gets
// "already consumed" from WeChat, and the intent shows it was ours: consumed,
// not 409. A further consume is 409.
func TestConsumeRetryAfterTimeoutIsOurs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newOutboxEnv(t)
	e.wx.timeout, e.wx.andDoesIt = true, true
	if _, err := e.redeem.Consume(ctx, "pOutbox", "c1"); service.KindOf(err) != service.KindUpstreamUnavailable {
		t.Fatalf("consume with a timeout = %v, want upstream_unavailable", err)
	}
	got, err := e.redeem.Consume(ctx, "pOutbox", "c1")
	if err != nil || got.Code.Status != service.CodeConsumed || got.Pending {
		t.Fatalf("retry = %+v, %v; want consumed and recorded", got, err)
	}
	if s := e.status(t); s != service.CodeConsumed {
		t.Errorf("record = %s, want consumed", s)
	}
	if _, err := e.redeem.Consume(ctx, "pOutbox", "c1"); service.KindOf(err) != service.KindConflict {
		t.Errorf("third consume = %v, want conflict", err)
	}
}

// An attempt that never finished leaves an intent; the outbox drain asks
// WeChat once the intent is old: consumed there → recorded here.
func TestOutboxSettlesAbandonedIntents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("consumed at WeChat", func(t *testing.T) {
		t.Parallel()
		e := newOutboxEnv(t)
		e.wx.timeout, e.wx.andDoesIt = true, true
		_, _ = e.redeem.Consume(ctx, "pOutbox", "c1")
		e.redeem.FlushOutbox(ctx)
		if s := e.status(t); s != service.CodeIssued {
			t.Fatalf("record right after = %s, want issued (the intent is young)", s)
		}
		e.clock.add(3 * time.Minute)
		e.redeem.FlushOutbox(ctx)
		if s := e.status(t); s != service.CodeConsumed {
			t.Errorf("record after the drain = %s, want consumed", s)
		}
	})
	t.Run("not consumed at WeChat", func(t *testing.T) {
		t.Parallel()
		e := newOutboxEnv(t)
		e.wx.timeout = true
		_, _ = e.redeem.Consume(ctx, "pOutbox", "c1")
		e.clock.add(3 * time.Minute)
		e.redeem.FlushOutbox(ctx)
		if s := e.status(t); s != service.CodeIssued {
			t.Errorf("record = %s, want issued", s)
		}
		// The intent is gone: a consumption made elsewhere is not taken for ours.
		e.wx.mu.Lock()
		e.wx.consumed = true
		e.wx.mu.Unlock()
		if _, err := e.redeem.Consume(ctx, "pOutbox", "c1"); service.KindOf(err) != service.KindConflict {
			t.Errorf("consume of a code consumed elsewhere = %v, want conflict", err)
		}
	})
}
