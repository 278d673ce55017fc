package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// StockCache keeps 商家券 stocks read by send-coupon-params and confirm in
// process memory for a short time, as CardCache does for card-ext: every
// send-coupon-params request read the same stock from the database, and that
// read was most of its cost (docs/benchmarks.md). Writes made through Writer
// in this process drop the stock at once; a stock paused, stopped or changed
// through another replica (or found changed on WeChat Pay by another
// replica) is seen here within the TTL. Nothing is lost by that: WeChat Pay
// refuses to send from a stock that is not running (NOTRUNNING), and a
// confirm records a coupon only when WeChat Pay says the caller holds it.
// Stocks that are not found are not kept, so a new stock is sendable at once.
type StockCache struct {
	StockStore
	ttl   time.Duration
	now   func() time.Time
	loads singleflight.Group

	mu     sync.RWMutex
	stocks map[string]cachedStock
	gen    uint64 // counts invalidations (see CardCache.gen)
}

type cachedStock struct {
	stock   Stock
	expires time.Time
}

// NewStockCache serves GetStock from memory for ttl after each read of store;
// the other methods go to store.
func NewStockCache(store StockStore, ttl time.Duration, now func() time.Time) *StockCache {
	if now == nil {
		now = time.Now
	}
	return &StockCache{StockStore: store, ttl: ttl, now: now, stocks: make(map[string]cachedStock)}
}

// GetStock returns the stock from memory while it is fresh, else from the
// store. The Stock shares its Definition with the cache: callers must not
// modify it.
func (c *StockCache) GetStock(ctx context.Context, stockID string) (Stock, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.stocks[stockID]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.stock, nil
	}
	ch := c.loads.DoChan(stockID, func() (any, error) {
		c.mu.RLock()
		gen := c.gen
		c.mu.RUnlock()
		st, err := c.StockStore.GetStock(context.WithoutCancel(ctx), stockID)
		if err != nil {
			return Stock{}, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.stocks[stockID] = cachedStock{stock: st, expires: c.now().Add(c.ttl)}
		}
		c.mu.Unlock()
		return st, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Stock{}, res.Err
		}
		return res.Val.(Stock), nil
	case <-ctx.Done():
		return Stock{}, errors.Join(ErrUnavailable, ctx.Err())
	}
}

// forget drops stockID; a load under way is neither kept nor joined.
func (c *StockCache) forget(stockID string) {
	c.mu.Lock()
	delete(c.stocks, stockID)
	c.gen++
	c.loads.Forget(stockID)
	c.mu.Unlock()
}

// Writer is the catalogue for the stock service: reads go to the store (a
// read-modify-write must not start from a cached row) and every UpsertStock
// drops the stock from the cache, on failure too (the write may have
// happened).
func (c *StockCache) Writer() StockStore { return stockWriter{StockStore: c.StockStore, cache: c} }

type stockWriter struct {
	StockStore
	cache *StockCache
}

func (w stockWriter) UpsertStock(ctx context.Context, s Stock) error {
	err := w.StockStore.UpsertStock(ctx, s)
	w.cache.forget(s.StockID)
	return err
}
