package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// BenchmarkSendParams is one send-coupon-params for one stock, as the
// service answered it before (the stock read from MariaDB, the
// out_request_no SET in Redis), with only the stock in memory, and as it does
// now (the stock in memory, the out_request_no signed).
func BenchmarkSendParams(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := testenv.Redis(b)
	kv := cache.NewRedisFromClient(rdb, prefix)
	st := openMySQLStore(b, testenv.MySQLDSN(b))
	now := time.Now().UTC().Truncate(time.Second)
	def := service.StockDefinition{StockName: "券", CouponCodeMode: service.CodeModeWeChatPay}
	def.CouponUseRule.CouponAvailableTime.AvailableBeginTime = now.Add(-time.Hour).Format(time.RFC3339)
	def.CouponUseRule.CouponAvailableTime.AvailableEndTime = now.Add(24 * time.Hour).Format(time.RFC3339)
	if err := st.UpsertStock(ctx, service.Stock{StockID: "4001", Status: service.StockRunning, Definition: def,
		CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	key := service.SendNoKey("0123456789abcdef0123456789abcdef")
	for _, c := range []struct {
		name   string
		stocks service.StockStore
		key    []byte
	}{
		{"mysql+redis", st, nil},
		{"memory+redis", service.NewStockCache(st, 2*time.Second, nil), nil},
		{"memory+signed", service.NewStockCache(st, 2*time.Second, nil), key},
	} {
		b.Run(c.name, func(b *testing.B) {
			svc := service.NewCoupons(st, c.stocks, newFakePay(), kv, kv, service.CouponsConfig{SendNoKey: c.key}, log, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.SendParams(ctx, "o-bench", []string{"4001"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
