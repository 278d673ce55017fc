package service_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

type countingStocks struct {
	service.StockStore
	reads atomic.Int64
}

func (c *countingStocks) GetStock(ctx context.Context, id string) (service.Stock, error) {
	c.reads.Add(1)
	return c.StockStore.GetStock(ctx, id)
}

func testStock(id string, status service.StockStatus) service.Stock {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	return service.Stock{StockID: id, Status: status, CreatedAt: now, UpdatedAt: now,
		Definition: service.StockDefinition{StockName: "券", CouponCodeMode: service.CodeModeWeChatPay}}
}

// A stock is read once per TTL; one paused through another replica is seen
// once the TTL has passed, one paused through this process at once; a stock
// not found is not kept.
func TestStockCache(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: ":memory:"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	counting := &countingStocks{StockStore: st}
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	cache := service.NewStockCache(counting, 2*time.Second, clock.now)
	get := func(id string) service.Stock {
		t.Helper()
		s, err := cache.GetStock(ctx, id)
		if err != nil {
			t.Fatalf("GetStock(%s): %v", id, err)
		}
		return s
	}

	if _, err := cache.GetStock(ctx, "3001"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("GetStock(unknown) = %v, want ErrNotFound", err)
	}
	if err := st.UpsertStock(ctx, testStock("3001", service.StockRunning)); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if get("3001").Status != service.StockRunning {
			t.Fatal("a new stock is not seen at once")
		}
	}
	if n := counting.reads.Load(); n != 2 { // the miss, then one read for ten
		t.Errorf("store reads = %d, want 2", n)
	}

	// Paused through another replica: seen within the TTL.
	if err := st.UpsertStock(ctx, testStock("3001", service.StockPaused)); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Second)
	if got := get("3001").Status; got != service.StockRunning {
		t.Errorf("within the TTL status = %s, want the kept RUNNING", got)
	}
	clock.add(time.Second)
	if got := get("3001").Status; got != service.StockPaused {
		t.Errorf("after the TTL status = %s, want PAUSED", got)
	}

	// Through this process's writer: at once.
	if err := cache.Writer().UpsertStock(ctx, testStock("3001", service.StockRunning)); err != nil {
		t.Fatal(err)
	}
	if got := get("3001").Status; got != service.StockRunning {
		t.Errorf("after a write here status = %s, want RUNNING", got)
	}
}
