package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// Member cards (会员卡): activation and memberships for the mini-program,
// members, points, stored value and the ledger for merchants.

type memberOut struct {
	CardID           string              `json:"card_id"`
	Code             string              `json:"code"`
	OpenID           string              `json:"openid,omitempty"`
	Title            string              `json:"title,omitempty"`
	MembershipNumber string              `json:"membership_number"`
	Bonus            int64               `json:"bonus"`
	Balance          int64               `json:"balance"`
	ActivatedAt      time.Time           `json:"activated_at"`
	Form             *service.MemberForm `json:"form,omitempty"`
}

func toMemberOut(m service.Member) memberOut {
	return memberOut{CardID: m.CardID, Code: m.Code, OpenID: m.OpenID, Title: m.Title, MembershipNumber: m.MembershipNumber,
		Bonus: m.Bonus, Balance: m.Balance, ActivatedAt: m.ActivatedAt.UTC()}
}

type activateMemberRequest struct {
	CardID         string `json:"card_id"`
	EncryptCode    string `json:"encrypt_code"`
	ActivateTicket string `json:"activate_ticket"`
	OuterStr       string `json:"outer_str"`
}

func (h *handlers) activateMember(c *gin.Context) {
	var req activateMemberRequest
	if !bindJSON(c, &req) {
		return
	}
	m, err := h.members.Activate(c.Request.Context(), principal(c).Subject, service.ActivateRequest{
		CardID: req.CardID, EncryptCode: req.EncryptCode, ActivateTicket: req.ActivateTicket, OuterStr: req.OuterStr})
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := toMemberOut(m)
	out.OpenID = ""
	out.Form = &m.Form
	c.JSON(http.StatusOK, out)
}

func (h *handlers) myMemberships(c *gin.Context) {
	ms, err := h.members.Memberships(c.Request.Context(), principal(c).Subject)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]memberOut, len(ms))
	for i, m := range ms {
		out[i] = toMemberOut(m)
		out[i].OpenID = ""
	}
	c.JSON(http.StatusOK, gin.H{"memberships": out})
}

func (h *handlers) listMembers(c *gin.Context) {
	p, ok := listPage(c)
	if !ok {
		return
	}
	ms, total, next, err := h.members.List(c.Request.Context(), c.Param("card_id"), p)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]memberOut, len(ms))
	for i, m := range ms {
		out[i] = toMemberOut(m)
	}
	c.JSON(http.StatusOK, paged(gin.H{"members": out}, p, total, next))
}

type memberView struct {
	memberOut
	UserCardStatus string             `json:"user_card_status"`
	HasActive      bool               `json:"has_active"`
	WeChat         memberWeChatTotals `json:"wechat"`
}

type memberWeChatTotals struct {
	MembershipNumber string `json:"membership_number"`
	Bonus            int64  `json:"bonus"`
	Balance          int64  `json:"balance"`
}

func (h *handlers) getMember(c *gin.Context) {
	v, err := h.members.Get(c.Request.Context(), c.Query("card_id"), c.Param("code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := memberView{memberOut: toMemberOut(v.Member), UserCardStatus: v.Provider.ProviderStatus, HasActive: v.Provider.Active,
		WeChat: memberWeChatTotals{MembershipNumber: v.Provider.MembershipNumber, Bonus: v.Provider.Bonus, Balance: v.Provider.Balance}}
	form := v.Member.Form
	if len(form.Fields) == 0 {
		form = v.Provider.Form
	}
	out.Form = &form
	c.JSON(http.StatusOK, out)
}

type ledgerChangeRequest struct {
	CardID    string `json:"card_id"`
	Delta     *int64 `json:"delta"`
	Record    string `json:"record"`
	RequestID string `json:"request_id"`
}

// changeLedger serves POST /members/{code}/bonus and /balance.
func (h *handlers) changeLedger(kind service.LedgerKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req ledgerChangeRequest
		if !bindJSON(c, &req) {
			return
		}
		if req.Delta == nil {
			abort(c, service.KindInvalid, "delta is required", map[string]any{"field": "delta"})
			return
		}
		e, audited, err := h.members.Change(c.Request.Context(), service.LedgerChange{CardID: req.CardID, Code: c.Param("code"), Kind: kind,
			Delta: *req.Delta, Record: req.Record, RequestID: req.RequestID, Actor: principal(c).Subject, Audit: requestAudit(c)})
		if audited {
			auditWritten(c)
		}
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(http.StatusOK, gin.H{string(kind): e.Total, "ledger_id": e.ID})
	}
}

type ledgerOut struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Kind      string    `json:"kind"`
	Delta     int64     `json:"delta"`
	Total     int64     `json:"total"`
	Record    string    `json:"record"`
	RequestID string    `json:"request_id"`
	Status    string    `json:"status"`
}

func (h *handlers) memberLedger(c *gin.Context) {
	offset, count, ok := pageParams(c)
	if !ok {
		return
	}
	es, total, err := h.members.Ledger(c.Request.Context(), c.Query("card_id"), c.Param("code"), offset, count)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]ledgerOut, len(es))
	for i, e := range es {
		out[i] = ledgerOut{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Kind: string(e.Kind), Delta: e.Delta, Total: e.Total,
			Record: e.Record, RequestID: e.RequestID, Status: string(e.Status)}
	}
	c.JSON(http.StatusOK, gin.H{"entries": out, "total": total})
}

func (h *handlers) setActivationForm(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	if err := h.members.SetActivationForm(c.Request.Context(), c.Param("card_id"), body); err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"card_id": c.Param("card_id")})
}

func (h *handlers) activationURL(c *gin.Context) {
	u, err := h.members.ActivationURL(c.Request.Context(), c.Query("card_id"), c.Query("outer_str"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"url": u.URL,
		"extra_data": gin.H{"encrypt_card_id": u.EncryptCardID, "outer_str": u.OuterStr, "biz": u.Biz}})
}
