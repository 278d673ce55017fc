package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

func TestCouponsMySQL(t *testing.T) {
	t.Parallel()
	testCoupons(t, openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)}))
}

func TestCouponsSQLite(t *testing.T) {
	t.Parallel()
	testCoupons(t, openMigrated(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "coupon.db")}))
}

func testCoupons(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c := service.Coupon{StockID: "1001", CouponCode: "C1", OpenID: "o-1", Status: service.CouponIssued, ReceivedAt: base}

	// A notification (no out_request_no) and a confirm racing: one row, the
	// confirm's number filled in.
	var wg sync.WaitGroup
	created := make([]bool, 10)
	for i := range created {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := c
			if i%2 == 0 {
				in.OutRequestNo = "req-1"
			}
			_, created[i], _ = s.RecordCoupon(ctx, in)
		}()
	}
	wg.Wait()
	n := 0
	for _, ok := range created {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d RecordCoupon calls created the row, want 1", n)
	}
	got, err := s.GetCoupon(ctx, "1001", "C1")
	if err != nil || got.OutRequestNo != "req-1" || got.OpenID != "o-1" || got.Status != service.CouponIssued {
		t.Fatalf("GetCoupon = %+v, %v, want issued with req-1", got, err)
	}
	// Another holder's claim does not change the row.
	if got, _, err := s.RecordCoupon(ctx, service.Coupon{StockID: "1001", CouponCode: "C1", OpenID: "o-2", OutRequestNo: "x"}); err != nil || got.OpenID != "o-1" || got.OutRequestNo != "req-1" {
		t.Fatalf("other holder's record = %+v, %v", got, err)
	}
	if _, err := s.GetCoupon(ctx, "1002", "C1"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("GetCoupon of another stock = %v, want ErrNotFound", err)
	}

	// Consumed keeps its first time; a return counts and clears it.
	at := base.Add(time.Hour)
	got, err = s.SetCouponStatus(ctx, "1001", "C1", service.CouponConsumed, at, false)
	if err != nil || got.Status != service.CouponConsumed || got.ConsumedAt == nil || !got.ConsumedAt.Equal(at) {
		t.Fatalf("consume = %+v, %v", got, err)
	}
	got, _ = s.SetCouponStatus(ctx, "1001", "C1", service.CouponConsumed, at.Add(time.Hour), false)
	if !got.ConsumedAt.Equal(at) {
		t.Fatalf("consumed_at moved to %v", got.ConsumedAt)
	}
	got, err = s.SetCouponStatus(ctx, "1001", "C1", service.CouponIssued, at, true)
	if err != nil || got.Status != service.CouponIssued || got.Returns != 1 || got.ConsumedAt != nil {
		t.Fatalf("return = %+v, %v, want issued, returns 1, no consumed_at", got, err)
	}
	// A second "return" of an issued coupon changes nothing.
	if got, _ = s.SetCouponStatus(ctx, "1001", "C1", service.CouponIssued, at, true); got.Returns != 1 {
		t.Fatalf("returns = %d after a return of an issued coupon, want 1", got.Returns)
	}
	// Final statuses are never left.
	if _, err = s.SetCouponStatus(ctx, "1001", "C1", service.CouponExpired, at, false); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.SetCouponStatus(ctx, "1001", "C1", service.CouponIssued, at, false); got.Status != service.CouponExpired {
		t.Fatalf("status = %s after issued over expired, want expired", got.Status)
	}
	if _, err := s.SetCouponStatus(ctx, "1001", "nope", service.CouponConsumed, at, false); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("SetCouponStatus of an unknown coupon = %v, want ErrNotFound", err)
	}

	// Lists and counts.
	for i := range 5 {
		_, _, err := s.RecordCoupon(ctx, service.Coupon{StockID: "1002", CouponCode: fmt.Sprintf("D%d", i), OpenID: "o-2",
			ReceivedAt: base.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	list, total, _, err := s.ListCoupons(ctx, service.CouponFilter{OpenID: "o-2", Count: 2})
	if err != nil || total != 5 || len(list) != 2 || list[0].CouponCode != "D4" {
		t.Fatalf("ListCoupons = %+v, %d, %v, want newest first, total 5", list, total, err)
	}
	if _, err := s.SetCouponStatus(ctx, "1002", "D0", service.CouponConsumed, at, false); err != nil {
		t.Fatal(err)
	}
	counts, err := s.CountCoupons(ctx, "1002")
	if err != nil || counts.Issued != 5 || counts.Consumed != 1 {
		t.Fatalf("CountCoupons = %+v, %v, want 5 issued, 1 consumed", counts, err)
	}
	if found, err := s.FindCoupons(ctx, "D3"); err != nil || len(found) != 1 || found[0].StockID != "1002" {
		t.Fatalf("FindCoupons = %+v, %v", found, err)
	}

	// Notification ids: marked once.
	if seen, _ := s.NotificationSeen(ctx, "N1"); seen {
		t.Fatal("N1 seen before it was marked")
	}
	first, err := s.MarkNotification(ctx, "N1", "COUPON.SEND")
	again, err2 := s.MarkNotification(ctx, "N1", "COUPON.SEND")
	if err != nil || err2 != nil || !first || again {
		t.Fatalf("MarkNotification = %v %v, %v %v, want true then false", first, err, again, err2)
	}
	if seen, _ := s.NotificationSeen(ctx, "N1"); !seen {
		t.Fatal("N1 not seen after it was marked")
	}
}
