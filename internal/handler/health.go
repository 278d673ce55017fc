package handler

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// ReadyCheck is one part readiness depends on.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

func healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz checks every part; 503 names the failing ones.
func (h *handlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{}
	var failing []string
	for _, rc := range h.ready {
		if err := rc.Check(ctx); err != nil {
			checks[rc.Name] = "failing"
			failing = append(failing, rc.Name)
			h.log.WarnContext(ctx, "readiness check failed", "check", rc.Name, "err", err)
			continue
		}
		checks[rc.Name] = "ok"
	}
	if len(failing) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{
			"status": "unavailable", "checks": checks,
			"error": errorDetail{Code: string(service.KindUpstreamUnavailable),
				Message: "not ready", Details: map[string]any{"failing": failing}},
		})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": checks})
}
