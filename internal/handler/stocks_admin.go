package handler

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// The merchant's 商家券 stock routes. They exist whether or not WeChat Pay is
// configured (the route table and openapi.yaml do not depend on the
// configuration); without WECHATPAY_MCH_ID they answer 404 not_found.

// needWeChatPay answers 404 when the service has no WeChat Pay merchant.
func (h *handlers) needWeChatPay(c *gin.Context) {
	if h.stocks == nil {
		abort(c, service.KindNotFound, "WeChat Pay is not configured (WECHATPAY_MCH_ID): 商家券 are off", nil)
	}
}

type adminStock struct {
	StockID            string    `json:"stock_id"`
	StockName          string    `json:"stock_name"`
	StockType          string    `json:"stock_type"`
	Status             string    `json:"status"`
	GoodsName          string    `json:"goods_name"`
	OutRequestNo       string    `json:"out_request_no,omitempty"`
	CouponCodeMode     string    `json:"coupon_code_mode"`
	AvailableBeginTime string    `json:"available_begin_time"`
	AvailableEndTime   string    `json:"available_end_time"`
	MaxCoupons         int64     `json:"max_coupons"`
	MaxCouponsPerUser  int64     `json:"max_coupons_per_user"`
	MaxCouponsByDay    int64     `json:"max_coupons_by_day,omitempty"`
	Sent               int64     `json:"sent"` // WeChat Pay's total_send_num when last read
	Issued             int64     `json:"issued"`
	Consumed           int64     `json:"consumed"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toAdminStock(s service.Stock, counts service.CouponCounts) adminStock {
	d := s.Definition
	at := d.CouponUseRule.CouponAvailableTime
	return adminStock{StockID: s.StockID, StockName: d.StockName, StockType: string(d.StockType),
		Status: string(s.Status), GoodsName: d.GoodsName, OutRequestNo: s.OutRequestNo,
		CouponCodeMode: d.CouponCodeMode, AvailableBeginTime: at.AvailableBeginTime,
		AvailableEndTime: at.AvailableEndTime, MaxCoupons: d.StockSendRule.MaxCoupons,
		MaxCouponsPerUser: d.StockSendRule.MaxCouponsPerUser, MaxCouponsByDay: d.StockSendRule.MaxCouponsByDay,
		Sent: s.Sent, Issued: counts.Issued, Consumed: counts.Consumed,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

type createStockResponse struct {
	StockID      string    `json:"stock_id"`
	CreateTime   time.Time `json:"create_time"`
	OutRequestNo string    `json:"out_request_no"`
}

func (h *handlers) createStock(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	stock, err := h.stocks.Create(c.Request.Context(), body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	setAuditTarget(c, stock.StockID)
	c.JSON(http.StatusOK, createStockResponse{StockID: stock.StockID, CreateTime: stock.CreatedAt,
		OutRequestNo: stock.OutRequestNo})
}

func (h *handlers) listStocks(c *gin.Context) {
	offset, count, ok := pageParams(c)
	if !ok {
		return
	}
	stocks, total, err := h.stocks.List(c.Request.Context(),
		service.StockFilter{Status: service.StockStatus(c.Query("status")), Offset: offset, Count: count})
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]adminStock, len(stocks))
	for i, s := range stocks {
		out[i] = toAdminStock(s.Stock, s.Counts)
	}
	c.JSON(http.StatusOK, gin.H{"stocks": out, "total": total})
}

type stockDetailResponse struct {
	adminStock
	// Stock is the stock's definition as WeChat Pay holds it (the fields of
	// the create object).
	Stock service.StockDefinition `json:"stock"`
}

func (h *handlers) getStock(c *gin.Context) {
	d, err := h.stocks.Get(c.Request.Context(), c.Param("stock_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toStockDetail(d.Stock, d.Counts))
}

func toStockDetail(s service.Stock, counts service.CouponCounts) stockDetailResponse {
	def := s.Definition
	def.OutRequestNo = "" // the create request's number is shown once, above
	return stockDetailResponse{adminStock: toAdminStock(s, counts), Stock: def}
}

func (h *handlers) modifyStock(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	stock, err := h.stocks.Modify(c.Request.Context(), c.Param("stock_id"), body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toStockDetail(stock, service.CouponCounts{}))
}

type budgetRequest struct {
	TargetMaxCoupons      *int64 `json:"target_max_coupons"`
	TargetMaxCouponsByDay *int64 `json:"target_max_coupons_by_day"`
}

func (h *handlers) changeStockBudget(c *gin.Context) {
	var req budgetRequest
	if !bindJSON(c, &req) {
		return
	}
	b, err := h.stocks.ChangeBudget(c.Request.Context(), c.Param("stock_id"),
		service.BudgetRequest{TargetMaxCoupons: req.TargetMaxCoupons, TargetMaxCouponsByDay: req.TargetMaxCouponsByDay})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stock_id": c.Param("stock_id"), "max_coupons": b.MaxCoupons,
		"max_coupons_by_day": b.MaxCouponsByDay})
}

type callbackRequest struct {
	NotifyURL string `json:"notify_url"`
}

func (h *handlers) setWeChatPayCallback(c *gin.Context) {
	var req callbackRequest
	if !bindJSON(c, &req) {
		return
	}
	// The host only: a notification URL may carry a token in its query.
	if u, err := url.Parse(req.NotifyURL); err == nil {
		setAuditTarget(c, u.Host)
	}
	cb, err := h.stocks.SetCallback(c.Request.Context(), req.NotifyURL)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"notify_url": cb.NotifyURL, "update_time": cb.UpdateTime})
}
