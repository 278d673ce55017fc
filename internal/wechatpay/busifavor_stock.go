package wechatpay

// Wire types of the 商家券 stock endpoints (reference §2). They stay inside
// this package and internal/busifavor, which translates them to the
// service's types; field names follow WeChat Pay's, including its
// misspellings.

// Stock types, code modes, use methods and states.
const (
	StockTypeNormal   = "NORMAL"
	StockTypeDiscount = "DISCOUNT"
	StockTypeExchange = "EXCHANGE"

	CodeModeWechatpay      = "WECHATPAY_MODE"
	CodeModeMerchantAPI    = "MERCHANT_API"
	CodeModeMerchantUpload = "MERCHANT_UPLOAD"

	UseMethodOffline      = "OFF_LINE"
	UseMethodMiniPrograms = "MINI_PROGRAMS"
	UseMethodPaymentCode  = "PAYMENT_CODE"
	UseMethodSelfConsume  = "SELF_CONSUME"

	StockStateUnaudit = "UNAUDIT"
	StockStateRunning = "RUNNING"
	StockStateStoped  = "STOPED" // sic
	StockStatePaused  = "PAUSED"
)

// StockCreate is the body of POST /v3/marketing/busifavor/stocks.
type StockCreate struct {
	StockName          string              `json:"stock_name"`
	BelongMerchant     string              `json:"belong_merchant"`
	Comment            string              `json:"comment,omitempty"`
	GoodsName          string              `json:"goods_name"`
	StockType          string              `json:"stock_type"`
	CouponUseRule      CouponUseRule       `json:"coupon_use_rule"`
	StockSendRule      StockSendRule       `json:"stock_send_rule"`
	OutRequestNo       string              `json:"out_request_no"`
	CustomEntrance     *CustomEntrance     `json:"custom_entrance,omitempty"`
	DisplayPatternInfo *DisplayPatternInfo `json:"display_pattern_info,omitempty"`
	CouponCodeMode     string              `json:"coupon_code_mode"`
	NotifyConfig       *NotifyConfig       `json:"notify_config,omitempty"`
	Subsidy            bool                `json:"subsidy,omitempty"`
}

// StockCreated is the answer to a create.
type StockCreated struct {
	StockID    string `json:"stock_id"`
	CreateTime Time   `json:"create_time,omitzero"`
}

// CouponUseRule: exactly one of the three rule objects, matching stock_type.
type CouponUseRule struct {
	CouponAvailableTime *CouponAvailableTime `json:"coupon_available_time,omitempty"`
	FixedNormalCoupon   *FixedNormalCoupon   `json:"fixed_normal_coupon,omitempty"`
	DiscountCoupon      *DiscountCoupon      `json:"discount_coupon,omitempty"`
	ExchangeCoupon      *ExchangeCoupon      `json:"exchange_coupon,omitempty"`
	UseMethod           string               `json:"use_method,omitempty"`
	MiniProgramsAppID   string               `json:"mini_programs_appid,omitempty"`
	MiniProgramsPath    string               `json:"mini_programs_path,omitempty"`
}

// CouponAvailableTime is the stock's window and the per-coupon validity.
type CouponAvailableTime struct {
	AvailableBeginTime       Time           `json:"available_begin_time"`
	AvailableEndTime         Time           `json:"available_end_time"`
	AvailableDayAfterReceive int            `json:"available_day_after_receive,omitempty"`
	AvailableWeek            *AvailableWeek `json:"available_week,omitempty"`
	IrregularyAvaliableTime  []TimePeriod   `json:"irregulary_avaliable_time,omitempty"` // sic
	WaitDaysAfterReceive     int            `json:"wait_days_after_receive,omitempty"`
}

// AvailableWeek limits use to some days and hours.
type AvailableWeek struct {
	WeekDay          WeekDays  `json:"week_day,omitempty"`
	AvailableDayTime []DayTime `json:"available_day_time,omitempty"`
}

// DayTime is a period within a day, in seconds since 00:00:00.
type DayTime struct {
	BeginTime int `json:"begin_time"`
	EndTime   int `json:"end_time"`
}

// TimePeriod is an irregular availability period.
type TimePeriod struct {
	BeginTime Time `json:"begin_time"`
	EndTime   Time `json:"end_time"`
}

// FixedNormalCoupon: discount_amount off above transaction_minimum (fen).
type FixedNormalCoupon struct {
	DiscountAmount     int64 `json:"discount_amount"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// DiscountCoupon: pay discount_percent % (88 = 8.8折) above transaction_minimum.
type DiscountCoupon struct {
	DiscountPercent    int   `json:"discount_percent"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// ExchangeCoupon: buy for exchange_price above transaction_minimum (fen).
type ExchangeCoupon struct {
	ExchangePrice      int64 `json:"exchange_price"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// StockSendRule limits sending.
type StockSendRule struct {
	MaxAmount          int64 `json:"max_amount,omitempty"`
	MaxCoupons         int64 `json:"max_coupons,omitempty"`
	MaxCouponsPerUser  int64 `json:"max_coupons_per_user,omitempty"`
	MaxAmountByDay     int64 `json:"max_amount_by_day,omitempty"`
	MaxCouponsByDay    int64 `json:"max_coupons_by_day,omitempty"`
	NaturalPersonLimit bool  `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    bool  `json:"prevent_api_abuse,omitempty"`
	Transferable       bool  `json:"transferable,omitempty"`
	Shareable          bool  `json:"shareable,omitempty"`
}

// CustomEntrance adds entries to the coupon's detail page.
type CustomEntrance struct {
	MiniProgramsInfo *MiniProgramsInfo `json:"mini_programs_info,omitempty"`
	AppID            string            `json:"appid,omitempty"`
	HallID           string            `json:"hall_id,omitempty"`
	StoreID          string            `json:"store_id,omitempty"`
	CodeDisplayMode  string            `json:"code_display_mode,omitempty"`
}

// MiniProgramsInfo is a mini-program entry on the detail page.
type MiniProgramsInfo struct {
	MiniProgramsAppID string `json:"mini_programs_appid"`
	MiniProgramsPath  string `json:"mini_programs_path"`
	EntranceWords     string `json:"entrance_words"`
	GuidingWords      string `json:"guiding_words,omitempty"`
}

// DisplayPatternInfo is the coupon's look.
type DisplayPatternInfo struct {
	Description     string      `json:"description,omitempty"`
	MerchantLogoURL string      `json:"merchant_logo_url,omitempty"`
	MerchantName    string      `json:"merchant_name,omitempty"`
	BackgroundColor string      `json:"background_color,omitempty"`
	CouponImageURL  string      `json:"coupon_image_url,omitempty"`
	FinderInfo      *FinderInfo `json:"finder_info,omitempty"`
}

// FinderInfo is a 视频号 video on the coupon.
type FinderInfo struct {
	FinderID                 string `json:"finder_id"`
	FinderVideoID            string `json:"finder_video_id"`
	FinderVideoCoverImageURL string `json:"finder_video_cover_image_url"`
}

// NotifyConfig names the appid under which COUPON.SEND reports the openid.
type NotifyConfig struct {
	NotifyAppID string `json:"notify_appid,omitempty"`
}

// Stock is the answer of GET /v3/marketing/busifavor/stocks/{stock_id}.
type Stock struct {
	StockID              string                `json:"stock_id"`
	StockState           string                `json:"stock_state"`
	StockName            string                `json:"stock_name"`
	BelongMerchant       string                `json:"belong_merchant"`
	Comment              string                `json:"comment,omitempty"`
	GoodsName            string                `json:"goods_name"`
	StockType            string                `json:"stock_type"`
	CouponUseRule        CouponUseRule         `json:"coupon_use_rule"`
	StockSendRule        StockSendRule         `json:"stock_send_rule"`
	CustomEntrance       *CustomEntrance       `json:"custom_entrance,omitempty"`
	DisplayPatternInfo   *DisplayPatternInfo   `json:"display_pattern_info,omitempty"`
	CouponCodeMode       string                `json:"coupon_code_mode"`
	NotifyConfig         *NotifyConfig         `json:"notify_config,omitempty"`
	Subsidy              bool                  `json:"subsidy,omitempty"`
	CouponCodeCount      *CouponCodeCount      `json:"coupon_code_count,omitempty"`
	SendCountInformation *SendCountInformation `json:"send_count_information,omitempty"`
}

// CouponCodeCount counts a MERCHANT_UPLOAD stock's codes.
type CouponCodeCount struct {
	TotalCount     int64 `json:"total_count"`
	AvailableCount int64 `json:"available_count"`
}

// SendCountInformation counts the coupons sent.
type SendCountInformation struct {
	TotalSendNum    int64 `json:"total_send_num"`
	TotalSendAmount int64 `json:"total_send_amount,omitempty"`
	TodaySendNum    int64 `json:"today_send_num,omitempty"`
	TodaySendAmount int64 `json:"today_send_amount,omitempty"`
}

// BudgetModify is the body of PATCH …/stocks/{stock_id}/budget: one pair of
// target and current values (current acts as an optimistic check).
type BudgetModify struct {
	TargetMaxCoupons       int64  `json:"target_max_coupons,omitempty"`
	CurrentMaxCoupons      int64  `json:"current_max_coupons,omitempty"`
	TargetMaxCouponsByDay  int64  `json:"target_max_coupons_by_day,omitempty"`
	CurrentMaxCouponsByDay int64  `json:"current_max_coupons_by_day,omitempty"`
	ModifyBudgetRequestNo  string `json:"modify_budget_request_no"`
}

// Budget is the answer to a budget change.
type Budget struct {
	MaxCoupons      int64 `json:"max_coupons"`
	MaxCouponsByDay int64 `json:"max_coupons_by_day,omitempty"`
}

// StockModify is the body of PATCH …/stocks/{stock_id}: every field
// optional except out_request_no; the answer is 204.
type StockModify struct {
	CustomEntrance     *CustomEntrance     `json:"custom_entrance,omitempty"`
	StockName          string              `json:"stock_name,omitempty"`
	Comment            string              `json:"comment,omitempty"`
	GoodsName          string              `json:"goods_name,omitempty"`
	OutRequestNo       string              `json:"out_request_no"`
	DisplayPatternInfo *DisplayPatternInfo `json:"display_pattern_info,omitempty"`
	CouponUseRule      *ModifyUseRule      `json:"coupon_use_rule,omitempty"`
	StockSendRule      *ModifySendRule     `json:"stock_send_rule,omitempty"`
	NotifyConfig       *NotifyConfig       `json:"notify_config,omitempty"`
	Subsidy            bool                `json:"subsidy,omitempty"` // false → true only
}

// ModifyUseRule is the part of coupon_use_rule a modify may change.
type ModifyUseRule struct {
	UseMethod         string `json:"use_method,omitempty"`
	MiniProgramsAppID string `json:"mini_programs_appid,omitempty"`
	MiniProgramsPath  string `json:"mini_programs_path,omitempty"`
}

// ModifySendRule is the part of stock_send_rule a modify may change; nil
// leaves a flag as it is.
type ModifySendRule struct {
	NaturalPersonLimit *bool `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    *bool `json:"prevent_api_abuse,omitempty"`
}

// CallbackSet is the body of POST /v3/marketing/busifavor/callbacks.
type CallbackSet struct {
	MchID     string `json:"mchid,omitempty"`
	NotifyURL string `json:"notify_url"`
}

// Callback is the merchant's notification URL.
type Callback struct {
	MchID      string `json:"mchid"`
	NotifyURL  string `json:"notify_url"`
	UpdateTime Time   `json:"update_time,omitzero"`
}
