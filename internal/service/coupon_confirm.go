package service

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Confirm records the coupons the plugin reported, each only when WeChat Pay
// says openID holds it for that stock and it was sent for an out_request_no
// this server issued to openID. Item refusals are per item; an upstream or
// store failure fails the whole call (so that it can be retried).
//
// One plugin call hands up to ten coupons of one user, and each WeChat Pay
// call costs an RSA-2048 signature on each side, so the items are handled
// together: one read finds those recorded already, the out_request_nos are
// checked without I/O (sendno.go), one list of the user's newest coupons
// (§3.2) answers for several coupons at once, the coupons it did not show are
// asked one by one (§3.3, a few at a time), and the new records are written
// in one statement.
func (s *Coupons) Confirm(ctx context.Context, openID string, results []SendResult) ([]ConfirmItem, error) {
	if len(results) == 0 || len(results) > maxSendItems {
		return nil, Invalid("send_coupon_result", "send_coupon_result must hold 1 to %d items", maxSendItems)
	}
	out := make([]ConfirmItem, len(results))
	done := make([]bool, len(results))
	answer := func(i int, item ConfirmItem) { out[i], done[i] = item, true }
	refuse := func(i int) {
		answer(i, ConfirmItem{Err: notOwned(results[i].StockID, results[i].CouponCode)})
	}
	first := map[CouponKey]int{} // an item listed twice is answered as its first
	var keys []CouponKey
	for i, r := range results {
		if e := checkSendResult(r); e != nil {
			answer(i, ConfirmItem{Err: e})
			continue
		}
		k := CouponKey{StockID: r.StockID, CouponCode: r.CouponCode}
		if _, dup := first[k]; !dup {
			first[k] = i
			keys = append(keys, k)
		}
	}
	// Recorded already: idempotent, no upstream call.
	recs, err := s.store.GetCoupons(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read coupons: %w", err)
	}
	for _, rec := range recs {
		i := first[CouponKey{StockID: rec.StockID, CouponCode: rec.CouponCode}]
		if rec.OpenID == openID {
			answer(i, ConfirmItem{Coupon: rec})
		} else {
			refuse(i)
		}
	}
	var ask []int
	for _, k := range keys {
		i := first[k]
		if done[i] {
			continue
		}
		ok, err := s.sendNoIssuedTo(ctx, openID, k.StockID, results[i].OutRequestNo)
		if err != nil {
			return nil, err
		}
		if !ok {
			refuse(i)
			continue
		}
		ask = append(ask, i)
	}
	held, refused, err := s.holdings(ctx, openID, results, ask)
	if err != nil {
		return nil, err
	}
	var fresh []Coupon
	var at []int
	for _, i := range ask {
		if e := refused[i]; e != nil {
			answer(i, ConfirmItem{Err: e})
			continue
		}
		h, ok := held[i]
		if !ok || h.StockID != results[i].StockID || h.SendRequestNo != results[i].OutRequestNo {
			refuse(i)
			continue
		}
		fresh = append(fresh, s.newRecord(openID, h, results[i].OutRequestNo))
		at = append(at, i)
	}
	if len(fresh) > 0 {
		stored, created, err := s.store.RecordCoupons(ctx, fresh)
		if err != nil {
			return nil, fmt.Errorf("record coupons: %w", err)
		}
		n := 0
		for j, i := range at {
			if stored[j].OpenID != openID {
				refuse(i)
				continue
			}
			answer(i, ConfirmItem{Coupon: stored[j]})
			if created[j] {
				n++
			}
		}
		if n > 0 {
			s.log.InfoContext(ctx, "coupons recorded", "count", n)
		}
	}
	for i, r := range results {
		if !done[i] {
			out[i] = out[first[CouponKey{StockID: r.StockID, CouponCode: r.CouponCode}]]
		}
	}
	return out, nil
}

// checkSendResult checks one item of the plugin's detail.
func checkSendResult(r SendResult) *Error {
	if err := checkStockID(r.StockID); err != nil {
		return Invalid("stock_id", "stock_id is not a stock id")
	}
	if r.CouponCode == "" || len(r.CouponCode) > 128 {
		return Invalid("coupon_code", "coupon_code is required (at most 128 characters)")
	}
	if r.Code != "" && r.Code != "SUCCESS" && r.Code != "DUPREQUEST" {
		return &Error{Kind: KindInvalid, Message: "the plugin reported this item as not sent",
			Details: map[string]any{"stock_id": r.StockID, "code": r.Code}}
	}
	return nil
}

// holdings asks WeChat Pay about the items ask of results: first, for two or
// more coupons with WeChat Pay's codes, one page of the user's newest coupons
// (§3.2; right after a send they are the sent ones); then each coupon that
// page did not show, and each merchant-code coupon, on its own, at most
// ConfirmParallel at once. An item WeChat Pay does not know for openID is
// left out of the answer; one it refuses in the coupon's state is in refused
// (as when items were confirmed one by one). Whichever call answers, the
// coupon is one WeChat Pay lists under openID, with its stock and
// send_request_no. A list WeChat Pay refuses (its filters are partly
// undocumented) falls back to one call per coupon.
func (s *Coupons) holdings(ctx context.Context, openID string, results []SendResult, ask []int) (
	map[int]CouponHolding, map[int]*Error, error) {
	out := make(map[int]CouponHolding, len(ask))
	refused := map[int]*Error{}
	merchant := make(map[int]bool, len(ask))
	var wx []int
	for _, i := range ask {
		mc, err := s.merchantCode(ctx, results[i].StockID)
		if err != nil {
			return nil, nil, err
		}
		merchant[i] = mc
		if !mc {
			wx = append(wx, i)
		}
	}
	if len(wx) >= 2 {
		list, _, err := s.provider.RecentUserCoupons(ctx, openID, len(wx))
		var se *Error
		switch {
		case errors.As(err, &se) && (itemKind(se.Kind) || se.Kind == KindNotFound):
			s.log.WarnContext(ctx, "WeChat Pay refused the list of a user's coupons; asking coupon by coupon", "err", err)
		case err != nil:
			return nil, nil, fmt.Errorf("ask WeChat Pay about the user's coupons: %w", err)
		}
		byKey := make(map[CouponKey]CouponHolding, len(list))
		for _, h := range list {
			byKey[CouponKey{StockID: h.StockID, CouponCode: h.CouponCode}] = h
		}
		for _, i := range wx {
			if h, ok := byKey[CouponKey{StockID: results[i].StockID, CouponCode: results[i].CouponCode}]; ok {
				out[i] = h
			}
		}
	}
	var rest []int
	for _, i := range ask {
		if _, ok := out[i]; !ok {
			rest = append(rest, i)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.ConfirmParallel)
	for _, i := range rest {
		r := results[i]
		g.Go(func() error {
			h, err := s.provider.UserCoupon(gctx, openID, r.StockID, r.CouponCode, merchant[i])
			var se *Error
			switch {
			case KindOf(err) == KindNotFound:
				return nil
			case errors.As(err, &se) && itemKind(se.Kind):
				mu.Lock()
				refused[i] = se
				mu.Unlock()
				return nil
			case err != nil:
				return fmt.Errorf("ask WeChat Pay about the coupon: %w", err)
			}
			mu.Lock()
			out[i] = h
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return out, refused, nil
}

// itemKind: refusals that concern the item, not the service.
func itemKind(k Kind) bool {
	return k == KindCodeNotOwned || k == KindInvalid || k == KindConflict
}

// merchantCode reports whether the stock names its codes itself (they are
// then unique only within the stock). A stock not in the catalogue is taken
// as WeChat Pay's codes, which are global.
func (s *Coupons) merchantCode(ctx context.Context, stockID string) (bool, error) {
	st, err := s.stocks.GetStock(ctx, stockID)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read stock: %w", err)
	}
	return st.Definition.CouponCodeMode != "" && st.Definition.CouponCodeMode != CodeModeWeChatPay, nil
}

func notOwned(stockID, code string) *Error {
	return &Error{Kind: KindCodeNotOwned, Message: "this coupon was not sent to you by this service",
		Details: map[string]any{"stock_id": stockID, "coupon_code": code}}
}
