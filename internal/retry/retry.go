// Package retry holds the pause between attempts that the WeChat and WeChat
// Pay clients share.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the pause after the attempt-th failure (from 1): exponential
// from base, capped at max, with jitter over its upper half so that replicas
// failing together do not retry together.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base << (attempt - 1)
	if d > max || d <= 0 {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d; false when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
