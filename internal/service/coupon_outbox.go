package service

import (
	"context"
	"errors"
	"time"
)

// 商家券 consumptions WeChat Pay accepted but the store did not take wait in
// an outbox, as card consumptions do (consume_outbox.go): an entry in the
// shared hash (Redis, when WithOutbox gave one) and in this process's memory,
// drained by every replica every few seconds and at start (RunOutbox). No
// intent is written before the call, unlike cards: the use_request_no is
// derived from the coupon and its use_time kept, so a retried consume is the
// same request at WeChat Pay and answers the same.
//
// Guarantee: a consumption WeChat Pay accepted is recorded once the store is
// back, by any live replica while Redis keeps the entry, or by the replica
// that answered while it runs; a retried consume, a look-up and the
// reconciliation repair it too. The write is conditional on the coupon's
// returns (SetCouponConsumed): an entry drained after the coupon was returned
// (退券) does not mark it consumed again, and the first consumption time is
// kept, so nothing is counted twice.

// WithOutbox keeps pending consumptions in pending, shared by the replicas;
// without it they are kept in this process only (a single instance).
func (s *Coupons) WithOutbox(pending SharedHash) *Coupons {
	s.outbox = newOutbox(pending, couponOutboxKey, s.log)
	return s
}

// pend keeps a consumption WeChat Pay accepted whose record failed.
func (s *Coupons) pend(ctx context.Context, rec Coupon, at time.Time) {
	s.outbox.put(context.WithoutCancel(ctx), consumeEntry{CardID: rec.StockID, Code: rec.CouponCode, OpenID: rec.OpenID,
		At: at.UnixMilli(), Confirmed: true, Returns: rec.Returns})
}

// RunOutbox records pending consumptions at start and every interval until
// ctx ends.
func (s *Coupons) RunOutbox(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.FlushOutbox(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// FlushOutbox writes every pending consumption the store takes now.
func (s *Coupons) FlushOutbox(ctx context.Context) {
	for _, e := range s.outbox.all(ctx) {
		if ctx.Err() != nil {
			return
		}
		if err := s.recordConsumption(ctx, e); err != nil {
			s.log.WarnContext(ctx, "pending coupon consumption not recorded yet", "stock_id", e.CardID, "err", err)
			continue
		}
		s.outbox.remove(ctx, e.CardID, e.Code)
		s.log.InfoContext(ctx, "pending coupon consumption recorded", "stock_id", e.CardID)
	}
}

// recordConsumption writes one pending consumption, within
// consumeWriteTimeout.
func (s *Coupons) recordConsumption(ctx context.Context, e consumeEntry) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), consumeWriteTimeout)
	defer cancel()
	at := e.at()
	_, err := s.store.SetCouponConsumed(ctx, e.CardID, e.Code, at, e.Returns)
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	// Consumed before any confirm or notification reached us.
	if e.OpenID == "" {
		s.log.WarnContext(ctx, "consumed coupon unknown here and WeChat Pay named no holder: not recorded", "stock_id", e.CardID)
		return nil
	}
	now := s.now().UTC()
	_, created, err := s.store.RecordCoupon(ctx, Coupon{StockID: e.CardID, CouponCode: e.Code, OpenID: e.OpenID,
		Status: CouponConsumed, Returns: e.Returns, ReceivedAt: at, ConsumedAt: &at, CheckedAt: &now})
	if err != nil || created {
		return err
	}
	_, err = s.store.SetCouponConsumed(ctx, e.CardID, e.Code, at, e.Returns) // recorded meanwhile
	return err
}
