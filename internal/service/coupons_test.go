package service_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// fakePay is WeChat Pay's coupon side as far as these tests need it: it
// replays a use_request_no's first answer, as WeChat Pay does.
type fakePay struct {
	mu                  sync.Mutex
	coupons             map[string]service.CouponHolding // stock|code
	uses                map[string]time.Time             // use_request_no → use_time
	onUse               func()                           // runs after a use succeeded
	useCalls            int
	order               []string // stock|code in the order added (the list answers newest first)
	getCalls, listCalls int
	listErr             error // when set, the list answers it
}

var _ service.CouponProvider = (*fakePay)(nil)

func newFakePay() *fakePay {
	return &fakePay{coupons: map[string]service.CouponHolding{}, uses: map[string]time.Time{}}
}

func (f *fakePay) add(h service.CouponHolding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.coupons[h.StockID+"|"+h.CouponCode] = h
	f.order = append(f.order, h.StockID+"|"+h.CouponCode)
}

func (f *fakePay) RecentUserCoupons(_ context.Context, openID string, limit int) ([]service.CouponHolding, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCalls++
	if f.listErr != nil {
		return nil, 0, f.listErr
	}
	var out []service.CouponHolding
	var total int64
	for i := len(f.order) - 1; i >= 0; i-- {
		if h := f.coupons[f.order[i]]; h.OpenID == openID {
			total++
			if len(out) < limit {
				out = append(out, h)
			}
		}
	}
	return out, total, nil
}

func (f *fakePay) set(stockID, code string, st service.CouponStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.coupons[stockID+"|"+code]
	h.Status = st
	f.coupons[stockID+"|"+code] = h
}

func (f *fakePay) UserCoupon(_ context.Context, openID, stockID, code string, _ bool) (service.CouponHolding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getCalls++
	h, ok := f.coupons[stockID+"|"+code]
	if !ok || h.OpenID != openID {
		return service.CouponHolding{}, &service.Error{Kind: service.KindNotFound, Message: "no such coupon"}
	}
	return h, nil
}

func (f *fakePay) UseCoupon(_ context.Context, stockID, code, reqNo string, useTime time.Time) (service.CouponHolding, error) {
	f.mu.Lock()
	f.useCalls++
	h, ok := f.coupons[stockID+"|"+code]
	if prev, seen := f.uses[reqNo]; seen {
		f.mu.Unlock()
		if !prev.Equal(useTime) {
			return service.CouponHolding{}, &service.Error{Kind: service.KindConflict, Message: "request number reused with other content"}
		}
		return h, nil
	}
	switch {
	case !ok:
		f.mu.Unlock()
		return service.CouponHolding{}, &service.Error{Kind: service.KindNotFound, Message: "no such coupon"}
	case h.Status != service.CouponIssued:
		f.mu.Unlock()
		return service.CouponHolding{}, &service.Error{Kind: service.KindConflict, Message: "used"}
	}
	h.Status, h.UsedAt = service.CouponConsumed, useTime
	f.coupons[stockID+"|"+code] = h
	f.uses[reqNo] = useTime
	hook := f.onUse
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	return h, nil
}

func (f *fakePay) DeactivateCoupon(_ context.Context, stockID, code, _, _ string) error {
	f.set(stockID, code, service.CouponUnavailable)
	return nil
}

func (f *fakePay) ReturnCoupon(_ context.Context, stockID, code, _ string) error {
	f.set(stockID, code, service.CouponIssued)
	return nil
}

func (f *fakePay) PluginSign([]service.SendParam) (string, string, error) {
	return "1900000001", "SIGN", nil
}

func (f *fakePay) DecryptCouponCode(string, string, string) (string, error) { return "", io.EOF }

func (f *fakePay) OpenNotification(http.Header, []byte) (service.CouponNotification, error) {
	return service.CouponNotification{}, nil
}

func openMySQLStore(t testing.TB, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{MySQLDSN: dsn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newCouponsOn(t *testing.T, st *store.Store, kv *cache.Redis, pay *fakePay) *service.Coupons {
	return service.NewCoupons(st, st, pay, kv, kv, service.CouponsConfig{},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

// WeChat Pay redeemed the coupon but the store failed: the clerk is told it
// is consumed, and a retry (another replica, the store back) is the same
// request at WeChat Pay and records it.
func TestCouponConsumeTruthfulWhenStoreFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.MySQLDSN(t)
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	pay := newFakePay()
	st := openMySQLStore(t, dsn)
	h := service.CouponHolding{StockID: "1001", CouponCode: "C1", OpenID: "o-1", Status: service.CouponIssued}
	pay.add(h)
	if _, _, err := st.RecordCoupon(ctx, service.Coupon{StockID: "1001", CouponCode: "C1", OpenID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	// The store goes away while WeChat Pay redeems.
	pay.onUse = func() { st.Close() }
	out, err := newCouponsOn(t, st, kv, pay).Consume(ctx, "1001", "C1")
	if err != nil || out.Recorded || out.Coupon.Status != service.CouponConsumed {
		t.Fatalf("Consume with the store failing = %+v, %v, want consumed, not recorded, no error", out, err)
	}
	pay.onUse = nil

	st2 := openMySQLStore(t, dsn)
	svc := newCouponsOn(t, st2, kv, pay)
	out, err = svc.Consume(ctx, "1001", "C1")
	if err != nil || !out.Recorded || out.Coupon.Status != service.CouponConsumed {
		t.Fatalf("retry = %+v, %v, want consumed and recorded (the same request replayed)", out, err)
	}
	if len(pay.uses) != 1 {
		t.Fatalf("%d distinct use requests, want 1", len(pay.uses))
	}
	if _, err := svc.Consume(ctx, "1001", "C1"); service.KindOf(err) != service.KindConflict {
		t.Fatalf("third consume = %v, want conflict", err)
	}
	// After a return, the next use is a new request.
	if _, err := svc.Return(ctx, "1001", "C1"); err != nil {
		t.Fatal(err)
	}
	if out, err := svc.Consume(ctx, "1001", "C1"); err != nil || !out.Recorded {
		t.Fatalf("consume after return = %+v, %v", out, err)
	}
	if len(pay.uses) != 2 {
		t.Fatalf("%d distinct use requests after a return, want 2", len(pay.uses))
	}
}

// Reconciliation learns statuses WeChat Pay raises no event for.
func TestCouponReconcile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	pay := newFakePay()
	st := openMySQLStore(t, testenv.MySQLDSN(t))
	for _, code := range []string{"A", "B", "C"} {
		pay.add(service.CouponHolding{StockID: "1001", CouponCode: code, OpenID: "o-1", Status: service.CouponIssued})
		if _, _, err := st.RecordCoupon(ctx, service.Coupon{StockID: "1001", CouponCode: code, OpenID: "o-1", ReceivedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	pay.set("1001", "A", service.CouponExpired)
	pay.set("1001", "B", service.CouponDeleted)
	n, err := newCouponsOn(t, st, kv, pay).Reconcile(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Reconcile = %d, %v, want 3 read", n, err)
	}
	for code, want := range map[string]service.CouponStatus{"A": service.CouponExpired, "B": service.CouponDeleted, "C": service.CouponIssued} {
		c, err := st.GetCoupon(ctx, "1001", code)
		if err != nil || c.Status != want {
			t.Errorf("coupon %s = %s, %v, want %s", code, c.Status, err, want)
		}
	}
}
