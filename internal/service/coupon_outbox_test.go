package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// A consumption whose record failed waits in the shared outbox and another
// replica records it; an entry drained after the coupon was returned (退券)
// does not mark it consumed again.
func TestCouponOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.MySQLDSN(t)
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pay := newFakePay()
	pay.add(service.CouponHolding{StockID: "1101", CouponCode: "K1", OpenID: "o-1", Status: service.CouponIssued})
	pay.add(service.CouponHolding{StockID: "1101", CouponCode: "K2", OpenID: "o-2", Status: service.CouponIssued})
	st := openMySQLStore(t, dsn)
	for _, c := range []string{"K1", "K2"} {
		if _, _, err := st.RecordCoupon(ctx, service.Coupon{StockID: "1101", CouponCode: c, OpenID: "o-" + c[1:]}); err != nil {
			t.Fatal(err)
		}
	}
	// The first replica's store goes away while WeChat Pay redeems both.
	for _, c := range []string{"K1", "K2"} {
		down := openMySQLStore(t, dsn)
		first := service.NewCoupons(down, down, pay, kv, kv, service.CouponsConfig{}, log, nil).WithOutbox(kv)
		pay.onUse = func() { down.Close() }
		if out, err := first.Consume(ctx, "1101", c); err != nil || out.Recorded {
			t.Fatalf("consume %s with the store down = %+v, %v; want consumed, not recorded", c, out, err)
		}
	}
	pay.onUse = nil

	// K2 is returned through another replica before anything drains (the
	// return reads WeChat Pay, which says consumed).
	second := service.NewCoupons(st, st, pay, kv, kv, service.CouponsConfig{}, log, nil).WithOutbox(kv)
	if _, err := second.Return(ctx, "1101", "K2"); err != nil {
		t.Fatal(err)
	}
	second.FlushOutbox(ctx)
	k1, err := st.GetCoupon(ctx, "1101", "K1")
	if err != nil || k1.Status != service.CouponConsumed || k1.ConsumedAt == nil {
		t.Fatalf("K1 after the drain = %+v, %v; want consumed", k1, err)
	}
	k2, err := st.GetCoupon(ctx, "1101", "K2")
	if err != nil || k2.Status != service.CouponIssued || k2.Returns != 1 {
		t.Fatalf("K2 after the drain = %+v, %v; want issued after its return, not consumed again", k2, err)
	}
	if n, err := rdb.HLen(ctx, prefix+"coupon-consume-outbox").Result(); err != nil || n != 0 {
		t.Fatalf("outbox entries left = %d, %v; want 0", n, err)
	}
}
