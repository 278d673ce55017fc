package main

import (
	"fmt"
	"log/slog"

	"github.com/wxcoupon/coupon/internal/busifavor"
	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/handler"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// newCoupons wires 商家券 coupons (send, confirm, notifications, redemption)
// over WeChat Pay; nils when no merchant is configured. emulatorBase is as in
// newStocks. WeChat Pay calls are counted in m.
func newCoupons(cfg config.Config, emulatorBase string, st *store.Store, kv cache.Store, m *metrics.Metrics,
	log *slog.Logger) (*service.Coupons, *busifavor.Coupons, error) {
	if !cfg.WeChatPay.Enabled() {
		return nil, nil, nil
	}
	pc := cfg.WeChatPay.ClientConfig()
	if cfg.WeChatPay.Sandbox && emulatorBase != "" {
		pc.BaseURL = emulatorBase
	}
	pc.Logger = log.With("component", "wechatpay")
	pc.Hooks = wechatpay.Hooks{OnCall: m.ObserveWeChatPayCall}
	pay, err := wechatpay.New(pc)
	if err != nil {
		return nil, nil, fmt.Errorf("wechatpay client: %w", err)
	}
	provider := busifavor.NewCoupons(pay, cfg.WeChatMiniAppID)
	svc := service.NewCoupons(st, st, provider, kv, kv, service.CouponsConfig{}, log.With("component", "coupons"), nil)
	return svc, provider, nil
}

// notifyOpener is p as the handler's interface, nil (not a typed nil) when
// WeChat Pay is off.
func notifyOpener(p *busifavor.Coupons) handler.CouponNotifyOpener {
	if p == nil {
		return nil
	}
	return p
}
