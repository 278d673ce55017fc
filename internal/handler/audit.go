package handler

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

const (
	ctxKeyAuditTarget  = "audit_target"
	ctxKeyAuditAction  = "audit_action"
	ctxKeyAuditWritten = "audit_written"
)

// setAuditTarget names what a write acted on when the path does not (a new card's id).
func setAuditTarget(c *gin.Context, target string) { c.Set(ctxKeyAuditTarget, target) }

// audited records the admin write behind it in the audit trail once it is answered:
// who, role, action, target, and "ok" or the error code. A handler whose
// service wrote the entry with the write itself (requestAudit, then
// auditWritten) is not recorded again when it succeeds.
func (h *handlers) audited(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(ctxKeyAuditAction, action)
		c.Next()
		result := "ok"
		if len(c.Errors) > 0 {
			result = string(service.KindOf(c.Errors.Last().Err))
		} else if c.Writer.Status() >= 400 {
			result = strconv.Itoa(c.Writer.Status())
		}
		if result == "ok" && c.GetBool(ctxKeyAuditWritten) {
			return
		}
		e := requestAudit(c)
		e.Result = result
		// The entry is written even when the client has gone away.
		h.audit.Record(context.WithoutCancel(c.Request.Context()), *e)
	}
}

// requestAudit is this request's audit entry without its result, for a
// service that writes it in the same transaction as the change.
func requestAudit(c *gin.Context) *service.AuditEntry {
	p := principal(c)
	target := c.GetString(ctxKeyAuditTarget)
	for _, param := range []string{"card_id", "code", "stock_id", "username"} {
		if target == "" {
			target = c.Param(param)
		}
	}
	return &service.AuditEntry{At: time.Now(), Actor: p.Subject, Role: p.Role, Action: c.GetString(ctxKeyAuditAction),
		Target: target, RequestID: requestID(c)}
}

// auditWritten tells audited that the service recorded this request's entry.
func auditWritten(c *gin.Context) { c.Set(ctxKeyAuditWritten, true) }

type auditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Result string    `json:"result"`
}

func (h *handlers) listAudit(c *gin.Context) {
	p, ok := listPage(c)
	if !ok {
		return
	}
	entries, next, err := h.audit.List(c.Request.Context(), p)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]auditEntry, len(entries))
	for i, e := range entries {
		out[i] = auditEntry{At: e.At.UTC(), Actor: e.Actor, Role: string(e.Role), Action: e.Action, Target: e.Target, Result: e.Result}
	}
	body := gin.H{"entries": out}
	if next != nil {
		body["next"] = next.Encode()
	}
	c.JSON(http.StatusOK, body)
}

// pageParams reads ?offset=&count= (both optional, whole numbers).
func pageParams(c *gin.Context) (offset, count int, ok bool) {
	for _, p := range []struct {
		name string
		dst  *int
	}{{"offset", &offset}, {"count", &count}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			abort(c, service.KindInvalid, p.name+" must be a whole number ≥ 0", map[string]any{"field": p.name})
			return 0, 0, false
		}
		*p.dst = n
	}
	return offset, count, true
}
