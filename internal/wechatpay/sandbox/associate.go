package sandbox

type associateRequest struct {
	StockID      string `json:"stock_id"`
	CouponCode   string `json:"coupon_code"`
	OutTradeNo   string `json:"out_trade_no"`
	OutRequestNo string `json:"out_request_no"`
}

// associateCoupon is POST coupons/associate (§3.6): an unused (SENDED)
// coupon is tied to one order; another state is INVALID_REQUEST.
func (c *call) associateCoupon() any {
	return c.association(true)
}

// disassociateCoupon is POST coupons/disassociate (§3.6): only the order
// the coupon is tied to can be untied (else INVALID_REQUEST).
func (c *call) disassociateCoupon() any {
	return c.association(false)
}

func (c *call) association(tie bool) any {
	var req associateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.str("stock_id", req.StockID, true, 20)
	v.str("coupon_code", req.CouponCode, true, 32)
	v.str("out_trade_no", req.OutTradeNo, true, 32)
	v.requestNo("out_request_no", req.OutRequestNo)
	if v.err != nil {
		return v.err
	}
	kind, timeField := "associate_out_request_no", "wechatpay_associate_time"
	if !tie {
		kind, timeField = "disassociate_out_request_no", "wechatpay_disassociate_time"
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, kind, req.OutRequestNo); seen {
			return prev
		}
		cp, err := st.findCoupon(req.StockID, req.CouponCode)
		if err != nil {
			return err
		}
		if state := cp.stateAt(c.now); state != CouponSended {
			return invalid("券状态为 %s，不能关联或取消关联订单", state)
		}
		switch {
		case tie && cp.associateOutTradeNo != "" && cp.associateOutTradeNo != req.OutTradeNo:
			return invalid("券已关联订单 %s", cp.associateOutTradeNo)
		case tie:
			cp.associateOutTradeNo = req.OutTradeNo
		case cp.associateOutTradeNo != req.OutTradeNo:
			return invalid("券未关联订单 %s", req.OutTradeNo)
		default:
			cp.associateOutTradeNo = ""
		}
		return c.remember(st, kind, req.OutRequestNo, map[string]string{timeField: wxTime(c.now)})
	})
}
