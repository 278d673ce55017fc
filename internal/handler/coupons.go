package handler

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// The mini-program's 商家券 routes and WeChat Pay's notification callback.

// needCoupons answers 404 when the service has no WeChat Pay merchant.
func (h *handlers) needCoupons(c *gin.Context) {
	if h.coupons == nil {
		abort(c, service.KindNotFound, "WeChat Pay is not configured (WECHATPAY_MCH_ID): 商家券 are off", nil)
	}
}

type userStock struct {
	StockID            string `json:"stock_id"`
	StockName          string `json:"stock_name"`
	StockType          string `json:"stock_type"`
	GoodsName          string `json:"goods_name"`
	AvailableBeginTime string `json:"available_begin_time"`
	AvailableEndTime   string `json:"available_end_time"`
	MaxCouponsPerUser  int64  `json:"max_coupons_per_user"`
}

func (h *handlers) listUserStocks(c *gin.Context) {
	stocks, err := h.coupons.SendableStocks(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]userStock, len(stocks))
	for i, s := range stocks {
		d := s.Definition
		out[i] = userStock{StockID: s.StockID, StockName: d.StockName, StockType: string(d.StockType),
			GoodsName: d.GoodsName, AvailableBeginTime: d.CouponUseRule.CouponAvailableTime.AvailableBeginTime,
			AvailableEndTime: d.CouponUseRule.CouponAvailableTime.AvailableEndTime, MaxCouponsPerUser: d.StockSendRule.MaxCouponsPerUser}
	}
	c.JSON(http.StatusOK, gin.H{"stocks": out})
}

type sendParamsRequest struct {
	Stocks []struct {
		StockID string `json:"stock_id"`
	} `json:"stocks"`
}

type sendParam struct {
	StockID      string `json:"stock_id"`
	OutRequestNo string `json:"out_request_no"`
}

func (h *handlers) sendCouponParams(c *gin.Context) {
	var req sendParamsRequest
	if !bindJSON(c, &req) {
		return
	}
	ids := make([]string, len(req.Stocks))
	for i, s := range req.Stocks {
		ids[i] = s.StockID
	}
	p, err := h.coupons.SendParams(c.Request.Context(), principal(c).Subject, ids)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]sendParam, len(p.Items))
	for i, it := range p.Items {
		items[i] = sendParam{StockID: it.StockID, OutRequestNo: it.OutRequestNo}
	}
	c.JSON(http.StatusOK, sendParamsAnswer{Params: items, Merchant: p.Merchant, Sign: p.Sign})
}

// sendParamsAnswer is the plugin's attributes (a struct: no map to sort on
// every request).
type sendParamsAnswer struct {
	Params   []sendParam `json:"send_coupon_params"`
	Merchant string      `json:"send_coupon_merchant"`
	Sign     string      `json:"sign"`
}

type confirmRequest struct {
	SendCouponResult []struct {
		StockID      string `json:"stock_id"`
		OutRequestNo string `json:"out_request_no"`
		CouponCode   string `json:"coupon_code"`
		Code         string `json:"code"`
	} `json:"send_coupon_result"`
}

type couponItem struct {
	StockID    string       `json:"stock_id"`
	CouponCode string       `json:"coupon_code,omitempty"`
	Status     string       `json:"status,omitempty"`
	Error      *errorDetail `json:"error,omitempty"`
}

func (h *handlers) confirmCoupons(c *gin.Context) {
	var req confirmRequest
	if !bindJSON(c, &req) {
		return
	}
	in := make([]service.SendResult, len(req.SendCouponResult))
	for i, r := range req.SendCouponResult {
		in[i] = service.SendResult{StockID: r.StockID, OutRequestNo: r.OutRequestNo, CouponCode: r.CouponCode, Code: r.Code}
	}
	results, err := h.coupons.Confirm(c.Request.Context(), principal(c).Subject, in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]couponItem, len(results))
	for i, r := range results {
		out[i] = couponItem{StockID: in[i].StockID, CouponCode: in[i].CouponCode}
		if r.Err != nil {
			_, d := toHTTP(r.Err)
			out[i].Error = &d
			continue
		}
		out[i].Status = string(r.Coupon.Status)
	}
	c.JSON(http.StatusOK, gin.H{"coupons": out})
}

type revealRequest struct {
	StockID    string `json:"stock_id"`
	Nonce      string `json:"nonce"`
	Associate  string `json:"associate"`
	Ciphertext string `json:"ciphertext"`
}

func (h *handlers) revealCoupon(c *gin.Context) {
	var req revealRequest
	if !bindJSON(c, &req) {
		return
	}
	cp, err := h.coupons.Reveal(c.Request.Context(), principal(c).Subject, req.StockID, req.Nonce, req.Associate, req.Ciphertext)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, couponItem{StockID: cp.StockID, CouponCode: cp.CouponCode, Status: string(cp.Status)})
}

type heldCoupon struct {
	StockID    string    `json:"stock_id"`
	CouponCode string    `json:"coupon_code"`
	Status     string    `json:"status"`
	ReceivedAt time.Time `json:"received_at"`
	StockName  string    `json:"stock_name"`
}

func (h *handlers) myCoupons(c *gin.Context) {
	list, err := h.coupons.Mine(c.Request.Context(), principal(c).Subject, service.CouponStatus(c.Query("status")))
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]heldCoupon, len(list))
	for i, k := range list {
		out[i] = heldCoupon{StockID: k.StockID, CouponCode: k.CouponCode, Status: string(k.Status),
			ReceivedAt: k.ReceivedAt.UTC(), StockName: k.StockName}
	}
	c.JSON(http.StatusOK, gin.H{"coupons": out})
}

// wechatPayCallback takes WeChat Pay's notifications: verified over the raw
// body before anything is parsed, then decrypted; 204 once handled.
func (h *handlers) wechatPayCallback(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	n, err := h.couponNotify.OpenNotification(c.Request.Header, body)
	switch {
	case errors.Is(err, service.ErrBadNotifySignature):
		h.log.WarnContext(c.Request.Context(), "wechatpay notification refused: signature", "err", err)
		h.countNotification("bad_signature")
		abort(c, service.KindUnauthenticated, "the notification's signature does not verify", nil)
		return
	case err != nil:
		h.log.WarnContext(c.Request.Context(), "wechatpay notification refused: does not open", "err", err)
		h.countNotification("unreadable")
		abort(c, service.KindInvalid, "the notification does not decrypt", nil)
		return
	}
	if err := h.coupons.Notify(c.Request.Context(), n); err != nil {
		h.countNotification("error")
		_ = c.Error(err) // WeChat Pay retries on a 5xx
		return
	}
	if n.Sent != nil {
		h.countNotification("recorded")
	} else {
		h.countNotification("ignored")
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) countNotification(result string) {
	if h.metrics != nil {
		h.metrics.Notification(result)
	}
}

// CouponNotifyOpener verifies and opens a WeChat Pay notification (the
// provider, service.CouponProvider's OpenNotification).
type CouponNotifyOpener interface {
	OpenNotification(header http.Header, body []byte) (service.CouponNotification, error)
}
