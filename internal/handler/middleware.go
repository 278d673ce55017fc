package handler

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
)

const headerRequestID = "X-Request-Id"

// requestIDMiddleware echoes a sane X-Request-Id or makes one.
func requestIDMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequestID)
		if id == "" || len(id) > 128 {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxKeyRequestID, id)
		c.Header(headerRequestID, id)
		c.Next()
	}
}

const ctxKeyRequestID = "request_id"

func requestID(c *gin.Context) string { return c.GetString(ctxKeyRequestID) }

// accessLog logs one line a request: id, route, status, latency, and who.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		if !log.Enabled(c.Request.Context(), slog.LevelInfo) {
			return // LOG_LEVEL above info: nothing to build
		}
		attrs := []any{
			"request_id", requestID(c), "method", c.Request.Method, "route", c.FullPath(),
			"status", c.Writer.Status(), "latency_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if p, ok := auth.FromContext(c.Request.Context()); ok {
			if p.Role == service.RoleUser {
				attrs = append(attrs, "openid", p.Subject)
			} else {
				attrs = append(attrs, "admin", p.Subject, "role", string(p.Role))
			}
		}
		log.InfoContext(c.Request.Context(), "request", attrs...)
	}
}

// recovery turns a panic into the internal-error envelope, logging the cause.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.ErrorContext(c.Request.Context(), "panic", "request_id", requestID(c), "route", c.FullPath(), "panic", r)
				if !c.Writer.Written() {
					// Past errorsMiddleware (the panic unwound it): write the envelope here.
					status, body := toHTTP(fmt.Errorf("panic: %v", r))
					c.AbortWithStatusJSON(status, errorBody{Error: body})
				}
			}
		}()
		c.Next()
	}
}

// sessionCheck tells whether a verified merchant token has been revoked since
// it was issued (service.Auth.CheckSession); nil on the user routes, which
// must not read the database on every request.
type sessionCheck func(c *gin.Context, p auth.Principal) error

// requireRole authenticates the bearer token and allows only the given roles;
// check, when set, then refuses revoked tokens.
func requireRole(verifier *auth.JWT, check sessionCheck, roles ...service.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		const prefix = "Bearer "
		h := c.GetHeader("Authorization")
		if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
			abort(c, service.KindUnauthenticated, "missing bearer token", nil)
			return
		}
		p, err := verifier.Verify(h[len(prefix):])
		if err != nil {
			abort(c, service.KindUnauthenticated, "invalid or expired token", nil)
			return
		}
		allowed := false
		for _, r := range roles {
			allowed = allowed || p.Role == r
		}
		if !allowed {
			abort(c, service.KindForbidden, "this route is not open to role "+string(p.Role), nil)
			return
		}
		if check != nil {
			if err := check(c, p); err != nil {
				_ = c.Error(err)
				c.Abort()
				return
			}
		}
		c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

// principal is the authenticated caller; routes behind requireRole always have one.
func principal(c *gin.Context) auth.Principal {
	p, _ := auth.FromContext(c.Request.Context())
	return p
}
