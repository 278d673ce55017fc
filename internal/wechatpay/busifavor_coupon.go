package wechatpay

// Wire types of the 商家券 user-coupon endpoints (reference §3).

// User-coupon states.
const (
	CouponStateSended      = "SENDED" // sic
	CouponStateUsed        = "USED"
	CouponStateExpired     = "EXPIRED"
	CouponStateDeleted     = "DELETED"
	CouponStateDeactivated = "DEACTIVATED"
)

// CouponUse is the body of POST /v3/marketing/busifavor/coupons/use.
type CouponUse struct {
	CouponCode   string `json:"coupon_code"`
	StockID      string `json:"stock_id,omitempty"` // required for merchant-code stocks
	AppID        string `json:"appid"`
	UseTime      Time   `json:"use_time"`
	UseRequestNo string `json:"use_request_no"`
	OpenID       string `json:"openid,omitempty"` // WeChat Pay checks the holder when given
}

// CouponUsed is the answer to a use.
type CouponUsed struct {
	StockID          string `json:"stock_id"`
	OpenID           string `json:"openid"`
	WechatpayUseTime Time   `json:"wechatpay_use_time,omitzero"`
}

// UserCouponQuery filters GET /v3/marketing/busifavor/users/{openid}/coupons.
type UserCouponQuery struct {
	AppID           string // required
	StockID         string
	CouponState     string
	CreatorMerchant string
	BelongMerchant  string
	SenderMerchant  string
	Offset          int
	Limit           int // 20 when 0
}

// UserCouponList is one page of a user's coupons.
type UserCouponList struct {
	Data       []UserCoupon `json:"data"`
	TotalCount int64        `json:"total_count"`
	Offset     int          `json:"offset"`
	Limit      int          `json:"limit"`
}

// UserCoupon is one coupon a user holds.
type UserCoupon struct {
	BelongMerchant      string              `json:"belong_merchant"`
	StockName           string              `json:"stock_name"`
	Comment             string              `json:"comment,omitempty"`
	GoodsName           string              `json:"goods_name"`
	StockType           string              `json:"stock_type"`
	Transferable        bool                `json:"transferable"`
	Shareable           bool                `json:"shareable"`
	CouponState         string              `json:"coupon_state"`
	DisplayPatternInfo  *DisplayPatternInfo `json:"display_pattern_info,omitempty"`
	CouponUseRule       *CouponUseRule      `json:"coupon_use_rule,omitempty"`
	CustomEntrance      *CustomEntrance     `json:"custom_entrance,omitempty"`
	CouponCode          string              `json:"coupon_code"`
	StockID             string              `json:"stock_id"`
	AvailableStartTime  Time                `json:"available_start_time,omitzero"`
	ExpireTime          Time                `json:"expire_time,omitzero"`
	ReceiveTime         Time                `json:"receive_time,omitzero"`
	SendRequestNo       string              `json:"send_request_no,omitempty"`
	UseRequestNo        string              `json:"use_request_no,omitempty"`
	UseTime             Time                `json:"use_time,omitzero"`
	AssociateOutTradeNo string              `json:"associate_out_trade_no,omitempty"`
	ReturnRequestNo     string              `json:"return_request_no,omitempty"`
	ReturnTime          Time                `json:"return_time,omitzero"`
	DeactivateRequestNo string              `json:"deactivate_request_no,omitempty"`
	DeactivateTime      Time                `json:"deactivate_time,omitzero"`
	DeactivateReason    string              `json:"deactivate_reason,omitempty"`
}

// CouponDeactivate is the body of POST …/coupons/deactivate.
type CouponDeactivate struct {
	CouponCode          string `json:"coupon_code"`
	StockID             string `json:"stock_id"`
	DeactivateRequestNo string `json:"deactivate_request_no"`
	DeactivateReason    string `json:"deactivate_reason,omitempty"`
}

// CouponDeactivated is the answer to a deactivate.
type CouponDeactivated struct {
	WechatpayDeactivateTime Time `json:"wechatpay_deactivate_time,omitzero"`
}

// CouponReturn is the body of POST …/coupons/return.
type CouponReturn struct {
	CouponCode      string `json:"coupon_code"`
	StockID         string `json:"stock_id"`
	ReturnRequestNo string `json:"return_request_no"`
}

// CouponReturned is the answer to a return.
type CouponReturned struct {
	WechatpayReturnTime Time `json:"wechatpay_return_time,omitzero"`
}

// CouponSendEvent is the decrypted resource of a COUPON.SEND notification
// (§5.2). It carries no out_request_no.
type CouponSendEvent struct {
	EventType    string `json:"event_type"` // EVENT_TYPE_BUSICOUPON_SEND
	CouponCode   string `json:"coupon_code"`
	StockID      string `json:"stock_id"`
	SendTime     Time   `json:"send_time,omitzero"`
	OpenID       string `json:"openid,omitempty"`
	UnionID      string `json:"unionid,omitempty"`
	SendChannel  string `json:"send_channel"`
	SendMerchant string `json:"send_merchant"`
}
