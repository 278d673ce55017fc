package handler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// consoleTypes are the content types of the console's assets; an asset of
// another kind is not served (nosniff leaves the browser no guessing).
var consoleTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
}

// consoleCSP allows the console's own files and nothing else: no inline
// script or style, no third party, no framing.
const consoleCSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// mountConsole serves the merchant console's assets (index.html at the root
// of assets) under /console/; /console redirects there.
func mountConsole(r *gin.Engine, assets fs.FS) {
	r.GET("/console", func(c *gin.Context) {
		consoleHeaders(c)
		c.Redirect(http.StatusMovedPermanently, "/console/")
	})
	r.GET("/console/*filepath", func(c *gin.Context) {
		consoleHeaders(c)
		name := strings.TrimPrefix(path.Clean("/"+c.Param("filepath")), "/")
		if name == "" {
			name = "index.html"
		}
		ctype, known := consoleTypes[path.Ext(name)]
		body, err := fs.ReadFile(assets, name)
		if !known || err != nil {
			abort(c, service.KindNotFound, "no such console file", nil)
			return
		}
		sum := sha256.Sum256(body)
		tag := `"` + hex.EncodeToString(sum[:8]) + `"`
		c.Header("Content-Type", ctype)
		// Revalidate every time so that a new release is picked up at once;
		// the ETag keeps that cheap.
		c.Header("Cache-Control", "no-cache")
		c.Header("ETag", tag)
		http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(body))
	})
}

func consoleHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
