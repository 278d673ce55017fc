// Package handler is the HTTP face of the service: Gin routes, authentication,
// request/response types and the mapping of service errors to the contract's
// envelope. It holds no business logic.
package handler

import (
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/ratelimit"
	"github.com/wxcoupon/coupon/internal/service"
)

// Deps are what the handlers need.
type Deps struct {
	Auth       *service.Auth
	Catalogue  *service.Catalogue
	Issuing    *service.Issuing
	Audit      *service.Audit
	Redemption *service.Redemption
	Images     *service.Images
	Events     *service.Events
	// Stocks, when set, serves the 商家券 stock routes; nil: WeChat Pay is
	// not configured and they answer 404.
	Stocks *service.Stocks
	// Members, when set, serves member cards (会员卡).
	Members *service.Members
	// Coupons and CouponNotify, when set, serve the 商家券 coupon routes and
	// POST /wechatpay/callback (set with Stocks).
	Coupons      *service.Coupons
	CouponNotify CouponNotifyOpener
	JWT          *auth.JWT
	// Limiter bounds card-ext and decrypt per openid and the logins per client
	// IP; nil: no limit.
	Limiter *ratelimit.Limiter
	Ready   []ReadyCheck
	// Metrics, when set, counts requests and is served at /metrics.
	Metrics *metrics.Metrics
	// MetricsElsewhere: /metrics is served on a listener of its own
	// (METRICS_ADDR), not by this handler, which answers it 404.
	MetricsElsewhere bool
	// TrustedProxies (CIDRs) are believed when they say, in X-Forwarded-For,
	// whom they forward for; empty: nobody.
	TrustedProxies []string
	// CORSAllowedOrigins may call from a browser; empty: none.
	CORSAllowedOrigins []string
	// Sandbox, when set, is the WeChat emulator, mounted under /sandbox/wechat/.
	Sandbox http.Handler
	// Console, when set, holds the merchant console's assets (index.html at
	// its root), served under /console/.
	Console fs.FS
	Log     *slog.Logger
}

type handlers struct {
	auth       *service.Auth
	catalogue  *service.Catalogue
	issuing    *service.Issuing
	audit      *service.Audit
	redemption *service.Redemption
	images     *service.Images
	events     *service.Events
	stocks     *service.Stocks
	members    *service.Members
	coupons    *service.Coupons
	// couponNotify verifies and opens WeChat Pay's notifications.
	couponNotify CouponNotifyOpener
	metrics      *metrics.Metrics
	ready        []ReadyCheck
	limiter      *ratelimit.Limiter
	log          *slog.Logger
}

// New returns the service's HTTP handler.
func New(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	h := &handlers{members: d.Members, auth: d.Auth, catalogue: d.Catalogue, issuing: d.Issuing, audit: d.Audit, redemption: d.Redemption, images: d.Images, events: d.Events, stocks: d.Stocks, coupons: d.Coupons, couponNotify: d.CouponNotify, metrics: d.Metrics, ready: d.Ready, limiter: d.Limiter, log: d.Log}
	r := gin.New()
	// ClientIP (login throttling and limits) sees users behind the load
	// balancers in TRUSTED_PROXIES; config validated them, so a failure here
	// trusts nobody rather than everybody.
	if err := trustProxies(r, d.TrustedProxies); err != nil {
		d.Log.Error("trusted proxies refused; X-Forwarded-For is ignored", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	// Outermost first: observers see the status the error envelope set.
	r.Use(joinForwardedFor(), requestIDMiddleware())
	if d.Metrics != nil {
		r.Use(observe(d.Metrics))
		if !d.MetricsElsewhere {
			r.GET("/metrics", gin.WrapH(d.Metrics.Handler()))
		}
	}
	r.Use(accessLog(d.Log), recovery(d.Log), errorsMiddleware(d.Log), cors(d.CORSAllowedOrigins))
	r.GET("/openapi.yaml", serveOpenAPI)
	r.NoRoute(func(c *gin.Context) { abort(c, service.KindNotFound, "no such route", nil) })
	// Gin has set the Allow header by the time this runs.
	r.NoMethod(func(c *gin.Context) {
		abort(c, kindMethodNotAllowed, c.Request.Method+" is not allowed on this route", nil)
	})

	r.GET("/healthz", healthz)
	r.GET("/readyz", h.readyz)

	user := requireRole(d.JWT, nil, service.RoleUser)
	api := r.Group("/api/v1")
	api.POST("/auth/login", h.limitPerIP("user-login"), h.userLogin)
	api.GET("/cards", user, h.listCards)
	api.POST("/card-ext", user, h.limitPerUser("card-ext"), h.cardExt)
	api.POST("/codes/decrypt", user, h.limitPerUser("decrypt"), h.decrypt)
	api.GET("/me/codes", user, h.myCodes)

	// Merchant tokens are checked against the account (revocation), through a
	// cache of a few seconds in the service.
	session := func(c *gin.Context, p auth.Principal) error {
		return d.Auth.CheckSession(c.Request.Context(), p.Subject, p.Role, p.Version)
	}
	admin := requireRole(d.JWT, session, service.RoleAdmin)
	clerk := requireRole(d.JWT, session, service.RoleAdmin, service.RoleClerk)
	adm := r.Group("/admin/v1")
	adm.POST("/auth/login", h.limitPerIP("admin-login"), h.adminLogin)
	adm.POST("/auth/password", clerk, h.audited("user.password"), h.changeOwnPassword)
	adm.POST("/users", admin, h.audited("user.create"), h.createUser)
	adm.GET("/users", admin, h.listUsers)
	adm.PATCH("/users/:username", admin, h.audited("user.update"), h.updateUser)
	adm.DELETE("/users/:username", admin, h.audited("user.delete"), h.deleteUser)
	adm.GET("/audit", admin, h.listAudit)
	adm.POST("/images", admin, h.audited("image.upload"), h.uploadImage)
	adm.GET("/colors", admin, h.colors)
	adm.POST("/cards", admin, h.audited("card.create"), h.createCard)
	adm.GET("/cards", admin, h.listAdminCards)
	adm.POST("/cards/sync", admin, h.audited("card.sync"), h.syncCards)
	adm.GET("/cards/:card_id", admin, h.getAdminCard)
	adm.PATCH("/cards/:card_id", admin, h.audited("card.update"), h.updateCard)
	adm.DELETE("/cards/:card_id", admin, h.audited("card.delete"), h.deleteCard)
	adm.POST("/cards/:card_id/stock", admin, h.audited("card.stock"), h.adjustStock)
	adm.GET("/cards/:card_id/codes", admin, h.listCardCodes)
	adm.GET("/codes/:code", clerk, h.lookUpCode)
	adm.POST("/codes/:code/consume", clerk, h.audited("code.consume"), h.consumeCode)
	adm.POST("/codes/:code/unavailable", admin, h.audited("code.unavailable"), h.makeCodeUnavailable)
	adm.PUT("/codes/:code", admin, h.audited("code.update"), h.changeCode)

	pay := h.needWeChatPay
	adm.POST("/stocks", admin, h.audited("stock.create"), pay, h.createStock)
	adm.GET("/stocks", admin, pay, h.listStocks)
	adm.GET("/stocks/:stock_id", admin, pay, h.getStock)
	adm.PATCH("/stocks/:stock_id", admin, h.audited("stock.update"), pay, h.modifyStock)
	adm.POST("/stocks/:stock_id/budget", admin, h.audited("stock.budget"), pay, h.changeStockBudget)
	adm.PUT("/wechatpay/callback", admin, h.audited("wechatpay.callback"), pay, h.setWeChatPayCallback)
	if d.Members != nil {
		api.POST("/members/activate", user, h.activateMember)
		api.GET("/me/memberships", user, h.myMemberships)
		api.GET("/members/activation-url", user, h.activationURL)
		adm.PUT("/cards/:card_id/activation-form", admin, h.audited("card.activation_form"), h.setActivationForm)
		adm.GET("/cards/:card_id/members", admin, h.listMembers)
		adm.GET("/members/:code", clerk, h.getMember)
		adm.POST("/members/:code/bonus", clerk, h.audited("member.bonus"), h.changeLedger(service.LedgerBonus))
		adm.POST("/members/:code/balance", clerk, h.audited("member.balance"), h.changeLedger(service.LedgerBalance))
		adm.GET("/members/:code/ledger", admin, h.memberLedger)
	}

	cpn := h.needCoupons
	api.GET("/stocks", user, cpn, h.listUserStocks)
	api.POST("/send-coupon-params", user, cpn, h.sendCouponParams)
	api.POST("/coupons/confirm", user, cpn, h.confirmCoupons)
	api.POST("/coupons/reveal", user, cpn, h.revealCoupon)
	api.GET("/me/coupons", user, cpn, h.myCoupons)
	adm.GET("/stocks/:stock_id/coupons", admin, cpn, h.listStockCoupons)
	adm.GET("/coupons/:coupon_code", clerk, cpn, h.lookUpCoupon)
	adm.POST("/coupons/:coupon_code/consume", clerk, h.audited("coupon.consume"), cpn, h.consumeCoupon)
	adm.POST("/coupons/:coupon_code/deactivate", admin, h.audited("coupon.deactivate"), cpn, h.deactivateCoupon)
	adm.POST("/coupons/:coupon_code/return", admin, h.audited("coupon.return"), cpn, h.returnCoupon)
	r.POST("/wechatpay/callback", cpn, h.wechatPayCallback)

	if d.Events != nil {
		r.GET("/wechat/callback", h.verifyCallbackURL)
		r.POST("/wechat/callback", h.receiveCallback)
	}

	if d.Console != nil {
		mountConsole(r, d.Console)
	}

	if d.Sandbox != nil {
		sb := gin.WrapH(http.StripPrefix("/sandbox/wechat", d.Sandbox))
		r.Any("/sandbox/wechat/*path", sb)
	}
	return r
}
