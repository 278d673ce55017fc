package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/handler"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/ratelimit"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/wechat"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
	paysandbox "github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
	"github.com/wxcoupon/coupon/internal/wxcard"
	"github.com/wxcoupon/coupon/web"
)

// Sandbox mode's merchant account, printed at start; only ever used against the emulator.
const (
	sandboxAdminUser     = "admin"
	sandboxAdminPassword = "sandbox-admin"
)

// cardCacheTTL bounds how long a card changed by another replica is still
// handed out here as it was.
const cardCacheTTL = 2 * time.Second

// stockCacheTTL bounds how long a stock paused or changed through another
// replica is still offered by send-coupon-params here (WeChat Pay refuses to
// send from a stock that is not running whatever this service says).
const stockCacheTTL = 2 * time.Second

// outboxEvery is how often a replica retries the consumptions the store could
// not take.
const outboxEvery = 2 * time.Second

// run starts the service and serves until ctx ends. args: none to serve, or
// "migrate" to apply the migrations and exit. onListen, when set, is told the
// address the server listens on (tests start it on 127.0.0.1:0).
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, onListen func(net.Addr)) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel)
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "serve":
	case "migrate":
		if len(args) > 1 && args[1] == "status" {
			return migrationStatus(ctx, cfg, log, stdout)
		}
		return migrateOnly(ctx, cfg, log)
	case "healthcheck":
		return healthcheck(ctx, cfg.HTTPAddr)
	default:
		return fmt.Errorf("unknown command %q: want serve (default), migrate, migrate status or healthcheck", cmd)
	}
	log.Info("starting", append([]any{"version", version}, cfg.LogAttrs()...)...)

	st, err := openStore(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer st.Close()
	m := metrics.New()
	m.WatchDBPool(st.SQLDB())
	rawCache, err := openCache(ctx, cfg)
	if err != nil {
		return err
	}
	defer rawCache.Close()
	kv := countingCache{Store: rawCache, m: m}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	defer ln.Close()

	apiBase := cfg.WeChatAPIBase
	wxUp := &reachability{}
	var emulator http.Handler
	if cfg.Sandbox {
		// The emulator pushes its card events to this server's own callback.
		emulator = sandbox.New(sandbox.Options{
			Logger:        log.With("component", "wxsandbox"),
			CallbackURL:   "http://" + loopback(ln.Addr()) + "/wechat/callback",
			CallbackToken: cfg.CallbackToken, EncodingAESKey: cfg.EncodingAESKey,
			// WeChat Pay's emulator pushes COUPON.SEND to this server's own callback.
			Pay: paysandbox.New(paysandbox.Options{Logger: log.With("component", "wxpaysandbox"),
				NotifyURL: "http://" + loopback(ln.Addr()) + "/wechatpay/callback"}),
		})
		apiBase = "http://" + loopback(ln.Addr()) + "/sandbox/wechat"
	}
	wx, err := wechat.New(wechat.Config{
		BaseURL: apiBase, AppID: cfg.WeChatAppID, AppSecret: cfg.WeChatAppSecret,
		MiniAppID: cfg.WeChatMiniAppID, MiniAppSecret: cfg.WeChatMiniAppSecret,
		Timeout: cfg.WeChatTimeout, Cache: kv, Logger: log.With("component", "wechat"),
		Hooks: wechatHooks(m, wxUp),
	})
	if err != nil {
		return fmt.Errorf("wechat client: %w", err)
	}
	provider := wxcard.New(wx, nil)
	tokens := auth.NewJWT(cfg.JWTSecret, nil, cfg.JWTSecretPrevious)
	// Limits count in the shared cache and, while it fails, in process:
	// they never switch off with Redis.
	limits := ratelimit.NewFallback(kv, cache.NewMemory(), log.With("component", "ratelimit"), nil)
	logins := ratelimit.NewFailures(limits, service.LoginFailureLimit, service.LoginWindow, nil)
	authSvc := service.NewAuth(provider, st, tokens, logins, log)

	adminUser, adminPassword := cfg.AdminUsername, cfg.AdminPassword
	if adminUser == "" && cfg.Sandbox {
		adminUser, adminPassword = sandboxAdminUser, sandboxAdminPassword
	}
	if adminUser != "" {
		created, err := authSvc.EnsureAdmin(ctx, adminUser, adminPassword)
		if err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		// ADMIN_PASSWORD only creates the account: an existing one keeps the
		// password, role and state it was given through the API.
		if created {
			log.Info("bootstrap admin created", "username", adminUser)
		} else {
			log.Info("bootstrap admin exists: left unchanged (ADMIN_PASSWORD is used only to create it)", "username", adminUser)
		}
	}

	// card-ext reads the same cards on every request: they are served from
	// memory for a moment; changes made here are seen at once, another
	// replica's within cardCacheTTL.
	cards := service.NewCardCache(st, cardCacheTTL, nil)

	members := service.NewMembers(st, cards, provider, provider, wxcard.NewMembers(wx), kv,
		service.MembersConfig{NumberPattern: cfg.MemberNumberPattern, LockTTL: cfg.WeChatTimeout*3 + 10*time.Second,
			SyncWait: cfg.WeChatTimeout * 2}, log, nil)

	var events *service.Events
	if cfg.CallbackToken != "" {
		decoder, err := wxcard.NewCallback(cfg.CallbackToken, cfg.EncodingAESKey, cfg.WeChatAppID, nil)
		if err != nil {
			return fmt.Errorf("wechat callback: %w", err)
		}
		events = service.NewEvents(decoder, kv, st, st, cards.Writer(), log, nil).WithMembers(members)
	} else {
		log.Warn("WECHAT_CALLBACK_TOKEN is not set: /wechat/callback is off and code records follow only the API")
	}

	// Consumptions WeChat confirmed but the store did not take wait in the
	// outbox (Redis when shared) and are recorded as soon as the store is back.
	redemption := service.NewRedemption(st, provider, kv, sharedHash(rawCache), log, nil)
	m.WatchOutbox(redemption.OutboxDepth)
	stopOutbox := runInBackground(ctx, func(ctx context.Context) { redemption.RunOutbox(ctx, outboxEvery) })
	defer stopOutbox()

	// Old dedupe and audit rows are pruned in small batches; replicas take
	// turns through a lease in the shared cache.
	retention := service.NewRetention(st, kv, retentionPolicy(cfg.Retention), log.With("component", "retention"), nil)
	stopRetention := runInBackground(ctx, retention.Run)
	defer stopRetention()

	// 商家券: in sandbox mode the merchant is the emulator's, served in process.
	payBase := ""
	if cfg.Sandbox {
		payBase = apiBase
	}
	var payUp *reachability
	if cfg.WeChatPay.Enabled() {
		payUp = &reachability{}
	}
	pay, err := newWeChatPay(cfg, payBase, m, payUp, log)
	if err != nil {
		return err
	}
	// send-coupon-params and confirm read the same stocks on every request:
	// served from memory for a moment, as cards are (see stockCacheTTL).
	stockCache := service.NewStockCache(st, stockCacheTTL, nil)
	stocks := newStocks(cfg, pay, stockCache.Writer(), st, log)
	coupons, couponNotify := newCoupons(cfg, pay, st, stockCache, kv, log)
	if coupons != nil {
		// Coupon consumptions whose record failed wait in their own outbox.
		coupons.WithOutbox(sharedHash(rawCache))
		go coupons.RunReconcile(ctx)
		stopCouponOutbox := runInBackground(ctx, func(ctx context.Context) { coupons.RunOutbox(ctx, outboxEvery) })
		defer stopCouponOutbox()
	}

	h := handler.New(handler.Deps{
		Auth:         authSvc,
		Catalogue:    service.NewCatalogue(cards.Writer(), st, provider, st, log, nil),
		Issuing:      service.NewIssuing(cards, st, provider, log, nil),
		Audit:        service.NewAudit(st, log),
		Redemption:   redemption,
		Images:       service.NewImages(provider),
		Events:       events,
		Stocks:       stocks,
		Members:      members,
		Coupons:      coupons,
		CouponNotify: notifyOpener(couponNotify),
		JWT:          tokens,
		Limiter:      ratelimit.New(limits, cfg.RateLimitPerMinute, nil),
		Ready:        readiness(st, kv, wx, wxUp, payUp),

		Metrics:          m,
		MetricsElsewhere: cfg.MetricsAddr != "",
		Sandbox:          emulator,
		Console:          web.ConsoleAssets(),
		Log:              log,

		TrustedProxies:     cfg.TrustedProxies,
		CORSAllowedOrigins: cfg.CORSAllowedOrigins,
	})
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      cfg.WeChatTimeout*3 + 10*time.Second,
		IdleTimeout:       90 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, m, log)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer stopMetrics()
	}
	if cfg.Sandbox {
		printSandboxHelp(stdout, loopback(ln.Addr()), cfg)
	}
	if onListen != nil {
		onListen(ln.Addr())
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

func openStore(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (*store.Store, error) {
	st, err := store.Open(ctx, store.Config{MySQLDSN: cfg.MySQLDSN, SQLitePath: cfg.SQLitePath,
		MaxOpenConns: cfg.MySQLPool.MaxOpen, MaxIdleConns: cfg.MySQLPool.MaxIdle}, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	return st, nil
}

func migrateOnly(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	st, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	log.Info("migrations applied")
	return st.Close()
}

// loopback is how the server reaches itself: the listener's port on a loopback
// address when it listens on all addresses.
func loopback(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}

// healthcheck asks a server on this machine for /healthz; the container's
// HEALTHCHECK runs it, since the runtime image has no curl.
func healthcheck(ctx context.Context, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort("127.0.0.1", port)+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
