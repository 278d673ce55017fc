package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"time"
)

var stockIDPattern = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// StocksConfig is what the stock service needs to know about the merchant.
type StocksConfig struct {
	MchID       string // belong_merchant by default (WECHATPAY_MCH_ID)
	NotifyAppID string // notify_config.notify_appid by default (WECHAT_MINIAPP_ID)
}

// Stocks manages 商家券 stocks: creation on WeChat Pay and the local catalogue.
type Stocks struct {
	store    StockStore
	provider StockProvider
	counter  CouponCounter // nil: no coupons are recorded yet, counts are 0
	cfg      StocksConfig
	log      *slog.Logger
	now      func() time.Time
}

// NewStocks wires the stock service; counter may be nil.
func NewStocks(store StockStore, provider StockProvider, counter CouponCounter, cfg StocksConfig, log *slog.Logger, now func() time.Time) *Stocks {
	if now == nil {
		now = time.Now
	}
	return &Stocks{store: store, provider: provider, counter: counter, cfg: cfg, log: log, now: now}
}

// Create checks a create-stock body, creates the stock on the provider and
// records it. A retry with the same out_request_no and the same content
// answers the stock already made and creates nothing; the same number with
// other content is a conflict.
func (s *Stocks) Create(ctx context.Context, body []byte) (Stock, error) {
	def, err := s.parseDefinition(body)
	if err != nil {
		return Stock{}, err
	}
	digest := definitionDigest(def)
	switch known, err := s.store.GetStockByRequestNo(ctx, def.OutRequestNo); {
	case err == nil && known.RequestDigest == digest:
		return known, nil
	case err == nil:
		return Stock{}, &Error{Kind: KindConflict,
			Message: fmt.Sprintf("out_request_no %s was used for stock %s with other content", def.OutRequestNo, known.StockID),
			Details: map[string]any{"field": "out_request_no", "stock_id": known.StockID}}
	case !errors.Is(err, ErrNotFound):
		return Stock{}, fmt.Errorf("look up out_request_no %s: %w", def.OutRequestNo, err)
	}
	created, err := s.provider.CreateStock(ctx, def)
	if err != nil {
		return Stock{}, fmt.Errorf("create stock: %w", err)
	}
	stock := Stock{StockID: created.StockID, OutRequestNo: def.OutRequestNo, RequestDigest: digest,
		Status: StockRunning, Definition: def, CreatedAt: created.CreateTime}
	// The provider's copy carries the state; when it cannot be read now, keep
	// what was submitted so the stock is never lost, and let a later GET correct it.
	if got, err := s.provider.GetStock(ctx, created.StockID); err == nil {
		stock.Status, stock.Sent, stock.Definition = got.Status, got.Sent, got.Definition
	} else {
		s.log.WarnContext(ctx, "stock created but not read back; catalogue keeps the submitted definition",
			"stock_id", created.StockID, "err", err)
	}
	if stock.CreatedAt.IsZero() {
		stock.CreatedAt = s.now()
	}
	stock.UpdatedAt = s.now()
	if err := s.store.UpsertStock(ctx, stock); err != nil {
		return Stock{}, fmt.Errorf("record stock %s: %w", stock.StockID, err)
	}
	return stock, nil
}

// List returns a page of the local catalogue with each stock's coupon counts.
func (s *Stocks) List(ctx context.Context, f StockFilter) ([]StockDetail, int64, error) {
	switch f.Status {
	case "", StockUnaudit, StockRunning, StockStopped, StockPaused:
	default:
		return nil, 0, Invalid("status", "status is one of WeChat Pay's stock states: UNAUDIT, RUNNING, STOPED, PAUSED")
	}
	if err := checkPage(f.Offset, f.Count); err != nil {
		return nil, 0, err
	}
	stocks, total, err := s.store.ListStocks(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list stocks: %w", err)
	}
	out := make([]StockDetail, len(stocks))
	for i, st := range stocks {
		out[i].Stock = st
		if out[i].Counts, err = s.counts(ctx, st.StockID); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// Get reads the stock from the provider (refreshing the local copy) and adds
// the local counts of issued and consumed coupons.
func (s *Stocks) Get(ctx context.Context, stockID string) (StockDetail, error) {
	stock, err := s.refresh(ctx, stockID)
	if err != nil {
		return StockDetail{}, err
	}
	counts, err := s.counts(ctx, stockID)
	if err != nil {
		return StockDetail{}, err
	}
	return StockDetail{Stock: stock, Counts: counts}, nil
}

// Modify changes the stock's information (only what WeChat Pay lets change).
func (s *Stocks) Modify(ctx context.Context, stockID string, body []byte) (Stock, error) {
	if err := checkStockID(stockID); err != nil {
		return Stock{}, err
	}
	var patch StockPatch
	if err := decodeStrict(body, &patch); err != nil {
		return Stock{}, err
	}
	if patch.OutRequestNo == "" {
		patch.OutRequestNo = s.requestNo()
	}
	if err := checkStockPatch(patch); err != nil {
		return Stock{}, err
	}
	if err := s.provider.ModifyStock(ctx, stockID, patch); err != nil {
		return Stock{}, fmt.Errorf("modify stock %s: %w", stockID, err)
	}
	return s.refresh(ctx, stockID)
}

// BudgetRequest asks for one new limit.
type BudgetRequest struct {
	TargetMaxCoupons      *int64
	TargetMaxCouponsByDay *int64
}

// ChangeBudget sets the stock's total or daily limit. The current limits are
// read from the provider first: WeChat Pay checks them as a guard against
// concurrent changes.
func (s *Stocks) ChangeBudget(ctx context.Context, stockID string, req BudgetRequest) (StockBudget, error) {
	if err := checkStockID(stockID); err != nil {
		return StockBudget{}, err
	}
	switch {
	case req.TargetMaxCoupons == nil && req.TargetMaxCouponsByDay == nil:
		return StockBudget{}, Invalid("target_max_coupons", "give target_max_coupons or target_max_coupons_by_day")
	case req.TargetMaxCoupons != nil && req.TargetMaxCouponsByDay != nil:
		return StockBudget{}, Invalid("target_max_coupons_by_day", "change one limit at a time: target_max_coupons or target_max_coupons_by_day")
	}
	current, err := s.provider.GetStock(ctx, stockID)
	if err != nil {
		return StockBudget{}, fmt.Errorf("budget of %s: %w", stockID, err)
	}
	rule := current.Definition.StockSendRule
	change := BudgetChange{RequestNo: s.requestNo()}
	if t := req.TargetMaxCoupons; t != nil {
		if err := checkRange("target_max_coupons", *t, 1, maxStockCoupons); err != nil {
			return StockBudget{}, err
		}
		if *t < current.Sent {
			return StockBudget{}, &Error{Kind: KindInvalid,
				Message: fmt.Sprintf("%d coupons were already sent: the total cannot go below that", current.Sent),
				Details: map[string]any{"field": "target_max_coupons", "sent": current.Sent}}
		}
		change.TargetMaxCoupons, change.CurrentMaxCoupons = *t, rule.MaxCoupons
	} else {
		t := *req.TargetMaxCouponsByDay
		if err := checkRange("target_max_coupons_by_day", t, 1, maxStockCoupons); err != nil {
			return StockBudget{}, err
		}
		if t > rule.MaxCoupons {
			return StockBudget{}, Invalid("target_max_coupons_by_day", "target_max_coupons_by_day (%d) is more than max_coupons (%d)", t, rule.MaxCoupons)
		}
		change.TargetByDay, change.CurrentByDay = t, rule.MaxCouponsByDay
	}
	budget, err := s.provider.ChangeBudget(ctx, stockID, change)
	if err != nil {
		return StockBudget{}, fmt.Errorf("budget of %s: %w", stockID, err)
	}
	if _, err := s.refresh(ctx, stockID); err != nil {
		// WeChat Pay has the new limits; the catalogue catches up on the next read.
		s.log.WarnContext(ctx, "budget changed but stock not read back", "stock_id", stockID, "err", err)
	}
	return budget, nil
}

// SetCallback sets where WeChat Pay sends the merchant's 商家券 notifications.
// WeChat Pay requires HTTPS; the emulator also takes http:// for local tests,
// so the scheme is left to it.
func (s *Stocks) SetCallback(ctx context.Context, notifyURL string) (CouponCallback, error) {
	const p = "notify_url"
	if n := len(notifyURL); n < minNotifyURLLen || n > maxNotifyURLLen {
		return CouponCallback{}, Invalid(p, "notify_url is %d–%d characters", minNotifyURLLen, maxNotifyURLLen)
	}
	u, err := url.Parse(notifyURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return CouponCallback{}, Invalid(p, "notify_url must be an absolute https:// URL without credentials")
	}
	cb, err := s.provider.SetCallback(ctx, notifyURL)
	if err != nil {
		return CouponCallback{}, fmt.Errorf("set callback: %w", err)
	}
	return cb, nil
}

// refresh reads a stock from the provider and stores it, keeping what only
// the catalogue knows (creation request, created_at when the provider has none).
func (s *Stocks) refresh(ctx context.Context, stockID string) (Stock, error) {
	if err := checkStockID(stockID); err != nil {
		return Stock{}, err
	}
	stock, err := s.provider.GetStock(ctx, stockID)
	if err != nil {
		return Stock{}, fmt.Errorf("get stock %s: %w", stockID, err)
	}
	stock.StockID = stockID
	switch local, err := s.store.GetStock(ctx, stockID); {
	case err == nil:
		stock.OutRequestNo, stock.RequestDigest = local.OutRequestNo, local.RequestDigest
		if stock.CreatedAt.IsZero() {
			stock.CreatedAt = local.CreatedAt
		}
	case !errors.Is(err, ErrNotFound):
		return Stock{}, fmt.Errorf("read stock %s: %w", stockID, err)
	}
	stock.UpdatedAt = s.now()
	if stock.CreatedAt.IsZero() {
		stock.CreatedAt = stock.UpdatedAt
	}
	if err := s.store.UpsertStock(ctx, stock); err != nil {
		return Stock{}, fmt.Errorf("store stock %s: %w", stockID, err)
	}
	return stock, nil
}

func (s *Stocks) counts(ctx context.Context, stockID string) (CouponCounts, error) {
	if s.counter == nil {
		return CouponCounts{}, nil
	}
	c, err := s.counter.CountCoupons(ctx, stockID)
	if err != nil {
		return CouponCounts{}, fmt.Errorf("count coupons of %s: %w", stockID, err)
	}
	return c, nil
}

// requestNo makes a fresh request number: the merchant id, the date and 16
// random hex digits, as WeChat Pay suggests (mchid + date + serial).
func (s *Stocks) requestNo() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return s.cfg.MchID + s.now().UTC().Format("20060102") + hex.EncodeToString(b[:])
}

// definitionDigest tells a retried create from another use of its number.
func definitionDigest(def StockDefinition) string {
	b, _ := json.Marshal(def) // plain structs: Marshal cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checkStockID refuses ids that could not be WeChat Pay's before they reach
// a URL path (they are numeric strings in practice; letters pass in case).
func checkStockID(id string) error {
	if id == "" {
		return Invalid("stock_id", "stock_id is required")
	}
	if len(id) > 64 || !stockIDPattern.MatchString(id) {
		return &Error{Kind: KindNotFound, Message: "no such stock", Details: map[string]any{"stock_id": id}}
	}
	return nil
}
