package wechatpay

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// The 商家券 calls. API names are templates (no ids) for logs and metrics.
// Every write carries a request number, so every call here is idempotent
// and repeated after a transient failure with the same body.

const busifavor = "/v3/marketing/busifavor"

// CreateStock creates a stock (§2.1). Repeating the same out_request_no with
// the same content is how a lost answer is recovered.
func (c *Client) CreateStock(ctx context.Context, in StockCreate) (StockCreated, error) {
	var out StockCreated
	err := c.Do(ctx, Request{API: "busifavor/stocks/create", Method: http.MethodPost,
		Path: busifavor + "/stocks", Body: in, Idempotent: true}, &out)
	return out, err
}

// GetStock queries a stock (§2.2).
func (c *Client) GetStock(ctx context.Context, stockID string) (Stock, error) {
	var out Stock
	err := c.Do(ctx, Request{API: "busifavor/stocks/get", Method: http.MethodGet,
		Path: busifavor + "/stocks/" + url.PathEscape(stockID), Idempotent: true}, &out)
	return out, err
}

// ModifyBudget changes max_coupons or max_coupons_by_day (§2.3).
func (c *Client) ModifyBudget(ctx context.Context, stockID string, in BudgetModify) (Budget, error) {
	var out Budget
	err := c.Do(ctx, Request{API: "busifavor/stocks/budget", Method: http.MethodPatch,
		Path: busifavor + "/stocks/" + url.PathEscape(stockID) + "/budget", Body: in, Idempotent: true}, &out)
	return out, err
}

// ModifyStock changes a stock's information (§2.4); WeChat Pay answers 204.
func (c *Client) ModifyStock(ctx context.Context, stockID string, in StockModify) error {
	return c.Do(ctx, Request{API: "busifavor/stocks/modify", Method: http.MethodPatch,
		Path: busifavor + "/stocks/" + url.PathEscape(stockID), Body: in, Idempotent: true}, nil)
}

// SetCallback sets the URL COUPON.SEND notifications go to (§3.7). It has no
// request number but setting the same URL twice changes nothing, so it is
// repeated like the others.
func (c *Client) SetCallback(ctx context.Context, in CallbackSet) (Callback, error) {
	var out Callback
	err := c.Do(ctx, Request{API: "busifavor/callbacks/set", Method: http.MethodPost,
		Path: busifavor + "/callbacks", Body: in, Idempotent: true}, &out)
	return out, err
}

// GetCallback reads the notification URL of mchID (the caller when empty).
func (c *Client) GetCallback(ctx context.Context, mchID string) (Callback, error) {
	if mchID == "" {
		mchID = c.mchID
	}
	var out Callback
	err := c.Do(ctx, Request{API: "busifavor/callbacks/get", Method: http.MethodGet,
		Path: busifavor + "/callbacks", Query: url.Values{"mchid": {mchID}}, Idempotent: true}, &out)
	return out, err
}

// UseCoupon redeems a coupon (§3.1).
func (c *Client) UseCoupon(ctx context.Context, in CouponUse) (CouponUsed, error) {
	var out CouponUsed
	err := c.Do(ctx, Request{API: "busifavor/coupons/use", Method: http.MethodPost,
		Path: busifavor + "/coupons/use", Body: in, Idempotent: true}, &out)
	return out, err
}

// ListUserCoupons lists a user's coupons (§3.2).
func (c *Client) ListUserCoupons(ctx context.Context, openID string, q UserCouponQuery) (UserCouponList, error) {
	v := url.Values{"appid": {q.AppID}}
	for k, s := range map[string]string{"stock_id": q.StockID, "coupon_state": q.CouponState,
		"creator_merchant": q.CreatorMerchant, "belong_merchant": q.BelongMerchant, "sender_merchant": q.SenderMerchant} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Set("offset", strconv.Itoa(q.Offset))
	v.Set("limit", strconv.Itoa(q.Limit))
	var out UserCouponList
	err := c.Do(ctx, Request{API: "busifavor/users/coupons/list", Method: http.MethodGet,
		Path: busifavor + "/users/" + url.PathEscape(openID) + "/coupons", Query: v, Idempotent: true}, &out)
	return out, err
}

// GetUserCoupon reads one coupon of a user (§3.3).
func (c *Client) GetUserCoupon(ctx context.Context, openID, couponCode, appID string) (UserCoupon, error) {
	var out UserCoupon
	err := c.Do(ctx, Request{API: "busifavor/users/coupons/get", Method: http.MethodGet,
		Path: busifavor + "/users/" + url.PathEscape(openID) + "/coupons/" + url.PathEscape(couponCode) +
			"/appids/" + url.PathEscape(appID), Idempotent: true}, &out)
	return out, err
}

// DeactivateCoupon invalidates an unused coupon for good (§3.4).
func (c *Client) DeactivateCoupon(ctx context.Context, in CouponDeactivate) (CouponDeactivated, error) {
	var out CouponDeactivated
	err := c.Do(ctx, Request{API: "busifavor/coupons/deactivate", Method: http.MethodPost,
		Path: busifavor + "/coupons/deactivate", Body: in, Idempotent: true}, &out)
	return out, err
}

// ReturnCoupon gives a used coupon back to its holder (§3.5).
func (c *Client) ReturnCoupon(ctx context.Context, in CouponReturn) (CouponReturned, error) {
	var out CouponReturned
	err := c.Do(ctx, Request{API: "busifavor/coupons/return", Method: http.MethodPost,
		Path: busifavor + "/coupons/return", Body: in, Idempotent: true}, &out)
	return out, err
}
