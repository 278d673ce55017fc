package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// 商家券 (WeChat Pay merchant coupons): the server's WECHATPAY_* settings
// from the emulator, the stocks, and coupons issued through the plugin.

// payEnv reads the emulator's sandbox merchant (GET sandbox/pay/merchant)
// into the server's WECHATPAY_* variables, as an operator would.
func payEnv(ctx context.Context, a api, wx string, env map[string]string) error {
	var mc map[string]string
	if err := a.get(ctx, wx+"/sandbox/pay/merchant", "", &mc); err != nil {
		return fmt.Errorf("sandbox/pay/merchant: %w", err)
	}
	for k, f := range map[string]string{"WECHATPAY_MCH_ID": "mchid", "WECHATPAY_MCH_SERIAL_NO": "serial_no",
		"WECHATPAY_MCH_PRIVATE_KEY": "private_key", "WECHATPAY_PUBLIC_KEY_ID": "public_key_id", "WECHATPAY_PUBLIC_KEY": "public_key",
		"WECHATPAY_APIV3_KEY": "apiv3_key", "WECHATPAY_APIV2_KEY": "apiv2_key"} {
		if mc[f] == "" {
			return fmt.Errorf("sandbox/pay/merchant: no %s", f)
		}
		env[k] = mc[f]
	}
	env["WECHATPAY_API_BASE"] = wx
	return nil
}

// couponStocks is how many stocks the coupons are issued from: the plugin
// takes each stock once per call, so ten stocks give ten coupons a call.
const couponStocks = 10

// createStocks creates n running NORMAL stocks (WeChat Pay mode codes) with
// budgets no phase reaches: 10 000 000 coupons, 100 per user (WeChat Pay's
// maximum), no daily limit.
func (f *fixture) createStocks(ctx context.Context, a api, n int) ([]string, error) {
	now := time.Now().Truncate(time.Second)
	ids := make([]string, 0, n)
	for i := range n {
		body := map[string]any{
			"stock_name": fmt.Sprintf("压测券 %d", i+1), "goods_name": "全场通用", "stock_type": "NORMAL",
			"coupon_use_rule": map[string]any{
				"coupon_available_time": map[string]any{
					"available_begin_time": now.Format(time.RFC3339), "available_end_time": now.AddDate(0, 0, 30).Format(time.RFC3339),
					"available_day_after_receive": 7,
				},
				"use_method":          "OFF_LINE",
				"fixed_normal_coupon": map[string]any{"discount_amount": 100, "transaction_minimum": 1000},
			},
			"coupon_code_mode": "WECHATPAY_MODE",
			"stock_send_rule":  map[string]any{"max_coupons": 10_000_000, "max_coupons_per_user": 100},
		}
		var out struct {
			StockID string `json:"stock_id"`
		}
		if err := a.post(ctx, f.base+"/admin/v1/stocks", f.admin, body, &out); err != nil {
			return nil, fmt.Errorf("create stock: %w", err)
		}
		ids = append(ids, out.StockID)
	}
	return ids, nil
}

// sendParamsBody is the send-coupon-params request for stockIDs.
func sendParamsBody(stockIDs ...string) []byte {
	items := make([]map[string]string, len(stockIDs))
	for i, id := range stockIDs {
		items[i] = map[string]string{"stock_id": id}
	}
	raw, _ := json.Marshal(map[string]any{"stocks": items})
	return raw
}

type sendResult struct {
	StockID      string `json:"stock_id"`
	OutRequestNo string `json:"out_request_no"`
	CouponCode   string `json:"coupon_code"`
	Code         string `json:"code"`
}

// issueCoupons plays the mini-program for count coupons, ten (one per
// stock) per plugin call: each call is made by a user of its own, signed in
// for it, who calls send-coupon-params for the stocks and then the emulator's
// plugin (sandbox/pay/send-coupon). Each call becomes one confirm request
// with its coupons, as the client kit sends the plugin's bindsendcoupon
// detail, posted by that user. A user of its own per call: a real user
// confirms right after the plugin answered, when the coupons just sent are
// the newest the user holds.
func (f *fixture) issueCoupons(ctx context.Context, a api, stocks []string, count int) ([]received, error) {
	per := len(stocks)
	calls := (count + per - 1) / per
	users, err := signIn(ctx, a, f.base, f.wx, "oCoupon", calls)
	if err != nil {
		return nil, err
	}
	out := make([]received, calls)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for c, u := range users {
		g.Go(func() error {
			var p struct {
				Params   json.RawMessage `json:"send_coupon_params"`
				Merchant string          `json:"send_coupon_merchant"`
				Sign     string          `json:"sign"`
			}
			if err := a.post(gctx, f.base+"/api/v1/send-coupon-params", u.token, json.RawMessage(sendParamsBody(stocks...)), &p); err != nil {
				return fmt.Errorf("send-coupon-params: %w", err)
			}
			var sent struct {
				Errcode string       `json:"errcode"`
				Msg     string       `json:"msg"`
				Result  []sendResult `json:"send_coupon_result"`
			}
			if err := a.post(gctx, f.wx+"/sandbox/pay/send-coupon", "", map[string]any{"openid": u.openid,
				"send_coupon_params": p.Params, "send_coupon_merchant": p.Merchant, "sign": p.Sign}, &sent); err != nil {
				return fmt.Errorf("sandbox/pay/send-coupon: %w", err)
			}
			if sent.Errcode != "OK" || len(sent.Result) != per {
				return fmt.Errorf("sandbox/pay/send-coupon: errcode %s %s, %d items", sent.Errcode, sent.Msg, len(sent.Result))
			}
			for _, r := range sent.Result {
				if r.Code != "SUCCESS" || r.CouponCode == "" {
					return fmt.Errorf("sandbox/pay/send-coupon: item %s %s", r.StockID, r.Code)
				}
			}
			body, _ := json.Marshal(map[string]any{"send_coupon_result": sent.Result})
			out[c] = received{token: u.token, body: body}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// confirmOK accepts an answer whose n coupons were all recorded as issued.
func confirmOK(n int) func([]byte) error {
	want := []byte(`"status":"issued"`)
	return func(body []byte) error {
		if bytes.Contains(body, []byte(`"error"`)) || bytes.Count(body, want) != n {
			return fmt.Errorf("not all %d coupons were recorded", n)
		}
		return nil
	}
}

// counted wraps a check and counts what the answers it accepts acknowledge
// (each, per items), warm-up and late answers included: what the server
// acknowledged in the whole phase.
func counted(check func([]byte) error, n *atomic.Int64, per int64) func([]byte) error {
	return func(body []byte) error {
		if err := check(body); err != nil {
			return err
		}
		n.Add(per)
		return nil
	}
}

// verifyCoupons compares the coupons rows with what the phase confirmed:
// every coupon a confirm answered "issued" is one row, and no row more. sent
// is the coupons posted in confirms; the difference from acknowledged is the
// failures, which may or may not have been recorded.
func (m *mysqlAdmin) verifyCoupons(ctx context.Context, sent, acknowledged int64) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var rows int64
	if err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+m.name+".coupons").Scan(&rows); err != nil {
		return fmt.Sprintf("counting the coupons rows failed: %v", err), false
	}
	ok := rows == acknowledged && sent == acknowledged
	verdict := "nothing lost or doubled"
	switch {
	case rows < acknowledged:
		verdict = fmt.Sprintf("**%d acknowledged coupons missing**", acknowledged-rows)
	case rows > sent:
		verdict = fmt.Sprintf("**%d rows more than confirms posted**", rows-sent)
	case !ok:
		verdict = fmt.Sprintf("%d confirms failed, %d of them recorded anyway", sent-acknowledged, rows-acknowledged)
	}
	return fmt.Sprintf("%d new coupons posted once each (in confirms of %d), %d answered issued, %d rows in coupons: %s",
		sent, couponStocks, acknowledged, rows, verdict), ok
}
