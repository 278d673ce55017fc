package handler

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/metrics"
)

//go:embed openapi.yaml
var openAPIDoc []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", openAPIDoc)
}

// observe counts each request by its route pattern (never the raw path, which
// would carry codes and ids into label values).
func observe(m *metrics.Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.ObserveRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	}
}
