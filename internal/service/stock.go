package service

import "time"

// A 商家券 stock (批次) is a WeChat Pay template from which coupons are sent to
// users. The merchant defines it with the fields of WeChat Pay's create-stock
// object (wechatpay-busifavor.md §2.1): the contract takes that object as the
// body of POST /admin/v1/stocks, so StockDefinition carries its JSON names. The
// provider (internal/busifavor) converts it to and from the wire.

// StockType is how a stock's coupons take money off.
type StockType string

const (
	StockNormal   StockType = "NORMAL"   // a fixed amount off above a threshold (满减)
	StockDiscount StockType = "DISCOUNT" // a percentage of the price (折扣)
	StockExchange StockType = "EXCHANGE" // an item at a fixed price (换购)
)

// StockStatus is WeChat Pay's stock_state, with its spelling (STOPED).
type StockStatus string

const (
	StockUnaudit StockStatus = "UNAUDIT"
	StockRunning StockStatus = "RUNNING"
	StockStopped StockStatus = "STOPED"
	StockPaused  StockStatus = "PAUSED"
)

// Coupon code modes: who names a coupon's code.
const (
	CodeModeWeChatPay      = "WECHATPAY_MODE"
	CodeModeMerchantAPI    = "MERCHANT_API"
	CodeModeMerchantUpload = "MERCHANT_UPLOAD"
)

// StockDefinition is what a merchant says a stock is.
type StockDefinition struct {
	StockName          string             `json:"stock_name"`
	BelongMerchant     string             `json:"belong_merchant"`
	Comment            string             `json:"comment,omitempty"`
	GoodsName          string             `json:"goods_name"`
	StockType          StockType          `json:"stock_type"`
	CouponUseRule      StockUseRule       `json:"coupon_use_rule"`
	StockSendRule      StockSendRule      `json:"stock_send_rule"`
	OutRequestNo       string             `json:"out_request_no,omitempty"`
	CustomEntrance     *StockEntrance     `json:"custom_entrance,omitempty"`
	DisplayPatternInfo *StockDisplay      `json:"display_pattern_info,omitempty"`
	CouponCodeMode     string             `json:"coupon_code_mode"`
	NotifyConfig       *StockNotifyConfig `json:"notify_config,omitempty"`
	Subsidy            bool               `json:"subsidy,omitempty"`
}

// StockUseRule is when and how a coupon can be used. Exactly one of the three
// amount rules is set, the one of the stock's type.
type StockUseRule struct {
	CouponAvailableTime StockAvailableTime `json:"coupon_available_time"`
	FixedNormalCoupon   *FixedNormalCoupon `json:"fixed_normal_coupon,omitempty"`
	DiscountCoupon      *DiscountCoupon    `json:"discount_coupon,omitempty"`
	ExchangeCoupon      *ExchangeCoupon    `json:"exchange_coupon,omitempty"`
	UseMethod           string             `json:"use_method"`
	MiniProgramsAppID   string             `json:"mini_programs_appid,omitempty"`
	MiniProgramsPath    string             `json:"mini_programs_path,omitempty"`
}

// StockAvailableTime is the stock's window and each coupon's validity. Times
// are RFC 3339 text, kept as given. The last two JSON names carry WeChat Pay's
// own misspellings.
type StockAvailableTime struct {
	AvailableBeginTime       string            `json:"available_begin_time"`
	AvailableEndTime         string            `json:"available_end_time"`
	AvailableDayAfterReceive int               `json:"available_day_after_receive,omitempty"`
	WaitDaysAfterReceive     int               `json:"wait_days_after_receive,omitempty"`
	AvailableWeek            *StockWeek        `json:"available_week,omitempty"`
	IrregularAvailableTime   []StockTimePeriod `json:"irregulary_avaliable_time,omitempty"`
}

// StockWeek limits use to some weekdays (0 = Sunday) and times of day.
type StockWeek struct {
	WeekDay          []int          `json:"week_day,omitempty"`
	AvailableDayTime []StockDayTime `json:"available_day_time,omitempty"`
}

// StockDayTime is a period within a day in seconds (1 = 00:00:01).
type StockDayTime struct {
	BeginTime int `json:"begin_time"`
	EndTime   int `json:"end_time"`
}

// StockTimePeriod is an extra period of use, RFC 3339 text.
type StockTimePeriod struct {
	BeginTime string `json:"begin_time"`
	EndTime   string `json:"end_time"`
}

// FixedNormalCoupon takes DiscountAmount fen off an order of at least
// TransactionMinimum fen.
type FixedNormalCoupon struct {
	DiscountAmount     int64 `json:"discount_amount"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// DiscountCoupon makes the user pay DiscountPercent % (88: 8.8折), the
// opposite sense of the card API's discount.
type DiscountCoupon struct {
	DiscountPercent    int   `json:"discount_percent"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// ExchangeCoupon sells an item for ExchangePrice fen.
type ExchangeCoupon struct {
	ExchangePrice      int64 `json:"exchange_price"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// StockSendRule is how many coupons may be sent, to whom.
type StockSendRule struct {
	MaxCoupons         int64 `json:"max_coupons"`
	MaxCouponsPerUser  int64 `json:"max_coupons_per_user"`
	MaxCouponsByDay    int64 `json:"max_coupons_by_day,omitempty"`
	MaxAmount          int64 `json:"max_amount,omitempty"`
	MaxAmountByDay     int64 `json:"max_amount_by_day,omitempty"`
	NaturalPersonLimit bool  `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    bool  `json:"prevent_api_abuse,omitempty"`
	Transferable       bool  `json:"transferable,omitempty"`
	Shareable          bool  `json:"shareable,omitempty"`
}

// StockEntrance is the extra entries of the coupon's detail page.
type StockEntrance struct {
	MiniProgramsInfo *StockMiniProgram `json:"mini_programs_info,omitempty"`
	AppID            string            `json:"appid,omitempty"`
	HallID           string            `json:"hall_id,omitempty"`
	StoreID          string            `json:"store_id,omitempty"`
	CodeDisplayMode  string            `json:"code_display_mode,omitempty"`
}

// StockMiniProgram is a mini-program entry of the coupon's detail page.
type StockMiniProgram struct {
	MiniProgramsAppID string `json:"mini_programs_appid"`
	MiniProgramsPath  string `json:"mini_programs_path"`
	EntranceWords     string `json:"entrance_words"`
	GuidingWords      string `json:"guiding_words,omitempty"`
}

// StockDisplay is how the coupon looks in the wallet.
type StockDisplay struct {
	Description     string           `json:"description,omitempty"`
	MerchantLogoURL string           `json:"merchant_logo_url,omitempty"`
	MerchantName    string           `json:"merchant_name,omitempty"`
	BackgroundColor string           `json:"background_color,omitempty"`
	CouponImageURL  string           `json:"coupon_image_url,omitempty"`
	FinderInfo      *StockFinderInfo `json:"finder_info,omitempty"`
}

// StockFinderInfo is a 视频号 video shown with the coupon.
type StockFinderInfo struct {
	FinderID                 string `json:"finder_id"`
	FinderVideoID            string `json:"finder_video_id"`
	FinderVideoCoverImageURL string `json:"finder_video_cover_image_url"`
}

// StockNotifyConfig names the appid under which notifications report openids.
type StockNotifyConfig struct {
	NotifyAppID string `json:"notify_appid,omitempty"`
}

// Stock is a stock in the local catalogue: the merchant's view of it.
type Stock struct {
	StockID      string
	OutRequestNo string // empty for stocks created elsewhere
	// RequestDigest is a hash of the create request, to tell a retry from
	// another use of its out_request_no.
	RequestDigest string
	Status        StockStatus
	// Sent is WeChat Pay's total_send_num when it was last read.
	Sent       int64
	Definition StockDefinition
	CreatedAt  time.Time // WeChat Pay's create_time when known
	UpdatedAt  time.Time
}

// Window is the stock's available_begin_time and available_end_time; zero
// times when they do not parse.
func (s Stock) Window() (begin, end time.Time) {
	t := s.Definition.CouponUseRule.CouponAvailableTime
	begin, _ = time.Parse(time.RFC3339Nano, t.AvailableBeginTime)
	end, _ = time.Parse(time.RFC3339Nano, t.AvailableEndTime)
	return begin, end
}

// StockCreated is what the provider answers to a new stock.
type StockCreated struct {
	StockID    string
	CreateTime time.Time
}

// StockPatch is a change of a stock's information: only the fields WeChat Pay
// lets change (§2.4). Nil fields are left as they are.
type StockPatch struct {
	StockName          *string            `json:"stock_name,omitempty"`
	Comment            *string            `json:"comment,omitempty"`
	GoodsName          *string            `json:"goods_name,omitempty"`
	CustomEntrance     *StockEntrance     `json:"custom_entrance,omitempty"`
	DisplayPatternInfo *StockDisplay      `json:"display_pattern_info,omitempty"`
	CouponUseRule      *StockUsePatch     `json:"coupon_use_rule,omitempty"`
	StockSendRule      *StockSendPatch    `json:"stock_send_rule,omitempty"`
	NotifyConfig       *StockNotifyConfig `json:"notify_config,omitempty"`
	Subsidy            *bool              `json:"subsidy,omitempty"`
	OutRequestNo       string             `json:"out_request_no,omitempty"`
}

// StockUsePatch is the part of coupon_use_rule a modify may change.
type StockUsePatch struct {
	UseMethod         string `json:"use_method,omitempty"`
	MiniProgramsAppID string `json:"mini_programs_appid,omitempty"`
	MiniProgramsPath  string `json:"mini_programs_path,omitempty"`
}

// StockSendPatch is the part of stock_send_rule a modify may change.
type StockSendPatch struct {
	NaturalPersonLimit *bool `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    *bool `json:"prevent_api_abuse,omitempty"`
}

// BudgetChange changes one of a stock's limits. The current value is WeChat
// Pay's optimistic check: the change fails when it no longer holds.
type BudgetChange struct {
	RequestNo                           string
	TargetMaxCoupons, CurrentMaxCoupons int64 // both 0: not changed
	TargetByDay, CurrentByDay           int64 // both 0: not changed
}

// StockBudget is a stock's limits after a change.
type StockBudget struct {
	MaxCoupons      int64
	MaxCouponsByDay int64
}

// CouponCallback is where WeChat Pay sends the merchant's 商家券 notifications.
type CouponCallback struct {
	NotifyURL  string
	UpdateTime time.Time
}

// CouponCounts are a stock's coupons recorded locally.
type CouponCounts struct {
	Issued   int64 // every coupon recorded for the stock, whatever its status
	Consumed int64
}

// StockDetail is a stock as WeChat Pay holds it now, with local counts.
type StockDetail struct {
	Stock  Stock
	Counts CouponCounts
}

// StockFilter selects a page of the local stock catalogue.
type StockFilter struct {
	Status StockStatus // empty: any
	Offset int
	Count  int // 0: a default page size
}
