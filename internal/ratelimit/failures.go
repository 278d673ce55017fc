package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Store is what failure counting needs from the cache.
type Store interface {
	Counter
	Get(ctx context.Context, key string) (string, bool, error)
}

// Failures blocks a key after limit failures within one window (fixed windows in
// the shared cache, so the block holds across replicas).
type Failures struct {
	store  Store
	limit  int64
	window time.Duration
	now    func() time.Time
}

// NewFailures returns a failure counter allowing limit failures per window.
func NewFailures(store Store, limit int, window time.Duration, now func() time.Time) *Failures {
	if now == nil {
		now = time.Now
	}
	return &Failures{store: store, limit: int64(limit), window: window, now: now}
}

func (f *Failures) key(key string) (string, time.Time) {
	start := f.now().Truncate(f.window)
	return fmt.Sprintf("failures:%s:%d", key, start.Unix()), start.Add(f.window)
}

// Blocked reports whether key has used up its failures, and for how long it stays blocked.
func (f *Failures) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	k, end := f.key(key)
	v, ok, err := f.store.Get(ctx, k)
	if err != nil || !ok {
		return false, 0, err
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	if n >= f.limit {
		return true, end.Sub(f.now()), nil
	}
	return false, 0, nil
}

// Fail counts one failure for key.
func (f *Failures) Fail(ctx context.Context, key string) error {
	k, _ := f.key(key)
	_, err := f.store.Incr(ctx, k, f.window+5*time.Second)
	return err
}
