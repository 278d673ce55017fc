package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"
)

// Errors a CouponProvider's OpenNotification reports.
var (
	ErrBadNotifySignature     = errors.New("notification signature does not verify")
	ErrNotificationUnreadable = errors.New("notification does not open")
)

// sendNoTTL is how long an issued out_request_no stays redeemable by a
// confirm: far longer than a user takes in the plugin.
const sendNoTTL = 24 * time.Hour

// maxSendItems is the plugin's limit of coupons per call (§4.1).
const maxSendItems = 10

// CouponsConfig is what the coupon service needs to know.
type CouponsConfig struct {
	// RefreshLimit bounds how many coupons a list re-reads from WeChat Pay.
	RefreshLimit int
	// RefreshAfter: a coupon read from WeChat Pay more recently is not
	// re-read by a list; 0: every list re-reads (up to RefreshLimit, those
	// read longest ago first).
	RefreshAfter time.Duration
	// SendNoKey signs out_request_nos (sendno.go); empty: they are kept in
	// the shared cache instead.
	SendNoKey []byte
	// ConfirmParallel bounds the WeChat Pay calls one confirm makes at once
	// (default 4).
	ConfirmParallel int
}

// Coupons hands 商家券 to users and redeems them.
type Coupons struct {
	store    CouponStore
	stocks   StockStore
	provider CouponProvider
	kv       KeyValue
	locks    Locker
	cfg      CouponsConfig
	outbox   *consumeOutbox // consumptions whose record failed (coupon_outbox.go)
	log      *slog.Logger
	now      func() time.Time
}

// NewCoupons wires the coupon service; locks may be nil (single instance).
func NewCoupons(store CouponStore, stocks StockStore, provider CouponProvider, kv KeyValue, locks Locker,
	cfg CouponsConfig, log *slog.Logger, now func() time.Time) *Coupons {
	if now == nil {
		now = time.Now
	}
	if cfg.RefreshLimit <= 0 {
		cfg.RefreshLimit = 10
	}
	if cfg.ConfirmParallel <= 0 {
		cfg.ConfirmParallel = 4
	}
	return &Coupons{store: store, stocks: stocks, provider: provider, kv: kv, locks: locks, cfg: cfg,
		outbox: newOutbox(nil, couponOutboxKey, log), log: log, now: now}
}

// SendableStocks are the running stocks inside their window now.
func (s *Coupons) SendableStocks(ctx context.Context) ([]Stock, error) {
	var out []Stock
	for offset := 0; ; offset += 100 {
		page, total, err := s.stocks.ListStocks(ctx, StockFilter{Status: StockRunning, Offset: offset, Count: 100})
		if err != nil {
			return nil, fmt.Errorf("list stocks: %w", err)
		}
		for _, st := range page {
			if s.sendable(st) {
				out = append(out, st)
			}
		}
		if len(page) == 0 || int64(offset+len(page)) >= total || offset >= 1000 {
			return out, nil
		}
	}
}

func (s *Coupons) sendable(st Stock) bool {
	if st.Status != StockRunning {
		return false
	}
	begin, end := st.Window()
	now := s.now()
	return !begin.IsZero() && !end.IsZero() && !now.Before(begin) && now.Before(end)
}

// SendParams are the send-coupon plugin's attributes.
type SendParams struct {
	Items    []SendParam
	Merchant string
	Sign     string
}

// SendParams makes the plugin's parameters for stockIDs: each stock running
// and in its window, a fresh out_request_no per stock remembered with openID.
func (s *Coupons) SendParams(ctx context.Context, openID string, stockIDs []string) (SendParams, error) {
	if len(stockIDs) == 0 || len(stockIDs) > maxSendItems {
		return SendParams{}, Invalid("stocks", "stocks must hold 1 to %d items", maxSendItems)
	}
	seen := map[string]bool{}
	items := make([]SendParam, 0, len(stockIDs))
	for i, id := range stockIDs {
		field := fmt.Sprintf("stocks[%d].stock_id", i)
		if err := checkStockID(id); err != nil {
			return SendParams{}, Invalid(field, "%s is not a stock id", field)
		}
		if seen[id] {
			return SendParams{}, Invalid(field, "stock %s is listed twice", id)
		}
		seen[id] = true
		st, err := s.stocks.GetStock(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return SendParams{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("no stock %s", id),
				Details: map[string]any{"field": field, "stock_id": id}}
		}
		if err != nil {
			return SendParams{}, fmt.Errorf("read stock %s: %w", id, err)
		}
		if !s.sendable(st) {
			return SendParams{}, &Error{Kind: KindConflict, Message: fmt.Sprintf("stock %s cannot be sent now", id),
				Details: map[string]any{"field": field, "stock_id": id, "status": string(st.Status)}}
		}
		if st.Definition.CouponCodeMode == CodeModeMerchantAPI {
			return SendParams{}, &Error{Kind: KindInvalid, Message: fmt.Sprintf("stock %s needs merchant codes, which this service does not send", id),
				Details: map[string]any{"field": field, "stock_id": id}}
		}
		items = append(items, SendParam{StockID: id, OutRequestNo: s.issueSendNo(openID, id)})
	}
	for _, it := range items {
		if s.signedSendNo(it.OutRequestNo) {
			continue // it proves itself (sendno.go)
		}
		if err := s.kv.Set(ctx, sendNoKey(it.StockID, it.OutRequestNo), openID, sendNoTTL); err != nil {
			return SendParams{}, fmt.Errorf("remember out_request_no: %w", err)
		}
	}
	merchant, sign, err := s.provider.PluginSign(items)
	if err != nil {
		return SendParams{}, fmt.Errorf("sign plugin parameters: %w", err)
	}
	return SendParams{Items: items, Merchant: merchant, Sign: sign}, nil
}

func sendNoKey(stockID, no string) string { return "coupon-send:" + stockID + ":" + no }

// newSendNo is a fresh out_request_no: 32 hex characters.
func newSendNo() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SendResult is one item of the plugin's bindsendcoupon detail.
type SendResult struct {
	StockID      string
	OutRequestNo string
	CouponCode   string
	Code         string // the plugin's item code
}

// ConfirmItem is the outcome of one item: the coupon, or its error.
type ConfirmItem struct {
	Coupon Coupon
	Err    *Error
}

func (s *Coupons) record(ctx context.Context, openID string, h CouponHolding, sendNo string) (Coupon, error) {
	c := s.newRecord(openID, h, sendNo)
	rec, created, err := s.store.RecordCoupon(ctx, c)
	if err != nil {
		return Coupon{}, fmt.Errorf("record coupon: %w", err)
	}
	if rec.OpenID != openID {
		return Coupon{}, notOwned(h.StockID, h.CouponCode)
	}
	if created {
		s.log.InfoContext(ctx, "coupon recorded", "stock_id", h.StockID)
	}
	return rec, nil
}

// newRecord is the record of a coupon WeChat Pay says openID holds.
func (s *Coupons) newRecord(openID string, h CouponHolding, sendNo string) Coupon {
	now := s.now().UTC()
	received := h.ReceivedAt
	if received.IsZero() {
		received = now
	}
	c := Coupon{StockID: h.StockID, CouponCode: h.CouponCode, OpenID: openID, Status: h.Status,
		OutRequestNo: sendNo, ReceivedAt: received, CheckedAt: &now}
	if c.Status == "" {
		c.Status = CouponIssued
	}
	if c.Status == CouponConsumed {
		at := h.UsedAt
		if at.IsZero() {
			at = now
		}
		c.ConsumedAt = &at
	}
	return c
}

// Notify handles a WeChat Pay notification: verified and opened by the
// provider, COUPON.SEND recorded once by notification id and by coupon.
func (s *Coupons) Notify(ctx context.Context, n CouponNotification) error {
	if n.Sent == nil {
		s.log.InfoContext(ctx, "wechatpay notification ignored", "event_type", n.EventType)
		return nil
	}
	if n.ID != "" {
		seen, err := s.store.NotificationSeen(ctx, n.ID)
		if err != nil {
			return fmt.Errorf("read notification %s: %w", n.ID, err)
		}
		if seen {
			return nil
		}
	}
	e := n.Sent
	if e.StockID == "" || e.CouponCode == "" || e.OpenID == "" {
		s.log.WarnContext(ctx, "COUPON.SEND without stock, code or openid; nothing recorded", "id", n.ID)
	} else {
		now := s.now().UTC()
		at := e.SentAt
		if at.IsZero() {
			at = now
		}
		// The out_request_no is not in the notification; a later confirm finds the record.
		if _, _, err := s.store.RecordCoupon(ctx, Coupon{StockID: e.StockID, CouponCode: e.CouponCode,
			OpenID: e.OpenID, Status: CouponIssued, ReceivedAt: at, CheckedAt: &now}); err != nil {
			return fmt.Errorf("record coupon from notification: %w", err)
		}
	}
	if n.ID != "" {
		if _, err := s.store.MarkNotification(ctx, n.ID, n.EventType); err != nil {
			return fmt.Errorf("mark notification %s: %w", n.ID, err)
		}
	}
	return nil
}

// Mine lists openID's coupons; statuses of up to RefreshLimit coupons not
// read lately are refreshed from WeChat Pay first (best effort: a failure
// leaves the recorded status).
func (s *Coupons) Mine(ctx context.Context, openID string, status CouponStatus) ([]Coupon, error) {
	if status != "" && !status.Valid() {
		return nil, Invalid("status", "status must be one of issued, consumed, unavailable, expired, deleted")
	}
	all, _, _, err := s.store.ListCoupons(ctx, CouponFilter{OpenID: openID, Count: 100})
	if err != nil {
		return nil, fmt.Errorf("list coupons: %w", err)
	}
	for _, i := range s.stale(all) {
		if fresh, err := s.refresh(ctx, all[i]); err == nil {
			all[i] = fresh
		} else {
			s.log.WarnContext(ctx, "coupon status not refreshed", "stock_id", all[i].StockID, "err", err)
		}
	}
	out := all[:0]
	for _, c := range all {
		if status == "" || c.Status == status {
			out = append(out, c)
		}
	}
	s.names(ctx, out)
	return out, nil
}

// stale picks the coupons a list re-reads: not final, not read within
// RefreshAfter, those read longest ago first, at most RefreshLimit.
func (s *Coupons) stale(all []Coupon) []int {
	var idx []int
	for i, c := range all {
		if c.Status.Final() || c.CheckedAt != nil && s.now().Sub(*c.CheckedAt) < s.cfg.RefreshAfter {
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ca, cb := all[idx[a]].CheckedAt, all[idx[b]].CheckedAt
		return ca == nil && cb != nil || ca != nil && cb != nil && ca.Before(*cb)
	})
	if len(idx) > s.cfg.RefreshLimit {
		idx = idx[:s.cfg.RefreshLimit]
	}
	return idx
}

// names fills StockName from the catalogue.
func (s *Coupons) names(ctx context.Context, cs []Coupon) {
	cache := map[string]string{}
	for i := range cs {
		name, ok := cache[cs[i].StockID]
		if !ok {
			if st, err := s.stocks.GetStock(ctx, cs[i].StockID); err == nil {
				name = st.Definition.StockName
			}
			cache[cs[i].StockID] = name
		}
		cs[i].StockName = name
	}
}

// refresh reads WeChat Pay's view of a recorded coupon and records its status.
func (s *Coupons) refresh(ctx context.Context, c Coupon) (Coupon, error) {
	h, err := s.holding(ctx, c)
	if err != nil {
		return c, err
	}
	return s.follow(ctx, c, h)
}

func (s *Coupons) holding(ctx context.Context, c Coupon) (CouponHolding, error) {
	merchantCode := false
	if st, err := s.stocks.GetStock(ctx, c.StockID); err == nil {
		merchantCode = st.Definition.CouponCodeMode != "" && st.Definition.CouponCodeMode != CodeModeWeChatPay
	}
	return s.provider.UserCoupon(ctx, c.OpenID, c.StockID, c.CouponCode, merchantCode)
}

// follow brings the record in line with WeChat Pay's view h.
func (s *Coupons) follow(ctx context.Context, c Coupon, h CouponHolding) (Coupon, error) {
	if h.Status == "" {
		return c, nil
	}
	returned := c.Status == CouponConsumed && h.Status == CouponIssued
	at := s.now().UTC()
	if h.Status == CouponConsumed && !h.UsedAt.IsZero() {
		at = h.UsedAt
	}
	return s.store.SetCouponStatus(ctx, c.StockID, c.CouponCode, h.Status, at, returned)
}

// Reveal opens the coupon code of a jump link and answers the caller's own
// coupon.
func (s *Coupons) Reveal(ctx context.Context, openID, stockID, nonce, associate, ciphertext string) (Coupon, error) {
	if err := checkStockID(stockID); err != nil {
		return Coupon{}, Invalid("stock_id", "stock_id is not a stock id")
	}
	if nonce == "" || ciphertext == "" {
		return Coupon{}, Invalid("ciphertext", "nonce and ciphertext are required")
	}
	if associate == "" {
		associate = "COUPON_CODE"
	}
	code, err := s.provider.DecryptCouponCode(nonce, associate, ciphertext)
	if err != nil {
		return Coupon{}, &Error{Kind: KindInvalid, Message: "the link's ciphertext does not open",
			Details: map[string]any{"field": "ciphertext"}}
	}
	rec, err := s.store.GetCoupon(ctx, stockID, code)
	switch {
	case err == nil && rec.OpenID != openID:
		return Coupon{}, notOwned(stockID, "")
	case errors.Is(err, ErrNotFound):
		// Not recorded here (its confirm and notification were lost): WeChat
		// Pay says whether the caller holds it.
		h, err := s.holding(ctx, Coupon{StockID: stockID, CouponCode: code, OpenID: openID})
		if KindOf(err) == KindNotFound {
			return Coupon{}, notOwned(stockID, "")
		}
		if err != nil {
			return Coupon{}, fmt.Errorf("ask WeChat Pay about the coupon: %w", err)
		}
		return s.record(ctx, openID, h, h.SendRequestNo)
	case err != nil:
		return Coupon{}, fmt.Errorf("read coupon: %w", err)
	}
	if fresh, err := s.refresh(ctx, rec); err == nil {
		rec = fresh
	}
	return rec, nil
}

// derivedNo is a request number derived from the coupon, so that a retry,
// on any replica, is the same request at WeChat Pay.
func derivedNo(kind, stockID, code string, generation int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d", kind, stockID, code, generation))
	return kind + hex.EncodeToString(sum[:15])
}
