package service

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// useIntentTTL keeps a consumption's use_time so that a retry sends the same
// request (WeChat Pay compares every field of a replay).
const useIntentTTL = 24 * time.Hour

// CouponView is WeChat Pay's view of a coupon with the local record.
type CouponView struct {
	Holding    CouponHolding
	Record     Coupon
	CanConsume bool
}

// Consumed is the outcome of a consumption; Recorded is false when WeChat
// Pay redeemed the coupon but the local write failed (the outbox records it
// once the store is back; a retry or look-up does too).
type Consumed struct {
	Coupon   Coupon
	Recorded bool
}

func checkCouponArgs(stockID, code string) error {
	if code == "" || len(code) > 128 {
		return Invalid("coupon_code", "coupon_code is required (at most 128 characters)")
	}
	if stockID == "" {
		return Invalid("stock_id", "stock_id is required")
	}
	if err := checkStockID(stockID); err != nil {
		return Invalid("stock_id", "stock_id is not a stock id")
	}
	return nil
}

// recorded returns the local record of a coupon. WeChat Pay reads a coupon
// only with its holder's openid, so a coupon never recorded is not found.
func (s *Coupons) recorded(ctx context.Context, stockID, code string) (Coupon, error) {
	if stockID == "" {
		if code == "" || len(code) > 128 {
			return Coupon{}, Invalid("coupon_code", "coupon_code is required (at most 128 characters)")
		}
		found, err := s.store.FindCoupons(ctx, code)
		if err != nil {
			return Coupon{}, fmt.Errorf("find coupon: %w", err)
		}
		switch len(found) {
		case 0:
			return Coupon{}, &Error{Kind: KindNotFound, Message: "no coupon with this code is recorded"}
		case 1:
			return found[0], nil
		}
		return Coupon{}, Invalid("stock_id", "several stocks have this code: give stock_id")
	}
	if err := checkCouponArgs(stockID, code); err != nil {
		return Coupon{}, err
	}
	rec, err := s.store.GetCoupon(ctx, stockID, code)
	if errors.Is(err, ErrNotFound) {
		return Coupon{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("no coupon %s of stock %s is recorded", code, stockID),
			Details: map[string]any{"stock_id": stockID}}
	}
	if err != nil {
		return Coupon{}, fmt.Errorf("read coupon: %w", err)
	}
	return rec, nil
}

// LookUp asks WeChat Pay about a recorded coupon; the record follows.
func (s *Coupons) LookUp(ctx context.Context, stockID, code string) (CouponView, error) {
	rec, err := s.recorded(ctx, stockID, code)
	if err != nil {
		return CouponView{}, err
	}
	h, err := s.holding(ctx, rec)
	if err != nil {
		return CouponView{}, fmt.Errorf("look up coupon: %w", err)
	}
	if fresh, err := s.follow(ctx, rec, h); err == nil {
		rec = fresh
	} else {
		s.log.WarnContext(ctx, "coupon record not brought in line", "stock_id", rec.StockID, "err", err)
	}
	now := s.now()
	can := h.Status == CouponIssued && (h.AvailableFrom.IsZero() || !now.Before(h.AvailableFrom)) &&
		(h.ExpiresAt.IsZero() || now.Before(h.ExpiresAt))
	return CouponView{Holding: h, Record: rec, CanConsume: can}, nil
}

// Consume redeems a coupon at most once: a lease shared by the replicas
// serialises clerks, and the use_request_no is derived from the coupon and
// its returns so far, so a retry is the same request at WeChat Pay.
func (s *Coupons) Consume(ctx context.Context, stockID, code string) (Consumed, error) {
	if err := checkCouponArgs(stockID, code); err != nil {
		return Consumed{}, err
	}
	unlock, err := s.lease(ctx, "coupon-use:"+stockID+":"+code)
	if err != nil {
		return Consumed{}, err
	}
	defer unlock()

	rec, err := s.store.GetCoupon(ctx, stockID, code)
	switch {
	case err == nil && rec.Status == CouponConsumed:
		return Consumed{}, &Error{Kind: KindConflict, Message: "this coupon is consumed already",
			Details: map[string]any{"status": string(rec.Status)}}
	case err == nil && rec.Status.Final():
		return Consumed{}, &Error{Kind: KindConflict, Message: "this coupon is " + string(rec.Status),
			Details: map[string]any{"status": string(rec.Status)}}
	case err != nil && !errors.Is(err, ErrNotFound):
		return Consumed{}, fmt.Errorf("read coupon: %w", err)
	}
	known := err == nil
	reqNo := derivedNo("U", stockID, code, rec.Returns)
	useTime, err := s.useTime(ctx, reqNo)
	if err != nil {
		return Consumed{}, err
	}
	h, err := s.provider.UseCoupon(ctx, stockID, code, reqNo, useTime)
	if err != nil {
		if known && KindOf(err) == KindConflict {
			if _, rerr := s.refresh(ctx, rec); rerr != nil {
				s.log.WarnContext(ctx, "coupon record not brought in line", "stock_id", stockID, "err", rerr)
			}
		}
		return Consumed{}, fmt.Errorf("consume coupon: %w", err)
	}
	if !known {
		rec = Coupon{StockID: stockID, CouponCode: code, OpenID: h.OpenID, Status: CouponIssued, ReceivedAt: useTime}
	}
	// Bounded, and not cut short by a clerk who gives up: WeChat Pay has
	// redeemed it.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), consumeWriteTimeout)
	stored, err := s.markConsumed(wctx, rec, useTime, known)
	cancel()
	if err != nil {
		// WeChat Pay has redeemed it: say so. The outbox records it once the
		// store is back (a retry, same request, or a look-up does too).
		s.log.ErrorContext(ctx, "coupon consumed at WeChat Pay but not recorded (outbox)", "stock_id", stockID, "err", err)
		s.pend(ctx, rec, useTime)
		rec.Status, rec.ConsumedAt = CouponConsumed, &useTime
		return Consumed{Coupon: rec, Recorded: false}, nil
	}
	s.log.InfoContext(ctx, "coupon consumed", "stock_id", stockID)
	return Consumed{Coupon: stored, Recorded: true}, nil
}

func (s *Coupons) markConsumed(ctx context.Context, rec Coupon, at time.Time, known bool) (Coupon, error) {
	if !known {
		if rec.OpenID == "" {
			return Coupon{}, errors.New("WeChat Pay did not name the holder")
		}
		if _, _, err := s.store.RecordCoupon(ctx, rec); err != nil {
			return Coupon{}, err
		}
	}
	return s.store.SetCouponStatus(ctx, rec.StockID, rec.CouponCode, CouponConsumed, at, false)
}

// useTime is the use_time of the request reqNo: the first attempt's, kept in
// the shared cache, so a retry on any replica repeats it exactly.
func (s *Coupons) useTime(ctx context.Context, reqNo string) (time.Time, error) {
	key := "coupon-use-time:" + reqNo
	if v, ok, err := s.kv.Get(ctx, key); err == nil && ok {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
	}
	t := s.now().UTC().Truncate(time.Second)
	if err := s.kv.Set(ctx, key, t.Format(time.RFC3339), useIntentTTL); err != nil {
		s.log.WarnContext(ctx, "use_time not kept; a retry may be refused as a different request", "err", err)
	}
	return t, nil
}

// Deactivate makes a coupon unusable for good.
func (s *Coupons) Deactivate(ctx context.Context, stockID, code, reason string) (Coupon, error) {
	if err := checkCouponArgs(stockID, code); err != nil {
		return Coupon{}, err
	}
	if len([]rune(reason)) > 64 {
		return Coupon{}, Invalid("reason", "reason is at most 64 characters")
	}
	if err := s.provider.DeactivateCoupon(ctx, stockID, code, derivedNo("D", stockID, code, 0), reason); err != nil {
		return Coupon{}, fmt.Errorf("deactivate coupon: %w", err)
	}
	rec, err := s.store.SetCouponStatus(ctx, stockID, code, CouponUnavailable, s.now().UTC(), false)
	if errors.Is(err, ErrNotFound) {
		return Coupon{StockID: stockID, CouponCode: code, Status: CouponUnavailable}, nil
	}
	if err != nil {
		return Coupon{}, fmt.Errorf("record deactivation: %w", err)
	}
	return rec, nil
}

// Return gives a consumed coupon back (退券); it is issued again.
func (s *Coupons) Return(ctx context.Context, stockID, code string) (Coupon, error) {
	rec, err := s.recorded(ctx, stockID, code)
	if err != nil {
		return Coupon{}, err
	}
	if rec.Status != CouponConsumed {
		// WeChat Pay may know better (a consumption whose record failed).
		if fresh, err := s.refresh(ctx, rec); err == nil {
			rec = fresh
		}
		if rec.Status != CouponConsumed {
			return Coupon{}, &Error{Kind: KindConflict, Message: "only a consumed coupon can be returned",
				Details: map[string]any{"status": string(rec.Status)}}
		}
	}
	if err := s.provider.ReturnCoupon(ctx, stockID, code, derivedNo("R", stockID, code, rec.Returns)); err != nil {
		return Coupon{}, fmt.Errorf("return coupon: %w", err)
	}
	out, err := s.store.SetCouponStatus(ctx, stockID, code, CouponIssued, s.now().UTC(), true)
	if err != nil {
		return Coupon{}, fmt.Errorf("record return: %w", err)
	}
	return out, nil
}

// ListForStock is a page of a stock's recorded coupons, their number (only
// without a cursor) and the cursor of the page's last coupon when more follow.
func (s *Coupons) ListForStock(ctx context.Context, f CouponFilter) ([]Coupon, int64, *Cursor, error) {
	if err := checkStockID(f.StockID); err != nil {
		return nil, 0, nil, Invalid("stock_id", "stock_id is not a stock id")
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, 0, nil, Invalid("status", "status must be one of issued, consumed, unavailable, expired, deleted")
	}
	if err := checkListPage(Page{Offset: f.Offset, Count: f.Count, After: f.After}); err != nil {
		return nil, 0, nil, err
	}
	list, total, next, err := s.store.ListCoupons(ctx, f)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("list coupons: %w", err)
	}
	return list, total, next, nil
}

func (s *Coupons) lease(ctx context.Context, key string) (func(), error) {
	if s.locks == nil {
		return func() {}, nil
	}
	unlock, ok, err := s.locks.TryLock(ctx, key, 30*time.Second)
	if err != nil {
		s.log.WarnContext(ctx, "coupon lease unavailable; relying on the derived use_request_no", "err", err)
		return func() {}, nil
	}
	if !ok {
		return nil, Errorf(KindConflict, "this coupon is being consumed by another request")
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = unlock(uctx)
	}, nil
}
