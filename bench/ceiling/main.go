// Command ceiling is the load benchmark's ceiling: a bare Gin server (release
// mode, no middleware) with one route that answers a fixed JSON of the size and
// shape of a card-ext answer. It is what the same machine, HTTP stack and
// load generator can do with none of the service's work.
//
//	CEILING_ADDR  listen address (default 127.0.0.1:9200)
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// item and reply are the shape of POST /api/v1/card-ext's answer.
type item struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

type reply struct {
	CardList []item `json:"card_list"`
}

var fixed = reply{CardList: []item{{
	CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc",
	CardExt: `{"timestamp":"1700000000","nonce_str":"k3Jd8s0Pq1Zx7Vb2Nm4Lc6Hg9Tf5Ry0W",` +
		`"signature":"8b0a5fb5e1f0b1c5e1d07b8d8f2a4e6c2f3b9a7d"}`,
}}}

func main() {
	addr := os.Getenv("CEILING_ADDR")
	if addr == "" {
		addr = "127.0.0.1:9200"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, addr); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, addr string) error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/ceiling", func(c *gin.Context) { c.JSON(http.StatusOK, fixed) })
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
