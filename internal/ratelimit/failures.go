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

// Failures blocks a key after limit failures within one window. Failures are
// counted in fixed windows in the shared cache (so the block holds across
// replicas), and a key's count is that of the current window plus the
// previous one: limit failures within any span of one window always block,
// also when they straddle a window's end (a single fixed window would forget
// them there). The price: failures up to two windows apart may add up.
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

func (f *Failures) key(key string, start time.Time) string {
	return fmt.Sprintf("failures:%s:%d", key, start.Unix())
}

// counts returns key's failures in the current and the previous window, and
// when the current window ends.
func (f *Failures) counts(ctx context.Context, key string) (cur, prev int64, end time.Time, err error) {
	start := f.now().Truncate(f.window)
	for _, w := range []struct {
		start time.Time
		n     *int64
	}{{start, &cur}, {start.Add(-f.window), &prev}} {
		v, ok, err := f.store.Get(ctx, f.key(key, w.start))
		if err != nil {
			return 0, 0, time.Time{}, err
		}
		if ok {
			*w.n, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return cur, prev, start.Add(f.window), nil
}

// Blocked reports whether key has used up its failures, and for how long it
// stays blocked: until the previous window's failures drop out of the count,
// or one window later when the current window alone holds limit failures.
func (f *Failures) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	cur, prev, end, err := f.counts(ctx, key)
	if err != nil || cur+prev < f.limit {
		return false, 0, err
	}
	if cur >= f.limit {
		end = end.Add(f.window)
	}
	return true, end.Sub(f.now()), nil
}

// Count returns key's failures in the current and the previous window.
func (f *Failures) Count(ctx context.Context, key string) (int64, error) {
	cur, prev, _, err := f.counts(ctx, key)
	return cur + prev, err
}

// Fail counts one failure for key.
func (f *Failures) Fail(ctx context.Context, key string) error {
	start := f.now().Truncate(f.window)
	// Kept for two windows: the next window still counts it.
	_, err := f.store.Incr(ctx, f.key(key, start), 2*f.window+5*time.Second)
	return err
}
