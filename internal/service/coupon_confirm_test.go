package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

type confirmEnv struct {
	svc   *service.Coupons
	pay   *fakePay
	st    *store.Store
	clock *fakeClock
}

func newConfirmEnv(t *testing.T, key []byte) confirmEnv {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	st := openMySQLStore(t, testenv.MySQLDSN(t))
	pay := newFakePay()
	clock := &fakeClock{t: time.Now()}
	svc := service.NewCoupons(st, st, pay, kv, kv, service.CouponsConfig{SendNoKey: key},
		slog.New(slog.NewTextHandler(io.Discard, nil)), clock.now)
	return confirmEnv{svc: svc, pay: pay, st: st, clock: clock}
}

// running stores a running stock sendable now.
func (e confirmEnv) running(t *testing.T, id string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	def := service.StockDefinition{StockName: "券 " + id, CouponCodeMode: service.CodeModeWeChatPay}
	def.CouponUseRule.CouponAvailableTime.AvailableBeginTime = now.Add(-time.Hour).Format(time.RFC3339)
	def.CouponUseRule.CouponAvailableTime.AvailableEndTime = now.Add(24 * time.Hour).Format(time.RFC3339)
	if err := e.st.UpsertStock(context.Background(), service.Stock{StockID: id, Status: service.StockRunning,
		Definition: def, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// send plays the plugin: params for stocks, then WeChat Pay holds one coupon
// of each for openID; it returns the plugin's detail.
func (e confirmEnv) send(t *testing.T, openID string, stocks ...string) []service.SendResult {
	t.Helper()
	p, err := e.svc.SendParams(context.Background(), openID, stocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []service.SendResult
	for _, it := range p.Items {
		code := fmt.Sprintf("%d", time.Now().UnixNano())
		e.pay.add(service.CouponHolding{StockID: it.StockID, CouponCode: code, OpenID: openID,
			Status: service.CouponIssued, SendRequestNo: it.OutRequestNo})
		out = append(out, service.SendResult{StockID: it.StockID, OutRequestNo: it.OutRequestNo, CouponCode: code, Code: "SUCCESS"})
	}
	return out
}

func issued(t *testing.T, items []service.ConfirmItem) int {
	t.Helper()
	n := 0
	for _, it := range items {
		if it.Err == nil && it.Coupon.Status == service.CouponIssued {
			n++
		}
	}
	return n
}

// Several coupons of one plugin call cost one WeChat Pay call and are
// recorded; a repeat costs none; a forged item among them is refused alone.
func TestConfirmSeveralWithOneCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, key := range [][]byte{service.SendNoKey("0123456789abcdef0123456789abcdef"), nil} {
		t.Run(fmt.Sprintf("signed=%v", key != nil), func(t *testing.T) {
			e := newConfirmEnv(t, key)
			stocks := []string{"2001", "2002", "2003"}
			for _, s := range stocks {
				e.running(t, s)
			}
			res := e.send(t, "o-alice", stocks...)
			forged := service.SendResult{StockID: "2001", OutRequestNo: res[0].OutRequestNo, CouponCode: "99999", Code: "SUCCESS"}
			items, err := e.svc.Confirm(ctx, "o-alice", append(res, forged))
			if err != nil {
				t.Fatal(err)
			}
			if issued(t, items[:3]) != 3 || items[3].Err == nil || items[3].Err.Kind != service.KindCodeNotOwned {
				t.Fatalf("confirm = %+v, want three issued and the forged one code_not_owned", items)
			}
			// One list for the three; the forged code, not in it, asked alone.
			if e.pay.listCalls != 1 || e.pay.getCalls != 1 {
				t.Fatalf("WeChat Pay calls: %d lists, %d gets; want 1 and 1", e.pay.listCalls, e.pay.getCalls)
			}
			mine, _, _, err := e.st.ListCoupons(ctx, service.CouponFilter{OpenID: "o-alice"})
			if err != nil || len(mine) != 3 {
				t.Fatalf("records = %d (%v), want 3", len(mine), err)
			}
			items, err = e.svc.Confirm(ctx, "o-alice", res)
			if err != nil || issued(t, items) != 3 || e.pay.listCalls != 1 || e.pay.getCalls != 1 {
				t.Fatalf("repeat: %+v, %v, %d lists, %d gets; want the same 3, no call", items, err, e.pay.listCalls, e.pay.getCalls)
			}
		})
	}
}

// Coupons the list does not show (the user received more since, or WeChat
// Pay orders its list otherwise) are asked one by one: all recorded.
func TestConfirmFallsBackToOneByOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newConfirmEnv(t, service.SendNoKey("0123456789abcdef0123456789abcdef"))
	e.running(t, "2101")
	e.running(t, "2102")
	res := e.send(t, "o-bob", "2101", "2102")
	e.send(t, "o-bob", "2101", "2102") // newer coupons push the first ones off the page
	items, err := e.svc.Confirm(ctx, "o-bob", res)
	if err != nil || issued(t, items) != 2 {
		t.Fatalf("confirm = %+v, %v; want two issued", items, err)
	}
	if e.pay.listCalls != 1 || e.pay.getCalls != 2 {
		t.Fatalf("WeChat Pay calls: %d lists, %d gets; want 1 and 2", e.pay.listCalls, e.pay.getCalls)
	}
	// A list WeChat Pay refuses (400 INVALID_REQUEST) does not fail the
	// confirm: each coupon is asked alone.
	e.pay.listErr = &service.Error{Kind: service.KindConflict, Message: "refused"}
	res = e.send(t, "o-bob", "2101", "2102")
	items, err = e.svc.Confirm(ctx, "o-bob", res)
	if err != nil || issued(t, items) != 2 || e.pay.listCalls != 2 || e.pay.getCalls != 4 {
		t.Fatalf("confirm with the list refused = %+v, %v (%d lists, %d gets); want two issued, 2 lists, 4 gets",
			items, err, e.pay.listCalls, e.pay.getCalls)
	}
}

// A signed out_request_no passes only for the user and stock it was made
// for, and only for 24 hours; another user's confirm of the same coupon is
// refused and records nothing.
func TestConfirmSignedRequestNo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newConfirmEnv(t, service.SendNoKey("0123456789abcdef0123456789abcdef"))
	e.running(t, "2201")
	e.running(t, "2202")
	res := e.send(t, "o-carol", "2201", "2202")
	if len(res[0].OutRequestNo) > 128 || res[0].OutRequestNo == res[1].OutRequestNo {
		t.Fatalf("out_request_nos %q, %q", res[0].OutRequestNo, res[1].OutRequestNo)
	}
	// Another user presenting them (WeChat Pay would not list them for her anyway).
	items, err := e.svc.Confirm(ctx, "o-mallory", res)
	if err != nil || issued(t, items) != 0 {
		t.Fatalf("another user's confirm = %+v, %v; want nothing issued", items, err)
	}
	// A number moved to another stock, or altered, does not pass.
	swapped := []service.SendResult{res[0], res[1]}
	swapped[0].OutRequestNo, swapped[1].OutRequestNo = res[1].OutRequestNo, res[0].OutRequestNo
	tampered := res[0]
	tampered.OutRequestNo = res[0].OutRequestNo[:len(res[0].OutRequestNo)-1] + "0"
	if tampered.OutRequestNo == res[0].OutRequestNo {
		tampered.OutRequestNo = res[0].OutRequestNo[:len(res[0].OutRequestNo)-1] + "1"
	}
	for _, bad := range [][]service.SendResult{swapped, {tampered}} {
		if items, err := e.svc.Confirm(ctx, "o-carol", bad); err != nil || issued(t, items) != 0 {
			t.Fatalf("confirm of %+v = %+v, %v; want nothing issued", bad, items, err)
		}
	}
	if e.pay.listCalls+e.pay.getCalls != 0 {
		t.Fatalf("WeChat Pay asked %d times about numbers this server did not issue", e.pay.listCalls+e.pay.getCalls)
	}
	// Expired after 24 hours.
	e.clock.add(25 * time.Hour)
	if items, err := e.svc.Confirm(ctx, "o-carol", res); err != nil || issued(t, items) != 0 {
		t.Fatalf("confirm after 25 h = %+v, %v; want nothing issued", items, err)
	}
	mine, _, _, err := e.st.ListCoupons(ctx, service.CouponFilter{OpenID: "o-carol"})
	if err != nil || len(mine) != 0 {
		t.Fatalf("records = %d (%v), want none", len(mine), err)
	}
}
