package handler

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// ReadyState is what one part means for this replica's readiness.
type ReadyState string

const (
	// ReadyOK: the part works.
	ReadyOK ReadyState = "ok"
	// ReadyDegraded: the part is out but the replica rides it out (a cache
	// outage, WeChat unreachable while credentials are held): still ready, so
	// that an outage of a shared part does not take every replica out of the
	// load balancer at once.
	ReadyDegraded ReadyState = "degraded"
	// ReadyFailing: the replica cannot serve without the part.
	ReadyFailing ReadyState = "failing"
)

// ReadyCheck is one part readiness looks at. Check says the part's state and,
// unless it is ok, why (logged, never answered).
type ReadyCheck struct {
	Name  string
	Check func(context.Context) (ReadyState, error)
}

// readyBudget bounds /readyz; the Kubernetes probe's timeout allows for it.
const readyBudget = 3 * time.Second

func healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz runs every check at once within readyBudget: 200 "ok" or "degraded"
// while this replica can serve, 503 naming the failing parts otherwise.
func (h *handlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyBudget)
	defer cancel()
	states := make([]ReadyState, len(h.ready))
	var wg sync.WaitGroup
	for i, rc := range h.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := rc.Check(ctx)
			if st == "" {
				st = ReadyFailing
			}
			if st != ReadyOK {
				h.log.WarnContext(ctx, "readiness check not ok", "check", rc.Name, "state", st, "err", err)
			}
			states[i] = st
		}()
	}
	wg.Wait()

	checks := gin.H{}
	status := ReadyOK
	var failing []string
	for i, rc := range h.ready {
		checks[rc.Name] = states[i]
		switch states[i] {
		case ReadyFailing:
			failing = append(failing, rc.Name)
		case ReadyDegraded:
			status = ReadyDegraded
		}
	}
	if len(failing) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{
			"status": "unavailable", "checks": checks,
			"error": errorDetail{Code: string(service.KindUpstreamUnavailable),
				Message: "not ready: " + strings.Join(failing, ", "), Details: map[string]any{"failing": failing}},
		})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": status, "checks": checks})
}
