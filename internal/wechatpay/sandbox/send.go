package sandbox

import (
	"crypto/rand"
	"math/big"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// Sending (§7.2): the send-coupon plugin, played by sandbox/pay/send-coupon.

// Send channels of COUPON.SEND (§5.2).
const channelMiniApp = "BUSICOUPON_SEND_CHANNEL_MINIAPP"

// sendKey identifies one send: an out_request_no is unique per stock per
// user (§1.6).
type sendKey struct{ stockID, openid, outRequestNo string }

// Plugin item codes (§4.1).
const (
	itemSuccess    = "SUCCESS"
	itemFailed     = "FAILED"
	itemNotEnough  = "NOTENOUGH"
	itemDayLimit   = "DAYLIMIT"
	itemMaxQuota   = "MAXQUOTA"
	itemDupRequest = "DUPREQUEST"
	itemNotRunning = "NOTRUNNING"
)

// issue sends one coupon of stock stockID to openid, checking §7.2's rules
// in order, and returns the item code and message; cp is the new coupon
// (SUCCESS) or the earlier one (DUPREQUEST, whose coupon_code is returned:
// unconfirmed). Called with the lock held.
func (st *state) issue(stockID, openid, outRequestNo, merchantCode string, now time.Time) (cp *coupon, code, message string) {
	s, found := st.stocks[stockID]
	if !found {
		return nil, itemFailed, "批次不存在"
	}
	if s.effectiveState(now) != StateRunning {
		return nil, itemNotRunning, "批次状态为 " + s.effectiveState(now)
	}
	if prev, dup := st.sends[sendKey{stockID, openid, outRequestNo}]; dup {
		return prev, itemDupRequest, "该 out_request_no 已发过券"
	}
	rule := s.def.StockSendRule
	today := dayOf(now)
	switch {
	case s.sent >= rule.MaxCoupons:
		return nil, itemNotEnough, "批次已发完"
	case rule.MaxCouponsByDay != 0 && s.sentByDay[today] >= rule.MaxCouponsByDay:
		return nil, itemDayLimit, "已达单天发放上限"
	case s.perUser[openid] >= rule.MaxCouponsPerUser:
		return nil, itemMaxQuota, "用户已达领取上限"
	}
	var couponCode string
	var uc *uploadedCode
	switch s.def.CouponCodeMode {
	case "WECHATPAY_MODE":
		for couponCode == "" || st.wxCodes[couponCode] != nil {
			couponCode = randomDigits(22)
		}
	case "MERCHANT_API":
		if ok, _ := validMerchantCode(merchantCode); !ok {
			return nil, itemFailed, "coupon_code 缺失或不合规"
		}
		if st.coupons[s.id][merchantCode] != nil {
			return nil, itemFailed, "coupon_code 已被使用"
		}
		couponCode = merchantCode
	case "MERCHANT_UPLOAD":
		if s.available == 0 {
			return nil, itemFailed, "没有可用的预存券码"
		}
		uc = s.randomAvailableCode()
		couponCode = uc.code
	}
	start, expire := s.validity(now)
	cp = &coupon{
		stockID: s.id, code: couponCode, openid: openid, state: CouponSended, receiveTime: now,
		availableStart: start, expire: expire, sendRequestNo: outRequestNo,
	}
	if uc != nil {
		uc.status, uc.dispatched, uc.coupon = codeDispatched, now, cp
		s.available--
	}
	if st.coupons[s.id] == nil {
		st.coupons[s.id] = map[string]*coupon{}
	}
	st.coupons[s.id][couponCode] = cp
	if s.def.CouponCodeMode == "WECHATPAY_MODE" {
		st.wxCodes[couponCode] = cp
	}
	st.byUser[openid] = append(st.byUser[openid], cp)
	st.sends[sendKey{stockID, openid, outRequestNo}] = cp
	s.sent++
	s.sentByDay[today]++
	s.perUser[openid]++
	return cp, itemSuccess, "发券成功"
}

// validity is a coupon's [available_start_time, expire_time] when received
// at now (§2.1): with available_day_after_receive N it starts at receipt
// (or W days later at 00:00 with wait_days_after_receive W), never before
// the window, and ends at 23:59:59 UTC+8 of its N-th day (unconfirmed
// rounding); always capped by the window's end.
func (s *stock) validity(now time.Time) (start, expire time.Time) {
	t := s.def.CouponUseRule.CouponAvailableTime
	start = now
	if t.WaitDaysAfterReceive > 0 {
		y, m, d := now.In(utc8).Date()
		start = time.Date(y, m, d+int(t.WaitDaysAfterReceive), 0, 0, 0, 0, utc8)
	}
	if start.Before(s.begin) {
		start = s.begin
	}
	expire = s.end
	if n := t.AvailableDayAfterReceive; n > 0 {
		y, m, d := start.In(utc8).Date()
		last := time.Date(y, m, d+int(n)-1, 23, 59, 59, 0, utc8)
		if last.Before(expire) {
			expire = last
		}
	}
	return start, expire
}

func (s *stock) randomAvailableCode() *uploadedCode {
	n, _ := rand.Int(rand.Reader, big.NewInt(s.available))
	i := n.Int64()
	for _, code := range s.codeOrder {
		if u := s.codes[code]; u.status == codeAvailable {
			if i == 0 {
				return u
			}
			i--
		}
	}
	return nil // unreachable while available counts the AVAILABLE codes
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

type sendCouponRequest struct {
	OpenID             string                   `json:"openid"`
	SendCouponParams   []wechatpay.PluginCoupon `json:"send_coupon_params"`
	SendCouponMerchant string                   `json:"send_coupon_merchant"`
	Sign               string                   `json:"sign"`
}

type sendResult struct {
	StockID      string `json:"stock_id"`
	OutRequestNo string `json:"out_request_no"`
	CouponCode   string `json:"coupon_code,omitempty"`
	Code         string `json:"code"`
	Message      string `json:"message"`
}

type sendCouponReply struct {
	Errcode          string       `json:"errcode"`
	Msg              string       `json:"msg"`
	SendCouponResult []sendResult `json:"send_coupon_result,omitempty"`
}

// driverSendCoupon is POST sandbox/pay/send-coupon: plays the <send-coupon>
// plugin for the user openid and answers its event.detail (§4.1). Outer
// refusals (PARAM_ERROR, SIGN_ERROR) are answered 200, as the plugin
// reports them; items are sent one by one in order (§7.2) and each success
// pushes COUPON.SEND when a callbacks URL is set.
func (c *call) driverSendCoupon() any {
	var req sendCouponRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	outer := func(code, msg string) any { return sendCouponReply{Errcode: code, Msg: msg} }
	switch {
	case req.OpenID == "":
		return outer("USER_NOT_EXISTS", "openid is required (the user in front of the plugin)")
	case len(req.SendCouponParams) == 0 || len(req.SendCouponParams) > 10:
		return outer("PARAM_ERROR", "send_coupon_params must have 1 to 10 items")
	case req.SendCouponMerchant == "":
		return outer("PARAM_ERROR", "send_coupon_merchant is required")
	case req.Sign == "":
		return outer("PARAM_ERROR", "sign is required")
	}
	for _, p := range req.SendCouponParams {
		if p.StockID == "" || len(p.StockID) > 20 || p.OutRequestNo == "" || len(p.OutRequestNo) > 128 {
			return outer("PARAM_ERROR", "each item needs stock_id (≤ 20) and out_request_no (≤ 128)")
		}
	}
	if req.SendCouponMerchant != c.e.mchID {
		return outer("PARAM_ERROR", "send_coupon_merchant "+req.SendCouponMerchant+" is not the sandbox merchant")
	}
	if !wechatpay.VerifyV2(wechatpay.PluginSignParams(req.SendCouponMerchant, req.SendCouponParams),
		c.e.Merchant().APIv2Key, req.Sign) {
		return outer("SIGN_ERROR", "sign does not match (HMAC-SHA256 with the APIv2 key)")
	}
	return c.locked(func(st *state) any {
		out := sendCouponReply{Errcode: "OK", Msg: "ok", SendCouponResult: make([]sendResult, 0, len(req.SendCouponParams))}
		for _, p := range req.SendCouponParams {
			cp, code, msg := st.issue(p.StockID, req.OpenID, p.OutRequestNo, p.CouponCode, c.now)
			r := sendResult{StockID: p.StockID, OutRequestNo: p.OutRequestNo, Code: code, Message: msg}
			if cp != nil {
				r.CouponCode = cp.code
			}
			if code == itemSuccess {
				c.e.nt.couponSent(st, cp, channelMiniApp, c.now)
			}
			out.SendCouponResult = append(out.SendCouponResult, r)
		}
		return out
	})
}
