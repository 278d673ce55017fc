package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

type codeRecord struct {
	CardID     string     `json:"card_id"`
	Code       string     `json:"code"`
	OpenID     string     `json:"openid"`
	Status     string     `json:"status"`
	ReceivedAt *time.Time `json:"received_at"`
	ConsumedAt *time.Time `json:"consumed_at"`
}

func toCodeRecord(k service.IssuedCode) codeRecord {
	r := codeRecord{CardID: k.CardID, Code: k.Code, OpenID: k.OpenID, Status: string(k.Status)}
	if !k.ReceivedAt.IsZero() {
		t := k.ReceivedAt.UTC()
		r.ReceivedAt = &t
	}
	if k.ConsumedAt != nil {
		t := k.ConsumedAt.UTC()
		r.ConsumedAt = &t
	}
	return r
}

type codeLookUp struct {
	CardID         string      `json:"card_id"`
	Code           string      `json:"code"`
	OpenID         string      `json:"openid"`
	UserCardStatus string      `json:"user_card_status"`
	Status         string      `json:"status"`
	CanConsume     bool        `json:"can_consume"`
	BeginTime      int64       `json:"begin_time"`
	EndTime        int64       `json:"end_time"`
	OuterStr       string      `json:"outer_str"`
	Record         *codeRecord `json:"record"`
}

func (h *handlers) lookUpCode(c *gin.Context) {
	v, err := h.redemption.LookUp(c.Request.Context(), c.Query("card_id"), c.Param("code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := codeLookUp{CardID: v.Holding.CardID, Code: v.Code, OpenID: v.Holding.OpenID,
		UserCardStatus: v.Holding.ProviderStatus, Status: string(v.Holding.Status), CanConsume: v.Holding.CanConsume,
		BeginTime: v.Holding.BeginTime, EndTime: v.Holding.EndTime, OuterStr: v.Holding.OuterStr}
	if v.Record != nil {
		r := toCodeRecord(*v.Record)
		out.Record = &r
	}
	c.JSON(http.StatusOK, out)
}

type codeCardRequest struct {
	CardID  string `json:"card_id"`
	Reason  string `json:"reason"`
	NewCode string `json:"new_code"`
}

func (h *handlers) consumeCode(c *gin.Context) {
	var req codeCardRequest
	if !bindJSON(c, &req) {
		return
	}
	done, err := h.redemption.Consume(c.Request.Context(), req.CardID, c.Param("code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, consumeResponse{codeRecord: toCodeRecord(done.Code), RecordPending: done.Pending})
}

// consumeResponse is the consumed record; record_pending says WeChat consumed
// the code but the local record is still being written (it will be).
type consumeResponse struct {
	codeRecord
	RecordPending bool `json:"record_pending,omitempty"`
}

func (h *handlers) makeCodeUnavailable(c *gin.Context) {
	var req codeCardRequest
	if !bindJSON(c, &req) {
		return
	}
	rec, err := h.redemption.MakeUnavailable(c.Request.Context(), req.CardID, c.Param("code"), req.Reason)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toCodeRecord(rec))
}

func (h *handlers) changeCode(c *gin.Context) {
	var req codeCardRequest
	if !bindJSON(c, &req) {
		return
	}
	rec, err := h.redemption.ChangeCode(c.Request.Context(), req.CardID, c.Param("code"), req.NewCode)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toCodeRecord(rec))
}

func (h *handlers) listCardCodes(c *gin.Context) {
	p, ok := listPage(c)
	if !ok {
		return
	}
	codes, total, next, err := h.redemption.CardCodes(c.Request.Context(), c.Param("card_id"),
		service.CodeStatus(c.Query("status")), p)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]codeRecord, len(codes))
	for i, k := range codes {
		out[i] = toCodeRecord(k)
	}
	c.JSON(http.StatusOK, paged(gin.H{"codes": out}, p, total, next))
}
