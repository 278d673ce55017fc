package sandbox

import (
	"encoding/json"
	"strconv"
	"time"
)

// Wire types of a stock (§2.1), spelled as WeChat Pay spells them. A stored
// stock's pointed-to values are never changed in place (modify replaces
// them), so an answer may be encoded after the lock is released.

type stockDef struct {
	StockName          string          `json:"stock_name"`
	BelongMerchant     string          `json:"belong_merchant"`
	Comment            string          `json:"comment,omitempty"`
	GoodsName          string          `json:"goods_name"`
	StockType          string          `json:"stock_type"`
	CouponUseRule      *useRule        `json:"coupon_use_rule"`
	StockSendRule      *sendRule       `json:"stock_send_rule"`
	CustomEntrance     *customEntrance `json:"custom_entrance,omitempty"`
	DisplayPatternInfo *displayPattern `json:"display_pattern_info,omitempty"`
	CouponCodeMode     string          `json:"coupon_code_mode"`
	NotifyConfig       *notifyConfig   `json:"notify_config,omitempty"`
	Subsidy            bool            `json:"subsidy"`
}

type useRule struct {
	CouponAvailableTime *availableTime  `json:"coupon_available_time,omitempty"`
	FixedNormalCoupon   *fixedNormal    `json:"fixed_normal_coupon,omitempty"`
	DiscountCoupon      *discountCoupon `json:"discount_coupon,omitempty"`
	ExchangeCoupon      *exchangeCoupon `json:"exchange_coupon,omitempty"`
	UseMethod           string          `json:"use_method,omitempty"`
	MiniProgramsAppID   string          `json:"mini_programs_appid,omitempty"`
	MiniProgramsPath    string          `json:"mini_programs_path,omitempty"`
}

type availableTime struct {
	AvailableBeginTime       string         `json:"available_begin_time"`
	AvailableEndTime         string         `json:"available_end_time"`
	AvailableDayAfterReceive int64          `json:"available_day_after_receive,omitempty"`
	WaitDaysAfterReceive     int64          `json:"wait_days_after_receive,omitempty"`
	AvailableWeek            *availableWeek `json:"available_week,omitempty"`
	// Sic: WeChat Pay's wire name.
	IrregularyAvaliableTime []period `json:"irregulary_avaliable_time,omitempty"`
}

type availableWeek struct {
	WeekDay          []flexInt `json:"week_day,omitempty"`
	AvailableDayTime []dayTime `json:"available_day_time,omitempty"`
}

type dayTime struct {
	BeginTime int64 `json:"begin_time"`
	EndTime   int64 `json:"end_time"`
}

type period struct {
	BeginTime string `json:"begin_time"`
	EndTime   string `json:"end_time"`
}

type fixedNormal struct {
	DiscountAmount     int64 `json:"discount_amount"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

type discountCoupon struct {
	DiscountPercent    int64 `json:"discount_percent"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

type exchangeCoupon struct {
	ExchangePrice      int64 `json:"exchange_price"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

type sendRule struct {
	MaxAmount          int64 `json:"max_amount,omitempty"`
	MaxCoupons         int64 `json:"max_coupons"`
	MaxCouponsPerUser  int64 `json:"max_coupons_per_user"`
	MaxAmountByDay     int64 `json:"max_amount_by_day,omitempty"`
	MaxCouponsByDay    int64 `json:"max_coupons_by_day,omitempty"`
	NaturalPersonLimit bool  `json:"natural_person_limit"`
	PreventAPIAbuse    bool  `json:"prevent_api_abuse"`
	Transferable       bool  `json:"transferable"`
	Shareable          bool  `json:"shareable"`
}

type customEntrance struct {
	MiniProgramsInfo *miniProgramsInfo `json:"mini_programs_info,omitempty"`
	AppID            string            `json:"appid,omitempty"`
	HallID           string            `json:"hall_id,omitempty"`
	StoreID          string            `json:"store_id,omitempty"`
	CodeDisplayMode  string            `json:"code_display_mode,omitempty"`
}

type miniProgramsInfo struct {
	MiniProgramsAppID string `json:"mini_programs_appid"`
	MiniProgramsPath  string `json:"mini_programs_path"`
	EntranceWords     string `json:"entrance_words"`
	GuidingWords      string `json:"guiding_words,omitempty"`
}

type displayPattern struct {
	Description     string      `json:"description,omitempty"`
	MerchantLogoURL string      `json:"merchant_logo_url,omitempty"`
	MerchantName    string      `json:"merchant_name,omitempty"`
	BackgroundColor string      `json:"background_color,omitempty"`
	CouponImageURL  string      `json:"coupon_image_url,omitempty"`
	FinderInfo      *finderInfo `json:"finder_info,omitempty"`
}

type finderInfo struct {
	FinderID                 string `json:"finder_id"`
	FinderVideoID            string `json:"finder_video_id"`
	FinderVideoCoverImageURL string `json:"finder_video_cover_image_url"`
}

type notifyConfig struct {
	NotifyAppID string `json:"notify_appid"`
}

// flexInt is an integer sent as a number or a numeric string (docs echo
// week_day both ways, §2.2); it is answered as a number.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexInt(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// utc8 is the zone of WeChat Pay's times and of its days (daily limits,
// expiry at 23:59:59).
var utc8 = time.FixedZone("CST", 8*3600)

// wxTime formats t as WeChat Pay answers times: RFC 3339 in +08:00.
func wxTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(utc8).Format(time.RFC3339)
}

// dayOf is the UTC+8 date of t, the key of daily counters.
func dayOf(t time.Time) string { return t.In(utc8).Format("2006-01-02") }
