package main

import (
	"log/slog"

	"github.com/wxcoupon/coupon/internal/busifavor"
	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/handler"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// newCoupons wires 商家券 coupons (send, confirm, notifications, redemption)
// over pay; nils when pay is nil.
// out_request_nos are signed with a key derived from the APIv2 key, which
// every replica has (service/sendno.go).
func newCoupons(cfg config.Config, pay *wechatpay.Client, st *store.Store, stocks service.StockStore, kv cache.Store,
	log *slog.Logger) (*service.Coupons, *busifavor.Coupons) {
	if pay == nil {
		return nil, nil
	}
	provider := busifavor.NewCoupons(pay, cfg.WeChatMiniAppID)
	svc := service.NewCoupons(st, stocks, provider, kv, kv,
		service.CouponsConfig{SendNoKey: service.SendNoKey(cfg.WeChatPay.APIv2Key)}, log.With("component", "coupons"), nil)
	return svc, provider
}

// notifyOpener is p as the handler's interface, nil (not a typed nil) when
// WeChat Pay is off.
func notifyOpener(p *busifavor.Coupons) handler.CouponNotifyOpener {
	if p == nil {
		return nil
	}
	return p
}
