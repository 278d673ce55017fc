package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// The merchant's 商家券 coupon routes: look-up and 核销 (clerk), deactivate
// and return (admin), a stock's coupons (admin).

type couponRecord struct {
	StockID    string     `json:"stock_id"`
	CouponCode string     `json:"coupon_code"`
	OpenID     string     `json:"openid"`
	Status     string     `json:"status"`
	ReceivedAt time.Time  `json:"received_at"`
	ConsumedAt *time.Time `json:"consumed_at"`
}

func toCouponRecord(c service.Coupon) couponRecord {
	return couponRecord{StockID: c.StockID, CouponCode: c.CouponCode, OpenID: c.OpenID, Status: string(c.Status),
		ReceivedAt: c.ReceivedAt.UTC(), ConsumedAt: c.ConsumedAt}
}

// couponWeChatPay is WeChat Pay's view of the coupon.
type couponWeChatPay struct {
	Status        string     `json:"status"`
	StockName     string     `json:"stock_name,omitempty"`
	ReceivedAt    *time.Time `json:"received_at,omitempty"`
	AvailableFrom *time.Time `json:"available_start_time,omitempty"`
	ExpiresAt     *time.Time `json:"expire_time,omitempty"`
	UsedAt        *time.Time `json:"use_time,omitempty"`
}

type couponLookUp struct {
	StockID    string          `json:"stock_id"`
	CouponCode string          `json:"coupon_code"`
	OpenID     string          `json:"openid"`
	Status     string          `json:"status"`
	CanConsume bool            `json:"can_consume"`
	WeChatPay  couponWeChatPay `json:"wechatpay"`
	Record     couponRecord    `json:"record"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (h *handlers) lookUpCoupon(c *gin.Context) {
	v, err := h.coupons.LookUp(c.Request.Context(), c.Query("stock_id"), c.Param("coupon_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	hd := v.Holding
	c.JSON(http.StatusOK, couponLookUp{StockID: v.Record.StockID, CouponCode: v.Record.CouponCode, OpenID: v.Record.OpenID,
		Status: string(hd.Status), CanConsume: v.CanConsume,
		WeChatPay: couponWeChatPay{Status: string(hd.Status), StockName: hd.StockName, ReceivedAt: timePtr(hd.ReceivedAt),
			AvailableFrom: timePtr(hd.AvailableFrom), ExpiresAt: timePtr(hd.ExpiresAt), UsedAt: timePtr(hd.UsedAt)},
		Record: toCouponRecord(v.Record)})
}

type couponRequest struct {
	StockID string `json:"stock_id"`
	Reason  string `json:"reason"`
}

type consumedCoupon struct {
	couponRecord
	// Recorded is false when WeChat Pay redeemed the coupon but the local
	// record could not be written yet: the consumption stands.
	Recorded bool `json:"recorded"`
}

func (h *handlers) consumeCoupon(c *gin.Context) {
	var req couponRequest
	if !bindJSON(c, &req) {
		return
	}
	setAuditTarget(c, req.StockID+"/"+c.Param("coupon_code"))
	out, err := h.coupons.Consume(c.Request.Context(), req.StockID, c.Param("coupon_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, consumedCoupon{couponRecord: toCouponRecord(out.Coupon), Recorded: out.Recorded})
}

func (h *handlers) deactivateCoupon(c *gin.Context) {
	var req couponRequest
	if !bindJSON(c, &req) {
		return
	}
	setAuditTarget(c, req.StockID+"/"+c.Param("coupon_code"))
	out, err := h.coupons.Deactivate(c.Request.Context(), req.StockID, c.Param("coupon_code"), req.Reason)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toCouponRecord(out))
}

func (h *handlers) returnCoupon(c *gin.Context) {
	var req couponRequest
	if !bindJSON(c, &req) {
		return
	}
	setAuditTarget(c, req.StockID+"/"+c.Param("coupon_code"))
	out, err := h.coupons.Return(c.Request.Context(), req.StockID, c.Param("coupon_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toCouponRecord(out))
}

func (h *handlers) listStockCoupons(c *gin.Context) {
	p, ok := listPage(c)
	if !ok {
		return
	}
	list, total, next, err := h.coupons.ListForStock(c.Request.Context(), service.CouponFilter{StockID: c.Param("stock_id"),
		Status: service.CouponStatus(c.Query("status")), Offset: p.Offset, Count: p.Count, After: p.After})
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]couponRecord, len(list))
	for i, k := range list {
		out[i] = toCouponRecord(k)
	}
	c.JSON(http.StatusOK, paged(gin.H{"coupons": out}, p, total, next))
}
