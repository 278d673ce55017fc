// Package busifavor is WeChat Pay 商家券 as the service's stock provider (the
// counterpart of internal/wxcard): it turns service requests into WeChat Pay
// API v3 calls and WeChat Pay's answers and error codes into service types
// and errors, so no WeChat Pay wire type reaches the service.
package busifavor

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// Client is the part of the WeChat Pay client the provider uses.
type Client interface {
	MchID() string
	CreateStock(ctx context.Context, in wechatpay.StockCreate) (wechatpay.StockCreated, error)
	GetStock(ctx context.Context, stockID string) (wechatpay.Stock, error)
	ModifyStock(ctx context.Context, stockID string, in wechatpay.StockModify) error
	ModifyBudget(ctx context.Context, stockID string, in wechatpay.BudgetModify) (wechatpay.Budget, error)
	SetCallback(ctx context.Context, in wechatpay.CallbackSet) (wechatpay.Callback, error)
}

// Provider implements service.StockProvider over WeChat Pay.
type Provider struct {
	pay Client
}

var (
	_ service.StockProvider = (*Provider)(nil)
	_ Client                = (*wechatpay.Client)(nil)
)

// New returns a provider over the WeChat Pay client pay.
func New(pay Client) *Provider { return &Provider{pay: pay} }

// CreateStock creates the stock (POST …/busifavor/stocks).
func (p *Provider) CreateStock(ctx context.Context, def service.StockDefinition) (service.StockCreated, error) {
	in, err := toStockCreate(def)
	if err != nil {
		return service.StockCreated{}, err
	}
	out, err := p.pay.CreateStock(ctx, in)
	if err != nil {
		return service.StockCreated{}, mapErr(err, "")
	}
	if out.StockID == "" {
		return service.StockCreated{}, &service.Error{Kind: service.KindUpstream,
			Message: "WeChat Pay answered the create without a stock_id"}
	}
	return service.StockCreated{StockID: out.StockID, CreateTime: out.CreateTime.Time}, nil
}

// GetStock reads the stock (GET …/busifavor/stocks/{stock_id}).
func (p *Provider) GetStock(ctx context.Context, stockID string) (service.Stock, error) {
	out, err := p.pay.GetStock(ctx, stockID)
	if err != nil {
		return service.Stock{}, mapErr(err, stockID)
	}
	s := fromStock(out)
	if s.StockID == "" {
		s.StockID = stockID
	}
	return s, nil
}

// ModifyStock changes the stock's information (PATCH …/stocks/{stock_id}).
func (p *Provider) ModifyStock(ctx context.Context, stockID string, patch service.StockPatch) error {
	return mapErr(p.pay.ModifyStock(ctx, stockID, toStockModify(patch)), stockID)
}

// ChangeBudget changes one limit (PATCH …/stocks/{stock_id}/budget).
func (p *Provider) ChangeBudget(ctx context.Context, stockID string, c service.BudgetChange) (service.StockBudget, error) {
	out, err := p.pay.ModifyBudget(ctx, stockID, wechatpay.BudgetModify{
		TargetMaxCoupons: c.TargetMaxCoupons, CurrentMaxCoupons: c.CurrentMaxCoupons,
		TargetMaxCouponsByDay: c.TargetByDay, CurrentMaxCouponsByDay: c.CurrentByDay,
		ModifyBudgetRequestNo: c.RequestNo,
	})
	if err != nil {
		return service.StockBudget{}, mapErr(err, stockID)
	}
	return service.StockBudget{MaxCoupons: out.MaxCoupons, MaxCouponsByDay: out.MaxCouponsByDay}, nil
}

// SetCallback sets this merchant's notification URL (POST …/busifavor/callbacks).
func (p *Provider) SetCallback(ctx context.Context, notifyURL string) (service.CouponCallback, error) {
	out, err := p.pay.SetCallback(ctx, wechatpay.CallbackSet{MchID: p.pay.MchID(), NotifyURL: notifyURL})
	if err != nil {
		return service.CouponCallback{}, mapErr(err, "")
	}
	if out.NotifyURL == "" {
		out.NotifyURL = notifyURL
	}
	return service.CouponCallback{NotifyURL: out.NotifyURL, UpdateTime: out.UpdateTime.Time}, nil
}

// mapErr turns a WeChat Pay client error into the service's kinds; WeChat
// Pay's code and message go into the details where it answered.
func mapErr(err error, stockID string) error {
	if err == nil {
		return nil
	}
	details := payDetails(err)
	switch {
	case wechatpay.IsUnavailable(err):
		return &service.Error{Kind: service.KindUpstreamUnavailable, Message: "WeChat Pay did not answer in time",
			Details: details, Err: err}
	case errors.Is(err, wechatpay.ErrBadSignature):
		return &service.Error{Kind: service.KindUpstream, Message: "WeChat Pay's answer failed signature verification", Err: err}
	case wechatpay.IsNotFound(err):
		msg := "WeChat Pay does not know this stock"
		if stockID != "" {
			msg = fmt.Sprintf("WeChat Pay does not know stock %s", stockID)
		}
		return &service.Error{Kind: service.KindNotFound, Message: msg, Details: details, Err: err}
	case wechatpay.IsInvalidRequest(err), wechatpay.IsAlreadyExists(err):
		// A business rule against the stock's state: its window, budget
		// already sent, a request number reused with other content.
		return &service.Error{Kind: service.KindConflict, Message: "WeChat Pay refused the change in the stock's present state",
			Details: details, Err: err}
	case wechatpay.IsParamError(err):
		// A rule the local checks do not know (an appid not bound to the merchant…).
		return &service.Error{Kind: service.KindInvalid, Message: "WeChat Pay refused a parameter",
			Details: details, Err: err}
	}
	if _, ok := wechatpay.AsError(err); ok {
		return &service.Error{Kind: service.KindUpstream, Message: "WeChat Pay refused the request", Details: details, Err: err}
	}
	return err
}

func payDetails(err error) map[string]any {
	e, ok := wechatpay.AsError(err)
	if !ok || e.Code == "" {
		return nil
	}
	return map[string]any{"wechatpay_code": e.Code, "wechatpay_message": e.Message}
}
