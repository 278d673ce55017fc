package service

import (
	"context"
	"fmt"
	"time"
)

// Expiry, deletion in the wallet and deactivation elsewhere raise no event
// (§5.1: COUPON.SEND is the only one), so recorded statuses are also brought
// in line in the background: every ReconcileEvery, one replica (a lease)
// re-reads the ReconcileBatch coupons received within ReconcileWindow that
// were read from WeChat Pay longest ago. Look-ups and lists re-read too.
const (
	ReconcileEvery  = 5 * time.Minute
	ReconcileBatch  = 50
	ReconcileWindow = 60 * 24 * time.Hour
)

// Reconcile re-reads up to ReconcileBatch recently issued coupons from
// WeChat Pay and records their statuses; it answers how many it read. Only
// one replica runs it at a time.
func (s *Coupons) Reconcile(ctx context.Context) (int, error) {
	if s.locks != nil {
		unlock, ok, err := s.locks.TryLock(ctx, "coupon-reconcile", ReconcileEvery)
		if err != nil {
			return 0, fmt.Errorf("reconcile lease: %w", err)
		}
		if !ok {
			return 0, nil
		}
		defer func() {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			_ = unlock(uctx)
		}()
	}
	list, err := s.store.StaleCoupons(ctx, s.now().Add(-ReconcileWindow), ReconcileBatch)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	n := 0
	for _, c := range list {
		if ctx.Err() != nil {
			break
		}
		if _, err := s.refresh(ctx, c); err != nil {
			s.log.WarnContext(ctx, "reconcile: coupon not refreshed", "stock_id", c.StockID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// RunReconcile calls Reconcile every ReconcileEvery until ctx ends.
func (s *Coupons) RunReconcile(ctx context.Context) {
	t := time.NewTicker(ReconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Reconcile(ctx); err != nil {
				s.log.WarnContext(ctx, "coupon reconciliation failed", "err", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "coupons reconciled with WeChat Pay", "read", n)
			}
		}
	}
}
