package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

// fakeStocks is a stock provider that remembers what it was sent.
type fakeStocks struct {
	mu      sync.Mutex
	created []service.StockDefinition
	stocks  map[string]service.Stock
}

var _ service.StockProvider = (*fakeStocks)(nil)

func (f *fakeStocks) CreateStock(_ context.Context, def service.StockDefinition) (service.StockCreated, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, def)
	id := strings.Repeat("9", len(f.created))
	f.stocks[id] = service.Stock{StockID: id, Status: service.StockRunning, Definition: def}
	return service.StockCreated{StockID: id, CreateTime: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}, nil
}

func (f *fakeStocks) GetStock(_ context.Context, id string) (service.Stock, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stocks[id]
	if !ok {
		return service.Stock{}, &service.Error{Kind: service.KindNotFound, Message: "no such stock"}
	}
	s.Definition.OutRequestNo = "" // WeChat Pay does not report it
	return s, nil
}

func (f *fakeStocks) ModifyStock(context.Context, string, service.StockPatch) error { return nil }
func (f *fakeStocks) ChangeBudget(context.Context, string, service.BudgetChange) (service.StockBudget, error) {
	return service.StockBudget{}, nil
}
func (f *fakeStocks) SetCallback(context.Context, string) (service.CouponCallback, error) {
	return service.CouponCallback{}, nil
}

func newStocksEnv(t *testing.T) (*service.Stocks, *fakeStocks) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: ":memory:"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := &fakeStocks{stocks: map[string]service.Stock{}}
	now := func() time.Time { return time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC) }
	svc := service.NewStocks(st, p, nil, service.StocksConfig{MchID: "1900000001", NotifyAppID: "wxmini"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), now)
	return svc, p
}

const minimalStock = `{"stock_name":"满10减1","goods_name":"全场通用","stock_type":"NORMAL",
 "coupon_use_rule":{"coupon_available_time":{"available_begin_time":"2026-11-24T00:00:00+08:00",
   "available_end_time":"2026-12-31T23:59:59+08:00"},
   "fixed_normal_coupon":{"discount_amount":100,"transaction_minimum":1000},"use_method":"OFF_LINE"},
 "stock_send_rule":{"max_coupons":1000,"max_coupons_per_user":1},"coupon_code_mode":"WECHATPAY_MODE"%s}`

func TestStockCreateDefaults(t *testing.T) {
	t.Parallel()
	svc, p := newStocksEnv(t)
	s, err := svc.Create(context.Background(), []byte(strings.Replace(minimalStock, "%s", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	sent := p.created[0]
	if sent.BelongMerchant != "1900000001" || sent.NotifyConfig == nil || sent.NotifyConfig.NotifyAppID != "wxmini" {
		t.Errorf("sent belong_merchant %q notify_config %+v, want the merchant and the mini-program", sent.BelongMerchant, sent.NotifyConfig)
	}
	if !strings.HasPrefix(sent.OutRequestNo, "190000000120261124") || len(sent.OutRequestNo) != 34 || s.OutRequestNo != sent.OutRequestNo {
		t.Errorf("made out_request_no %q (recorded %q), want mchid+date+16 hex", sent.OutRequestNo, s.OutRequestNo)
	}
	// Another create without a number is another stock.
	if _, err := svc.Create(context.Background(), []byte(strings.Replace(minimalStock, "%s", "", 1))); err != nil {
		t.Fatal(err)
	}
	if len(p.created) != 2 || p.created[0].OutRequestNo == p.created[1].OutRequestNo {
		t.Errorf("two creates without a number: sent %d with numbers equal, want 2 with fresh numbers", len(p.created))
	}
}

func TestStockCreateRetry(t *testing.T) {
	t.Parallel()
	svc, p := newStocksEnv(t)
	body := []byte(strings.Replace(minimalStock, "%s", `,"out_request_no":"R-1"`, 1))
	first, err := svc.Create(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.Create(context.Background(), body)
	if err != nil || again.StockID != first.StockID {
		t.Fatalf("retry = %s, %v; want %s", again.StockID, err, first.StockID)
	}
	if len(p.created) != 1 {
		t.Errorf("provider creates = %d, want 1", len(p.created))
	}
	var other map[string]any
	_ = json.Unmarshal(body, &other)
	other["goods_name"] = "别的"
	raw, _ := json.Marshal(other)
	_, err = svc.Create(context.Background(), raw)
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.KindConflict || se.Details["field"] != "out_request_no" {
		t.Errorf("same number, other content: err = %v, want conflict naming out_request_no", err)
	}
}

func TestStockDefinitionRules(t *testing.T) {
	t.Parallel()
	svc, p := newStocksEnv(t)
	for _, tc := range []struct{ name, extra, field string }{
		{"4-byte character", `,"comment":"好😀"`, "comment"},
		{"wrong type", `,"subsidy":"yes"`, "subsidy"},
		{"unknown field", `,"colour":"red"`, "colour"},
	} {
		_, err := svc.Create(context.Background(), []byte(strings.Replace(minimalStock, "%s", tc.extra, 1)))
		var se *service.Error
		if !errors.As(err, &se) || se.Kind != service.KindInvalid || se.Details["field"] != tc.field {
			t.Errorf("%s: err = %v, want invalid naming %s", tc.name, err, tc.field)
		}
	}
	if len(p.created) != 0 {
		t.Errorf("provider creates = %d, want none", len(p.created))
	}
}

// A year is WeChat Pay's calendar year: 2026-11-24 to 2027-11-24 passes, one
// day more (366 days, no 29 February between) does not.
func TestStockWindowAtMostOneCalendarYear(t *testing.T) {
	t.Parallel()
	svc, _ := newStocksEnv(t)
	window := func(end string) []byte {
		return []byte(strings.Replace(strings.Replace(minimalStock, "%s", "", 1),
			"2026-12-31T23:59:59+08:00", end, 1))
	}
	if _, err := svc.Create(context.Background(), window("2027-11-24T00:00:00+08:00")); err != nil {
		t.Errorf("a window of exactly one year: %v", err)
	}
	_, err := svc.Create(context.Background(), window("2027-11-25T00:00:00+08:00"))
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.KindInvalid ||
		se.Details["field"] != "coupon_use_rule.coupon_available_time.available_end_time" {
		t.Errorf("366 days without a 29 February: err = %v, want invalid naming available_end_time", err)
	}
}
