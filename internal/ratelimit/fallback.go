package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// retryShared is how often a failing shared cache is probed again. Requests
// never wait on it meanwhile: the probe runs aside, and requests count in
// process until it succeeds (a dead Redis can take seconds to fail a call).
const retryShared = 2 * time.Second

// probeTimeout bounds one probe of the shared cache.
const probeTimeout = 3 * time.Second

// Fallback counts in the shared cache and, while that fails, in an
// in-process one: the limits then hold per replica instead of switching off
// (a Redis outage must not open logins to unlimited guessing).
type Fallback struct {
	shared Store
	local  Store
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	down      bool
	probing   bool
	nextProbe time.Time
}

// NewFallback returns a Store that uses shared and falls back to local.
func NewFallback(shared, local Store, log *slog.Logger, now func() time.Time) *Fallback {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Fallback{shared: shared, local: local, log: log, now: now}
}

// useShared reports whether to ask the shared cache; while it is down, it
// starts at most one probe per retryShared.
func (f *Fallback) useShared() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return true
	}
	if !f.probing && !f.now().Before(f.nextProbe) {
		f.probing = true
		go f.probe()
	}
	return false
}

func (f *Fallback) probe() {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	_, _, err := f.shared.Get(ctx, "ratelimit:probe")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.probing = false
	if err != nil {
		f.nextProbe = f.now().Add(retryShared)
		return
	}
	f.down = false
	f.log.Info("rate limits: shared cache back, counting there again")
}

func (f *Fallback) sharedFailed(ctx context.Context, op string, err error) {
	f.mu.Lock()
	was := f.down
	f.down = true
	f.nextProbe = f.now().Add(retryShared)
	f.mu.Unlock()
	if !was {
		f.log.WarnContext(ctx, "rate limits: shared cache failing, counting in process", "op", op, "err", err)
	}
}

// Incr counts in the shared cache, or in process while it fails.
func (f *Fallback) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if f.useShared() {
		n, err := f.shared.Incr(ctx, key, window)
		if err == nil || ctx.Err() != nil {
			return n, err
		}
		f.sharedFailed(ctx, "incr", err)
	}
	return f.local.Incr(ctx, key, window)
}

// Get reads from the shared cache, or in process while it fails.
func (f *Fallback) Get(ctx context.Context, key string) (string, bool, error) {
	if f.useShared() {
		v, ok, err := f.shared.Get(ctx, key)
		if err == nil || ctx.Err() != nil {
			return v, ok, err
		}
		f.sharedFailed(ctx, "get", err)
	}
	return f.local.Get(ctx, key)
}
