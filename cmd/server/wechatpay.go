package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/wxcoupon/coupon/internal/busifavor"
	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// newWeChatPay is the one WeChat Pay client that stocks and coupons share;
// nil when no merchant is configured (the 商家券 routes then answer 404).
// emulatorBase, when not empty, is the in-process emulator's root: sandbox
// mode's merchant is the emulator's, and its calls go there. Calls are
// counted in m and tell payUp whether WeChat Pay answers.
func newWeChatPay(cfg config.Config, emulatorBase string, m *metrics.Metrics, payUp *reachability, log *slog.Logger) (*wechatpay.Client, error) {
	if !cfg.WeChatPay.Enabled() {
		log.Info("WECHATPAY_MCH_ID is not set: 商家券 routes answer 404")
		return nil, nil
	}
	pc := cfg.WeChatPay.ClientConfig()
	if cfg.WeChatPay.Sandbox && emulatorBase != "" {
		pc.BaseURL = emulatorBase
	}
	pc.Logger = log.With("component", "wechatpay")
	pc.Hooks = wechatPayHooks(m, payUp)
	pay, err := wechatpay.New(pc)
	if err != nil {
		return nil, fmt.Errorf("wechatpay client: %w", err)
	}
	return pay, nil
}

// newStocks wires 商家券 stocks over pay; nil when pay is.
func newStocks(cfg config.Config, pay *wechatpay.Client, catalogue service.StockStore, st *store.Store, log *slog.Logger) *service.Stocks {
	if pay == nil {
		return nil
	}
	return service.NewStocks(catalogue, busifavor.New(pay), st,
		service.StocksConfig{MchID: cfg.WeChatPay.MchID, NotifyAppID: cfg.WeChatMiniAppID}, log, nil)
}

// printStocksHelp is the start-up help's first 商家券 step: a stock created
// on the in-process WeChat Pay emulator, with a window starting now.
func printStocksHelp(w io.Writer, addr string, cfg config.Config) {
	if !cfg.WeChatPay.Enabled() {
		return
	}
	now := time.Now().In(wechatpay.ChinaTime).Truncate(time.Second)
	fmt.Fprintf(w, `
商家券 (WeChat Pay, emulated in-process too; merchant %[2]s): create a stock, then read it back:
  STOCK=$(curl -s -XPOST http://%[1]s/admin/v1/stocks -H "Authorization: Bearer $ADMIN" -d '{"stock_name":"满10减1","goods_name":"全场通用","stock_type":"NORMAL","coupon_code_mode":"WECHATPAY_MODE","coupon_use_rule":{"coupon_available_time":{"available_begin_time":"%[3]s","available_end_time":"%[4]s"},"fixed_normal_coupon":{"discount_amount":100,"transaction_minimum":1000},"use_method":"OFF_LINE"},"stock_send_rule":{"max_coupons":100,"max_coupons_per_user":1}}' | jq -r .stock_id)
  curl -s -H "Authorization: Bearer $ADMIN" http://%[1]s/admin/v1/stocks/$STOCK
`, addr, cfg.WeChatPay.MchID, now.Format(time.RFC3339), now.AddDate(0, 0, 30).Format(time.RFC3339))
}
