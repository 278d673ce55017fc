package sandbox

import (
	"net/http"
	"slices"
	"time"
)

// User-coupon states (§3.2, §3.9; SENDED is WeChat Pay's spelling).
const (
	CouponSended      = "SENDED"
	CouponUsed        = "USED"
	CouponExpired     = "EXPIRED"
	CouponDeleted     = "DELETED"
	CouponDeactivated = "DEACTIVATED"
)

// coupon is one coupon a user holds. state is as set; a SENDED coupon past
// its expire_time reads EXPIRED (see stateAt).
type coupon struct {
	stockID, code, openid string
	state                 string
	receiveTime           time.Time
	availableStart        time.Time
	expire                time.Time
	sendRequestNo         string
	useRequestNo          string
	useTime               time.Time
	returnRequestNo       string
	returnTime            time.Time
	deactivateRequestNo   string
	deactivateTime        time.Time
	deactivateReason      string
	associateOutTradeNo   string
}

// stateAt is the coupon's state at now: expiry is learned by the clock.
func (cp *coupon) stateAt(now time.Time) string {
	if cp.state == CouponSended && now.After(cp.expire) {
		return CouponExpired
	}
	return cp.state
}

type couponView struct {
	BelongMerchant      string          `json:"belong_merchant"`
	StockName           string          `json:"stock_name"`
	Comment             string          `json:"comment,omitempty"`
	GoodsName           string          `json:"goods_name"`
	StockType           string          `json:"stock_type"`
	Transferable        bool            `json:"transferable"`
	Shareable           bool            `json:"shareable"`
	CouponState         string          `json:"coupon_state"`
	DisplayPatternInfo  *displayPattern `json:"display_pattern_info,omitempty"`
	CouponUseRule       *useRule        `json:"coupon_use_rule"`
	CustomEntrance      *customEntrance `json:"custom_entrance,omitempty"`
	CouponCode          string          `json:"coupon_code"`
	StockID             string          `json:"stock_id"`
	AvailableStartTime  string          `json:"available_start_time"`
	ExpireTime          string          `json:"expire_time"`
	ReceiveTime         string          `json:"receive_time"`
	SendRequestNo       string          `json:"send_request_no"`
	UseRequestNo        string          `json:"use_request_no,omitempty"`
	UseTime             string          `json:"use_time,omitempty"`
	AssociateOutTradeNo string          `json:"associate_out_trade_no,omitempty"`
	ReturnRequestNo     string          `json:"return_request_no,omitempty"`
	ReturnTime          string          `json:"return_time,omitempty"`
	DeactivateRequestNo string          `json:"deactivate_request_no,omitempty"`
	DeactivateTime      string          `json:"deactivate_time,omitempty"`
	DeactivateReason    string          `json:"deactivate_reason,omitempty"`
}

// view is the coupon as §3.2/§3.3 answer it; the list omits the
// description (withDescription false).
func (st *state) view(cp *coupon, now time.Time, withDescription bool) couponView {
	s := st.stocks[cp.stockID]
	d := s.def
	v := couponView{
		BelongMerchant: d.BelongMerchant, StockName: d.StockName, Comment: d.Comment, GoodsName: d.GoodsName,
		StockType: d.StockType, Transferable: d.StockSendRule.Transferable, Shareable: d.StockSendRule.Shareable,
		CouponState: cp.stateAt(now), DisplayPatternInfo: d.DisplayPatternInfo, CouponUseRule: d.CouponUseRule,
		CustomEntrance: d.CustomEntrance, CouponCode: cp.code, StockID: cp.stockID,
		AvailableStartTime: wxTime(cp.availableStart), ExpireTime: wxTime(cp.expire), ReceiveTime: wxTime(cp.receiveTime),
		SendRequestNo: cp.sendRequestNo, UseRequestNo: cp.useRequestNo, UseTime: wxTime(cp.useTime),
		AssociateOutTradeNo: cp.associateOutTradeNo, ReturnRequestNo: cp.returnRequestNo, ReturnTime: wxTime(cp.returnTime),
		DeactivateRequestNo: cp.deactivateRequestNo, DeactivateTime: wxTime(cp.deactivateTime), DeactivateReason: cp.deactivateReason,
	}
	if !withDescription && v.DisplayPatternInfo != nil && v.DisplayPatternInfo.Description != "" {
		dp := *v.DisplayPatternInfo
		dp.Description = ""
		v.DisplayPatternInfo = &dp
	}
	return v
}

// findCoupon finds a coupon by code and, for merchant-code stocks, stock:
// stock_id is required when the code is not a WeChat Pay one (400
// PARAM_ERROR), an unknown coupon is 404.
func (st *state) findCoupon(stockID, code string) (*coupon, *apiError) {
	if stockID == "" {
		if cp, found := st.wxCodes[code]; found {
			return cp, nil
		}
		for _, byCode := range st.coupons {
			if _, found := byCode[code]; found {
				return nil, paramErr("stock_id", "", "商户券码须同时提供 stock_id")
			}
		}
		return nil, notFound("券 %s 不存在", code)
	}
	cp, found := st.coupons[stockID][code]
	if !found {
		if _, known := st.stocks[stockID]; !known {
			return nil, notFound("批次 %s 不存在", stockID)
		}
		return nil, notFound("券 %s 不存在", code)
	}
	return cp, nil
}

type useRequest struct {
	CouponCode   string `json:"coupon_code"`
	StockID      string `json:"stock_id"`
	AppID        string `json:"appid"`
	UseTime      string `json:"use_time"`
	UseRequestNo string `json:"use_request_no"`
	OpenID       string `json:"openid"`
}

type useReply struct {
	StockID          string `json:"stock_id"`
	OpenID           string `json:"openid"`
	WechatpayUseTime string `json:"wechatpay_use_time"`
}

// useCoupon is POST coupons/use (§3.1): SENDED and inside its validity →
// USED. Weekly hours are not enforced (unconfirmed). Every refusal of state
// or time is 400 INVALID_REQUEST (§7.3); an openid that does not hold the
// coupon is INVALID_REQUEST too.
func (c *call) useCoupon() any {
	var req useRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.str("coupon_code", req.CouponCode, true, 32)
	v.str("stock_id", req.StockID, false, 20)
	v.str("appid", req.AppID, true, 32)
	v.timestamp("use_time", req.UseTime)
	v.requestNo("use_request_no", req.UseRequestNo)
	v.str("openid", req.OpenID, false, 128)
	c.appIDBound(v, "appid", req.AppID)
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "use_request_no", req.UseRequestNo); seen {
			return prev
		}
		cp, err := st.findCoupon(req.StockID, req.CouponCode)
		if err != nil {
			return err
		}
		if req.OpenID != "" && req.OpenID != cp.openid {
			return invalid("券 %s 不属于用户 %s", cp.code, req.OpenID)
		}
		switch state := cp.stateAt(c.now); {
		case state == CouponUsed:
			return invalid("券已被核销")
		case state != CouponSended:
			return invalid("券状态为 %s，不能核销", state)
		case c.now.Before(cp.availableStart):
			return invalid("券尚未生效，生效时间 %s", wxTime(cp.availableStart))
		}
		cp.state, cp.useRequestNo, cp.useTime = CouponUsed, req.UseRequestNo, c.now
		return c.remember(st, "use_request_no", req.UseRequestNo,
			useReply{StockID: cp.stockID, OpenID: cp.openid, WechatpayUseTime: wxTime(c.now)})
	})
}

type deactivateRequest struct {
	CouponCode          string `json:"coupon_code"`
	StockID             string `json:"stock_id"`
	DeactivateRequestNo string `json:"deactivate_request_no"`
	DeactivateReason    string `json:"deactivate_reason"`
}

// deactivateCoupon is POST coupons/deactivate (§3.4): SENDED → DEACTIVATED
// (final); any other state is INVALID_REQUEST.
func (c *call) deactivateCoupon() any {
	var req deactivateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.str("coupon_code", req.CouponCode, true, 32)
	v.str("stock_id", req.StockID, true, 20)
	v.requestNo("deactivate_request_no", req.DeactivateRequestNo)
	v.str("deactivate_reason", req.DeactivateReason, false, 64)
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "deactivate_request_no", req.DeactivateRequestNo); seen {
			return prev
		}
		cp, err := st.findCoupon(req.StockID, req.CouponCode)
		if err != nil {
			return err
		}
		if state := cp.stateAt(c.now); state != CouponSended {
			return invalid("券状态为 %s，不能失效", state)
		}
		cp.state, cp.deactivateRequestNo, cp.deactivateTime, cp.deactivateReason =
			CouponDeactivated, req.DeactivateRequestNo, c.now, req.DeactivateReason
		return c.remember(st, "deactivate_request_no", req.DeactivateRequestNo,
			map[string]string{"wechatpay_deactivate_time": wxTime(c.now)})
	})
}

type returnRequest struct {
	CouponCode      string `json:"coupon_code"`
	StockID         string `json:"stock_id"`
	ReturnRequestNo string `json:"return_request_no"`
}

// returnCoupon is POST coupons/return (§3.5): USED → SENDED, usable again
// until it expires (a coupon returned after its expiry reads EXPIRED); any
// other state is INVALID_REQUEST.
func (c *call) returnCoupon() any {
	var req returnRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.str("coupon_code", req.CouponCode, true, 32)
	v.str("stock_id", req.StockID, true, 20)
	v.requestNo("return_request_no", req.ReturnRequestNo)
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "return_request_no", req.ReturnRequestNo); seen {
			return prev
		}
		cp, err := st.findCoupon(req.StockID, req.CouponCode)
		if err != nil {
			return err
		}
		if cp.state != CouponUsed {
			return invalid("券状态为 %s，不能退回", cp.stateAt(c.now))
		}
		cp.state, cp.returnRequestNo, cp.returnTime = CouponSended, req.ReturnRequestNo, c.now
		cp.useRequestNo, cp.useTime = "", time.Time{}
		return c.remember(st, "return_request_no", req.ReturnRequestNo,
			map[string]string{"wechatpay_return_time": wxTime(c.now)})
	})
}

// apiSend is POST coupons/send (§3.8): the sandbox merchant has no grant,
// as ordinary merchants have none (§7.3).
func (c *call) apiSend() any {
	return noAuth("商户号 %s 无发券接口权限", c.e.mchID)
}

var couponStates = []string{CouponSended, CouponUsed, CouponExpired, CouponDeleted, CouponDeactivated}

type couponListReply struct {
	Data       []couponView `json:"data"`
	TotalCount int          `json:"total_count"`
	Offset     int          `json:"offset"`
	Limit      int          `json:"limit"`
}

// listUserCoupons is GET users/{openid}/coupons (§3.2): appid required and
// bound; filters stock_id, coupon_state, creator/belong/sender_merchant;
// offset is an item offset (unconfirmed); newest first.
func (c *call) listUserCoupons() any {
	q := c.r.URL.Query()
	openid, appid := c.r.PathValue("openid"), q.Get("appid")
	if appid == "" {
		return queryErr("appid", "", "此字段为必填项")
	}
	if !c.e.bound[appid] {
		return invalid("appid %s 未与商户号 %s 绑定", appid, c.e.mchID)
	}
	stockID, want := q.Get("stock_id"), q.Get("coupon_state")
	if want != "" && !slices.Contains(couponStates, want) {
		return queryErr("coupon_state", want, "取值不在枚举范围内")
	}
	for _, m := range []string{"creator_merchant", "belong_merchant", "sender_merchant"} {
		if x := q.Get(m); x != "" && x != c.e.mchID {
			return invalid("%s %s 与调用商户号不一致", m, x)
		}
	}
	offset, limit, aerr := paging(q.Get("offset"), q.Get("limit"))
	if aerr != nil {
		return aerr
	}
	return c.locked(func(st *state) any {
		var all []*coupon
		for _, cp := range slices.Backward(st.byUser[openid]) {
			if (stockID == "" || cp.stockID == stockID) && (want == "" || cp.stateAt(c.now) == want) {
				all = append(all, cp)
			}
		}
		data := []couponView{}
		for _, cp := range page(all, offset, limit) {
			data = append(data, st.view(cp, c.now, false))
		}
		return couponListReply{Data: data, TotalCount: len(all), Offset: offset, Limit: limit}
	})
}

// getUserCoupon is GET users/{openid}/coupons/{coupon_code}/appids/{appid}
// (§3.3): a code the user does not hold is 404 (unconfirmed). Merchant
// codes may repeat across stocks; the newest such coupon of the user is
// answered.
func (c *call) getUserCoupon() any {
	openid, code, appid := c.r.PathValue("openid"), c.r.PathValue("coupon_code"), c.r.PathValue("appid")
	if !c.e.bound[appid] {
		return invalid("appid %s 未与商户号 %s 绑定", appid, c.e.mchID)
	}
	return c.locked(func(st *state) any {
		for _, cp := range slices.Backward(st.byUser[openid]) {
			if cp.code == code {
				return st.view(cp, c.now, true)
			}
		}
		return &apiError{status: http.StatusNotFound, code: "RESOURCE_NOT_EXISTS", message: "用户 " + openid + " 没有券 " + code}
	})
}
