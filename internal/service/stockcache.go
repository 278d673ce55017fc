package service

import (
	"context"
	"time"
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
	cache *ttlCache[Stock]
}

// NewStockCache serves GetStock from memory for ttl after each read of store;
// the other methods go to store.
func NewStockCache(store StockStore, ttl time.Duration, now func() time.Time) *StockCache {
	return &StockCache{StockStore: store, cache: newTTLCache[Stock](ttl, now)}
}

// GetStock returns the stock from memory while it is fresh, else from the
// store. The Stock shares its Definition with the cache: callers must not
// modify it.
func (c *StockCache) GetStock(ctx context.Context, stockID string) (Stock, error) {
	return c.cache.get(ctx, stockID, c.StockStore.GetStock)
}

func (c *StockCache) forget(stockID string) { c.cache.forget(stockID) }

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
