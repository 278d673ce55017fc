// Command wxsandbox runs the WeChat card API emulator and, under the same
// root, the WeChat Pay 商家券 emulator on their own, so that several service
// instances can share one "WeChat" and one "WeChat Pay", as in production.
// The start banner names the WeChat Pay sandbox merchant and where to get
// its (public, test-only) keys, never the keys themselves.
//
//	SANDBOX_ADDR              listen address (default 127.0.0.1:9100)
//	SANDBOX_CALLBACK_URL      where to push card events (empty: no pushes)
//	SANDBOX_CALLBACK_TOKEN    the callback token that signs them
//	SANDBOX_ENCODING_AES_KEY  43 characters; encrypts them in safe and compat mode
//	SANDBOX_CALLBACK_MODE     plain, safe or compat (default safe with an AES key, else plain)
//	SANDBOX_REVIEW_DELAY      how long a new card waits for review, e.g. 30s (default 0)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
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

// config is the environment, parsed and validated.
type config struct {
	addr        string
	callbackURL string
	token       string
	aesKey      string
	mode        string
	reviewDelay time.Duration
}

// parseConfig reads the environment; an error is one line naming the variable.
func parseConfig(getenv func(string) string) (config, error) {
	c := config{
		addr:        getenv("SANDBOX_ADDR"),
		callbackURL: getenv("SANDBOX_CALLBACK_URL"),
		token:       getenv("SANDBOX_CALLBACK_TOKEN"),
		aesKey:      getenv("SANDBOX_ENCODING_AES_KEY"),
		mode:        getenv("SANDBOX_CALLBACK_MODE"),
	}
	if c.addr == "" {
		c.addr = defaultAddr
	}
	if c.callbackURL != "" {
		u, err := url.Parse(c.callbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config{}, fmt.Errorf("SANDBOX_CALLBACK_URL: %q is not an absolute http or https URL", c.callbackURL)
		}
	}
	if err := sandbox.CheckEncodingAESKey(c.aesKey); err != nil {
		return config{}, fmt.Errorf("SANDBOX_ENCODING_AES_KEY: %v", err)
	}
	switch c.mode {
	case "":
		c.mode = sandbox.ModePlain
		if c.aesKey != "" {
			c.mode = sandbox.ModeSafe
		}
	case sandbox.ModePlain, sandbox.ModeSafe, sandbox.ModeCompat:
	default:
		return config{}, fmt.Errorf("SANDBOX_CALLBACK_MODE: %q is not plain, safe or compat", c.mode)
	}
	if c.mode != sandbox.ModePlain {
		if c.aesKey == "" {
			return config{}, fmt.Errorf("SANDBOX_ENCODING_AES_KEY: required in %s mode", c.mode)
		}
		if c.token == "" {
			return config{}, fmt.Errorf("SANDBOX_CALLBACK_TOKEN: required in %s mode", c.mode)
		}
	}
	if s := getenv("SANDBOX_REVIEW_DELAY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return config{}, fmt.Errorf("SANDBOX_REVIEW_DELAY: %q is not a duration ≥ 0 such as 30s", s)
		}
		c.reviewDelay = d
	}
	return c, nil
}

// options are the emulator's options for c.
func (c config) options(log *slog.Logger) sandbox.Options {
	return sandbox.Options{
		Logger:         log,
		ReviewDelay:    c.reviewDelay,
		CallbackURL:    c.callbackURL,
		CallbackToken:  c.token,
		EncodingAESKey: c.aesKey,
		CallbackMode:   c.mode,
	}
}

// pushLine describes event push for the start banner, the token and the AES
// key masked: both are secrets shared with the server.
func (c config) pushLine() string {
	if c.callbackURL == "" {
		return "off (set SANDBOX_CALLBACK_URL)"
	}
	line := fmt.Sprintf("%s mode to %s, token %s", c.mode, c.callbackURL, maskKey(c.token))
	if c.aesKey != "" {
		line += ", EncodingAESKey " + maskKey(c.aesKey)
	}
	return line
}

// maskKey shows that a key is set without showing any of it.
func maskKey(k string) string {
	return fmt.Sprintf("set, masked (%d characters)", len(k))
}

// run serves the emulator until ctx ends, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	opts := cfg.options(log.With("component", "wxsandbox"))
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("event push: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	emu := sandbox.New(opts)
	pay := emu.Pay().Merchant()
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, `WeChat emulator listening on http://%s/
  Official Account: appid %s secret %s
  mini-program:     appid %s secret %s
  event push:       %s
  review delay:     %v
  WeChat Pay:       mchid %s, appid %s, 微信支付公钥 id %s
                    its test keys (PEM): curl http://%[1]s/sandbox/pay/merchant
  point the service at it with WECHAT_API_BASE=http://%[1]s and WECHATPAY_API_BASE=http://%[1]s
`, ln.Addr(), sandbox.DefaultAppID, sandbox.DefaultAppSecret, sandbox.DefaultMiniAppID, sandbox.DefaultMiniAppSecret,
		cfg.pushLine(), cfg.reviewDelay, pay.MchID, pay.AppID, pay.PublicKeyID)
	log.Info("listening", "addr", ln.Addr().String(), "callback_url", cfg.callbackURL,
		"callback_mode", cfg.mode, "review_delay", cfg.reviewDelay.String())

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
