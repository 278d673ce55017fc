package handler

import (
	"math"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// limitPerUser applies the per-openid limit of one route. The limiter counts
// in process while the shared cache fails (ratelimit.Fallback); an error it
// still reports lets the request through (and is logged): the limit must not
// take the service down.
func (h *handlers) limitPerUser(scope string) gin.HandlerFunc {
	return h.limit(scope, func(c *gin.Context) string { return principal(c).Subject })
}

// limitPerIP applies the per-client-IP limit of one route (the logins).
func (h *handlers) limitPerIP(scope string) gin.HandlerFunc {
	return h.limit(scope, func(c *gin.Context) string { return c.ClientIP() })
}

func (h *handlers) limit(scope string, key func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		ok, retry, err := h.limiter.Allow(c.Request.Context(), scope+":"+key(c))
		if err != nil {
			h.log.WarnContext(c.Request.Context(), "rate limit unavailable", "scope", scope, "err", err)
		}
		if !ok {
			abort(c, service.KindRateLimited, "too many requests: try again later",
				map[string]any{"retry_after_seconds": int(math.Ceil(retry.Seconds()))})
			return
		}
		c.Next()
	}
}
