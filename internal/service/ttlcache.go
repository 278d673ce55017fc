package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ttlCache keeps rows read from a store in process memory for ttl: the hot
// read paths (card-ext's cards, send-coupon-params' stocks) read the same few
// rows on every request. Misses load once per key however many requests
// missed together, and the load is not tied to the first caller's
// cancellation. Failed loads (not found included) are not kept.
type ttlCache[V any] struct {
	ttl   time.Duration
	now   func() time.Time
	loads singleflight.Group

	mu      sync.RWMutex
	entries map[string]ttlEntry[V]
	// gen counts invalidations, so that a load that read the row before a
	// write does not put the old row back.
	gen uint64
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration, now func() time.Time) *ttlCache[V] {
	if now == nil {
		now = time.Now
	}
	return &ttlCache[V]{ttl: ttl, now: now, entries: make(map[string]ttlEntry[V])}
}

// get returns key's value from memory while it is fresh, else from load.
func (c *ttlCache[V]) get(ctx context.Context, key string, load func(context.Context, string) (V, error)) (V, error) {
	var zero V
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.value, nil
	}
	ch := c.loads.DoChan(key, func() (any, error) {
		c.mu.RLock()
		gen := c.gen
		c.mu.RUnlock()
		v, err := load(context.WithoutCancel(ctx), key)
		if err != nil {
			return zero, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.entries[key] = ttlEntry[V]{value: v, expires: c.now().Add(c.ttl)}
		}
		c.mu.Unlock()
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(V), nil
	case <-ctx.Done():
		return zero, errors.Join(ErrUnavailable, ctx.Err())
	}
}

// forget drops key, so the next get loads it: a load already under way (it
// may have read the old row) is neither kept nor joined.
func (c *ttlCache[V]) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.gen++
	c.loads.Forget(key)
	c.mu.Unlock()
}
