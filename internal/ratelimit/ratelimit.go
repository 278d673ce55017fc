// Package ratelimit counts requests per key in fixed one-minute windows kept in
// the shared cache, so that a limit holds across all replicas.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Counter is the cache operation the limiter needs: increment a counter that
// expires window after its first increment.
type Counter interface {
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
}

// Limiter allows perMinute requests per key per minute.
type Limiter struct {
	counter   Counter
	perMinute int64
	now       func() time.Time
}

// New returns a limiter; perMinute 0 turns it off.
func New(counter Counter, perMinute int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{counter: counter, perMinute: int64(perMinute), now: now}
}

// Allow counts one request for key. When the key is over its limit it returns
// false and how long until the window ends.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	if l == nil || l.perMinute <= 0 {
		return true, 0, nil
	}
	now := l.now()
	window := now.Truncate(time.Minute)
	n, err := l.counter.Incr(ctx, fmt.Sprintf("ratelimit:%s:%d", key, window.Unix()), time.Minute+5*time.Second)
	if err != nil {
		return true, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if n > l.perMinute {
		return false, window.Add(time.Minute).Sub(now), nil
	}
	return true, 0, nil
}
