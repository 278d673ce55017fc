// Command wxsandbox runs the WeChat card API emulator on its own, so that
// several service instances can share one "WeChat", as in production.
//
//	SANDBOX_ADDR  listen address (default 127.0.0.1:9100)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

const (
	defaultAddr     = "127.0.0.1:9100"
	shutdownTimeout = 10 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wxsandbox:", err)
		os.Exit(1)
	}
}

// run serves the emulator until ctx ends, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	addr := getenv("SANDBOX_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	emu := sandbox.New(sandbox.Options{Logger: log.With("component", "wxsandbox")})
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, `WeChat emulator listening on http://%s/
  Official Account: appid %s secret %s
  mini-program:     appid %s secret %s
  point the service at it with WECHAT_API_BASE=http://%[1]s
`, ln.Addr(), sandbox.DefaultAppID, sandbox.DefaultAppSecret, sandbox.DefaultMiniAppID, sandbox.DefaultMiniAppSecret)
	log.Info("listening", "addr", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
