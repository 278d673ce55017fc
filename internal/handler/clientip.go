package handler

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// trustProxies makes Gin's ClientIP follow the contract's rule: the peer
// address, or, when the peer is one of proxies (CIDRs), the last
// X-Forwarded-For address that is not a trusted proxy. Only X-Forwarded-For
// is read (not X-Real-IP, which a client could send through a proxy that
// does not overwrite it).
func trustProxies(r *gin.Engine, proxies []string) error {
	r.ForwardedByClientIP = true
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if len(proxies) == 0 {
		proxies = nil
	}
	return r.SetTrustedProxies(proxies)
}

// joinForwardedFor folds several X-Forwarded-For lines into one, in order: a
// proxy may add its own line after the client's, and Gin reads only the
// first line, which the client wrote.
func joinForwardedFor() gin.HandlerFunc {
	return func(c *gin.Context) {
		if v := c.Request.Header.Values("X-Forwarded-For"); len(v) > 1 {
			c.Request.Header.Set("X-Forwarded-For", strings.Join(v, ","))
		}
		c.Next()
	}
}
