package handler

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// errorBody is the contract's error envelope.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// kindMethodNotAllowed is the router's own kind: a known path asked with a
// method it does not serve. No service returns it.
const kindMethodNotAllowed service.Kind = "method_not_allowed"

var statusOfKind = map[service.Kind]int{
	kindMethodNotAllowed:            http.StatusMethodNotAllowed,
	service.KindInvalid:             http.StatusBadRequest,
	service.KindCodeNotOwned:        http.StatusForbidden,
	service.KindUnauthenticated:     http.StatusUnauthorized,
	service.KindForbidden:           http.StatusForbidden,
	service.KindNotFound:            http.StatusNotFound,
	service.KindConflict:            http.StatusConflict,
	service.KindTooLarge:            http.StatusRequestEntityTooLarge,
	service.KindUnsupportedMedia:    http.StatusUnsupportedMediaType,
	service.KindRateLimited:         http.StatusTooManyRequests,
	service.KindUpstream:            http.StatusBadGateway,
	service.KindUpstreamUnavailable: http.StatusServiceUnavailable,
	service.KindInternal:            http.StatusInternalServerError,
}

// toHTTP is the one place that turns an error into a status and an envelope.
// Internal errors show only "internal error"; their cause is logged.
func toHTTP(err error) (int, errorDetail) {
	kind := service.KindOf(err)
	status, ok := statusOfKind[kind]
	if !ok {
		kind, status = service.KindInternal, http.StatusInternalServerError
	}
	if kind == service.KindUpstreamUnavailable && errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	if kind == service.KindInternal {
		return status, errorDetail{Code: string(kind), Message: "internal error"}
	}
	var se *service.Error
	if errors.As(err, &se) {
		return status, errorDetail{Code: string(kind), Message: se.Message, Details: se.Details}
	}
	return status, errorDetail{Code: string(kind), Message: http.StatusText(status)}
}

// errorsMiddleware writes the envelope for the last error a handler attached
// with c.Error, and logs failures once, at the edge.
func errorsMiddleware(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err
		status, body := toHTTP(err)
		if s, ok := body.Details["retry_after_seconds"].(int); ok {
			c.Header("Retry-After", strconv.Itoa(s))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "request failed",
			"request_id", requestID(c), "route", c.FullPath(), "status", status, "code", body.Code, "err", err)
		c.JSON(status, errorBody{Error: body})
	}
}

// abort ends the request with an error of kind k.
func abort(c *gin.Context, k service.Kind, msg string, details map[string]any) {
	_ = c.Error(&service.Error{Kind: k, Message: msg, Details: details})
	c.Abort()
}
