package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

var _ service.StockStore = (*store.Store)(nil)

func stock(id, requestNo string, mod func(*service.Stock)) service.Stock {
	s := service.Stock{
		StockID: id, OutRequestNo: requestNo, RequestDigest: "digest-" + requestNo,
		Status: service.StockRunning, Sent: 3,
		Definition: service.StockDefinition{
			StockName: "满10减1 " + id, BelongMerchant: "1900000001", GoodsName: "全场通用",
			StockType: service.StockNormal, OutRequestNo: requestNo, CouponCodeMode: service.CodeModeWeChatPay,
			CouponUseRule: service.StockUseRule{
				CouponAvailableTime: service.StockAvailableTime{
					AvailableBeginTime: "2025-03-01T00:00:00+08:00", AvailableEndTime: "2025-12-31T23:59:59+08:00",
					AvailableDayAfterReceive: 7,
				},
				FixedNormalCoupon: &service.FixedNormalCoupon{DiscountAmount: 100, TransactionMinimum: 1000},
				UseMethod:         "OFF_LINE",
			},
			StockSendRule: service.StockSendRule{MaxCoupons: 1000, MaxCouponsPerUser: 1},
			NotifyConfig:  &service.StockNotifyConfig{NotifyAppID: "wxsandboxmini"},
		},
		CreatedAt: base, UpdatedAt: base,
	}
	if mod != nil {
		mod(&s)
	}
	return s
}

func mustUpsertStock(t *testing.T, s *store.Store, stocks ...service.Stock) {
	t.Helper()
	for _, st := range stocks {
		if err := s.UpsertStock(context.Background(), st); err != nil {
			t.Fatalf("UpsertStock(%s): %v", st.StockID, err)
		}
	}
}

func testStocks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	want := stock("98065001", "1900000001202503010001", nil)
	mustUpsertStock(t, s, want)

	got, err := s.GetStock(ctx, want.StockID)
	if err != nil {
		t.Fatalf("GetStock: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetStock =\n%+v\nwant\n%+v", got, want)
	}
	byNo, err := s.GetStockByRequestNo(ctx, want.OutRequestNo)
	if err != nil || byNo.StockID != want.StockID {
		t.Errorf("GetStockByRequestNo = %s, %v; want %s", byNo.StockID, err, want.StockID)
	}
	if _, err := s.GetStock(ctx, "404"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("GetStock(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetStockByRequestNo(ctx, "nope"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("GetStockByRequestNo(unknown) err = %v, want ErrNotFound", err)
	}

	// A refresh from WeChat Pay knows no out_request_no: the catalogue keeps
	// it, the digest and created_at.
	refreshed := stock(want.StockID, "", func(st *service.Stock) {
		st.RequestDigest, st.Status, st.Sent = "", service.StockPaused, 9
		st.Definition.StockName = "改名"
		st.CreatedAt, st.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	})
	mustUpsertStock(t, s, refreshed)
	got, err = s.GetStock(ctx, want.StockID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OutRequestNo != want.OutRequestNo || got.RequestDigest != want.RequestDigest || !got.CreatedAt.Equal(base) {
		t.Errorf("after refresh: out_request_no %q digest %q created %v; want %q %q %v",
			got.OutRequestNo, got.RequestDigest, got.CreatedAt, want.OutRequestNo, want.RequestDigest, base)
	}
	if got.Status != service.StockPaused || got.Sent != 9 || got.Definition.StockName != "改名" || !got.UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("after refresh = %+v, want status PAUSED, sent 9, the new name and updated_at", got)
	}

	// One out_request_no, one stock.
	err = s.UpsertStock(ctx, stock("98065002", want.OutRequestNo, nil))
	if !errors.Is(err, service.ErrConflict) {
		t.Errorf("second stock with the same out_request_no: err = %v, want ErrConflict", err)
	}
	// Stocks created elsewhere have no number; several of them coexist.
	mustUpsertStock(t, s, stock("98065003", "", nil), stock("98065004", "", func(st *service.Stock) {
		st.Status = service.StockStopped
		st.CreatedAt = base.Add(2 * time.Hour)
	}))
}

func testListStocks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for i, id := range []string{"1", "2", "3", "4", "5"} {
		mustUpsertStock(t, s, stock(id, "no"+id, func(st *service.Stock) {
			st.CreatedAt = base.Add(time.Duration(i) * time.Minute)
			if i%2 == 1 {
				st.Status = service.StockPaused
			}
		}))
	}
	all, total, err := s.ListStocks(ctx, service.StockFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || stockIDs(all) != "54321" {
		t.Errorf("ListStocks() = %s total %d, want 54321 total 5 (newest first)", stockIDs(all), total)
	}
	paused, total, err := s.ListStocks(ctx, service.StockFilter{Status: service.StockPaused})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || stockIDs(paused) != "42" {
		t.Errorf("ListStocks(PAUSED) = %s total %d, want 42 total 2", stockIDs(paused), total)
	}
	pg, total, err := s.ListStocks(ctx, service.StockFilter{Offset: 1, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || stockIDs(pg) != "43" {
		t.Errorf("ListStocks(offset 1, count 2) = %s total %d, want 43 total 5", stockIDs(pg), total)
	}
}

func stockIDs(stocks []service.Stock) string {
	s := ""
	for _, st := range stocks {
		s += st.StockID
	}
	return s
}
