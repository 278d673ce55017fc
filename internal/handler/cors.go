package handler

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// What a browser on an allowed origin may send and read.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
	corsExpose  = "X-Request-Id, Retry-After"
	corsMaxAge  = "600"
)

// cors serves browsers on the listed origins (uniapp H5 builds, a console on
// another host). A preflight (OPTIONS with Access-Control-Request-Method)
// from a listed origin is 204 with what may be sent; from any other origin it
// is 403 forbidden without CORS headers, so the browser stops there. Real
// requests are served whatever their origin (a browser just cannot read the
// answer), with Access-Control-Allow-Origin for listed origins only. Tokens
// travel in Authorization, not cookies, so credentials are never allowed.
func cors(origins []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		h := c.Writer.Header()
		if preflight {
			h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
		} else {
			h.Add("Vary", "Origin")
		}
		allowed := origin != "" && slices.Contains(origins, strings.ToLower(origin))
		if !preflight {
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", corsExpose)
			}
			c.Next()
			return
		}
		if !allowed {
			abort(c, service.KindForbidden, "origin not allowed (CORS_ALLOWED_ORIGINS)", nil)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		c.AbortWithStatus(http.StatusNoContent)
	}
}
