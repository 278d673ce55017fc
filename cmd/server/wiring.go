package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/service"
)

func openCache(ctx context.Context, cfg config.Config) (cache.Store, error) {
	if cfg.RedisURL == "" {
		return cache.NewMemory(), nil
	}
	r, err := cache.NewRedis(ctx, cfg.Redis(), cfg.RedisKeyPrefix)
	if err != nil {
		return nil, fmt.Errorf("open redis: %w", err)
	}
	return r, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// printSandboxHelp shows how to try the sandbox. Only the sandbox's own fixed
// credentials are shown: a configured ADMIN_PASSWORD is referred to, never
// printed.
func printSandboxHelp(w io.Writer, addr string, cfg config.Config) {
	user, password, shown := sandboxAdminUser, sandboxAdminPassword, sandboxAdminPassword
	if cfg.AdminUsername != "" {
		user, password, shown = cfg.AdminUsername, "$ADMIN_PASSWORD", "(the ADMIN_PASSWORD you set)"
	}
	fmt.Fprintf(w, `
Coupon service running in SANDBOX mode at http://%[1]s
WeChat is emulated in-process under http://%[1]s/sandbox/wechat/ (app id %[2]s); nothing leaves this machine.
Store: %[3]s   Cache: %[6]s   JWT secret: %[7]s
Merchant login: %[4]s / %[8]s
Merchant console (商户后台): http://%[1]s/console/

Try the flow:
  ADMIN=$(curl -s -XPOST http://%[1]s/admin/v1/auth/login -d "{\"username\":\"%[4]s\",\"password\":\"%[5]s\"}" | jq -r .token)
  # create a card (see README), then as a user:
  CODE=$(curl -s -XPOST http://%[1]s/sandbox/wechat/sandbox/login -d '{"openid":"oDemoUser"}' | jq -r .code)
  USER=$(curl -s -XPOST http://%[1]s/api/v1/auth/login -d "{\"code\":\"$CODE\"}" | jq -r .token)
  curl -s -H "Authorization: Bearer $USER" http://%[1]s/api/v1/cards
`, addr, cfg.WeChatAppID, storeDesc(cfg), user, password, cacheDesc(cfg), jwtSecretDesc(cfg), shown)
	printStocksHelp(w, addr, cfg)
}

func storeDesc(cfg config.Config) string {
	if cfg.MySQLDSN != "" {
		return "MySQL"
	}
	return "SQLite at " + cfg.SQLitePath
}

// cacheDesc names the cache openCache uses for cfg.
func cacheDesc(cfg config.Config) string {
	if cfg.RedisURL != "" {
		return "Redis"
	}
	return "in-process"
}

// jwtSecretDesc says where the JWT secret came from, never the secret itself.
func jwtSecretDesc(cfg config.Config) string {
	if cfg.JWTSecretGenerated {
		return "generated for this run (tokens do not survive a restart)"
	}
	return "from JWT_SECRET"
}

// countingCache counts the cache's reads for /metrics.
type countingCache struct {
	cache.Store
	m *metrics.Metrics
}

func (c countingCache) Get(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := c.Store.Get(ctx, key)
	c.m.CountGet(ok, err)
	return v, ok, err
}

// sharedHash is the cache's hash store when the cache is shared (Redis); nil
// (in process) otherwise.
func sharedHash(c cache.Store) service.SharedHash {
	if r, ok := c.(*cache.Redis); ok {
		return r
	}
	return nil
}

// runInBackground runs fn until ctx ends or the returned stop is called;
// stop waits for fn to return (so it is done before the store closes).
func runInBackground(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// retentionPolicy is the configured retention (days; 0 keeps forever) as the
// service takes it. A short pause between batches lets other writes go first.
func retentionPolicy(r config.Retention) service.RetentionPolicy {
	const day = 24 * time.Hour
	return service.RetentionPolicy{Dedupe: time.Duration(r.DedupeDays) * day, Audit: time.Duration(r.AuditDays) * day,
		Batch: r.Batch, Pause: 50 * time.Millisecond, Interval: r.Interval}
}
