package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// check is a chain of field rules that stops at the first failure, which is
// what WeChat Pay reports (one PARAM_ERROR naming one field).
type check struct{ err *apiError }

func (v *check) fail(ptr string, value any, reason string) {
	if v.err == nil {
		v.err = paramErr(ptr, value, reason)
	}
}

// str checks a string: required or not, and at most max characters. Lengths
// count characters (runes), as the current docs say; 4-byte UTF-8
// characters (emoji) are refused, as WeChat Pay's basic rules say.
func (v *check) str(ptr, s string, required bool, max int) {
	if v.err != nil {
		return
	}
	switch {
	case s == "" && required:
		v.fail(ptr, s, "此字段为必填项")
	case !utf8.ValidString(s):
		v.fail(ptr, s, "不是合法的 UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.fail(ptr, s, fmt.Sprintf("长度超过最大值 %d", max))
	case hasFourByteRune(s):
		v.fail(ptr, s, "不支持 4 字节的 UTF-8 字符")
	}
}

// strRange is str with a minimum length too.
func (v *check) strRange(ptr, s string, min, max int) {
	v.str(ptr, s, true, max)
	if v.err == nil && utf8.RuneCountInString(s) < min {
		v.fail(ptr, s, fmt.Sprintf("长度低于最小值 %d", min))
	}
}

func hasFourByteRune(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return true
		}
	}
	return false
}

// enum checks a required string against its values.
func (v *check) enum(ptr, s string, values ...string) {
	if v.err != nil {
		return
	}
	if s == "" {
		v.fail(ptr, s, "此字段为必填项")
	} else if !slices.Contains(values, s) {
		v.fail(ptr, s, "取值不在枚举范围内："+strings.Join(values, ", "))
	}
}

// num checks an integer range.
func (v *check) num(ptr string, n, min, max int64) {
	if v.err != nil {
		return
	}
	if n < min {
		v.fail(ptr, n, fmt.Sprintf("值低于最小值 %d", min))
	} else if n > max {
		v.fail(ptr, n, fmt.Sprintf("值高于最大值 %d", max))
	}
}

// required checks a required object is present.
func (v *check) required(ptr string, present bool) {
	if v.err == nil && !present {
		v.fail(ptr, "", "此字段为必填项")
	}
}

// rule fails ptr with reason when bad.
func (v *check) rule(bad bool, ptr string, value any, reason string) {
	if v.err == nil && bad {
		v.fail(ptr, value, reason)
	}
}

// timestamp parses a required RFC 3339 time.
func (v *check) timestamp(ptr, s string) time.Time {
	if v.err != nil {
		return time.Time{}
	}
	if s == "" {
		v.fail(ptr, s, "此字段为必填项")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.fail(ptr, s, "不是 RFC 3339 格式的时间")
	}
	return t
}

// requestNo checks a request number (§1.6): 1–128 characters of letters,
// digits, |, _, * and -.
func (v *check) requestNo(ptr, s string) {
	v.strRange(ptr, s, 1, 128)
	if v.err == nil && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("|_*-", r))
	}) >= 0 {
		v.fail(ptr, s, "只能包含数字、大小写字母、|、_、*、-")
	}
}

// appID checks an appid field is bound to the merchant (§7.1 step 6).
func (c *call) appIDBound(v *check, ptr, appid string) {
	if v.err == nil && appid != "" && !c.e.bound[appid] {
		v.err = invalid("appid %s 未与商户号 %s 绑定（%s）", appid, c.e.mchID, ptr)
	}
}

// Enumerations of §2.1.
var (
	stockTypes     = []string{"NORMAL", "DISCOUNT", "EXCHANGE"}
	useMethods     = []string{"OFF_LINE", "MINI_PROGRAMS", "PAYMENT_CODE", "SELF_CONSUME"}
	codeModes      = []string{"WECHATPAY_MODE", "MERCHANT_API", "MERCHANT_UPLOAD"}
	displayModes   = []string{"NOT_SHOW", "BARCODE", "QRCODE"}
	backgroundColo = []string{"Color010", "Color020", "Color030", "Color040", "Color050", "Color060", "Color070", "Color080", "Color090", "Color100"}
)

const maxFen = 10_000_000

// validateCreate checks a create request field by field, in the order of
// §2.1, and returns the stock's window.
func (c *call) validateCreate(req *createRequest) (begin, end time.Time, aerr *apiError) {
	v := &check{}
	v.str("stock_name", req.StockName, true, 21)
	v.strRange("belong_merchant", req.BelongMerchant, 8, 15)
	if v.err == nil && req.BelongMerchant != c.e.mchID {
		v.err = invalid("belong_merchant %s 与调用商户号 %s 不一致", req.BelongMerchant, c.e.mchID)
	}
	v.str("comment", req.Comment, false, 20)
	v.str("goods_name", req.GoodsName, true, 15)
	v.enum("stock_type", req.StockType, stockTypes...)
	v.required("coupon_use_rule", req.CouponUseRule != nil)
	if v.err == nil {
		begin, end = c.checkUseRule(v, req.StockType, req.CouponUseRule)
	}
	v.required("stock_send_rule", req.StockSendRule != nil)
	if v.err == nil {
		checkSendRule(v, req.StockType, req.CouponUseRule, req.StockSendRule)
	}
	v.requestNo("out_request_no", req.OutRequestNo)
	if req.CustomEntrance != nil {
		c.checkEntrance(v, req.CustomEntrance, true)
	}
	if req.DisplayPatternInfo != nil {
		checkDisplay(v, req.DisplayPatternInfo)
	}
	v.enum("coupon_code_mode", req.CouponCodeMode, codeModes...)
	if req.NotifyConfig != nil {
		v.str("notify_config/notify_appid", req.NotifyConfig.NotifyAppID, true, 32)
		c.appIDBound(v, "notify_config/notify_appid", req.NotifyConfig.NotifyAppID)
	}
	return begin, end, v.err
}

func (c *call) checkUseRule(v *check, stockType string, u *useRule) (begin, end time.Time) {
	const p = "coupon_use_rule/"
	v.required(p+"coupon_available_time", u.CouponAvailableTime != nil)
	if v.err != nil {
		return
	}
	begin, end = c.checkWindow(v, u.CouponAvailableTime)

	// Exactly one rule object, the one of stock_type.
	rules := map[string]bool{
		"NORMAL":   u.FixedNormalCoupon != nil,
		"DISCOUNT": u.DiscountCoupon != nil,
		"EXCHANGE": u.ExchangeCoupon != nil,
	}
	names := map[string]string{"NORMAL": "fixed_normal_coupon", "DISCOUNT": "discount_coupon", "EXCHANGE": "exchange_coupon"}
	for _, t := range stockTypes {
		if t != stockType && rules[t] {
			v.fail(p+names[t], "", "与 stock_type "+stockType+" 不匹配")
		}
	}
	v.required(p+names[stockType], rules[stockType])
	switch {
	case v.err != nil:
	case stockType == "NORMAL":
		r := u.FixedNormalCoupon
		v.num(p+"fixed_normal_coupon/discount_amount", r.DiscountAmount, 1, maxFen)
		v.num(p+"fixed_normal_coupon/transaction_minimum", r.TransactionMinimum, 1, maxFen)
		v.rule(r.TransactionMinimum < r.DiscountAmount, p+"fixed_normal_coupon/transaction_minimum",
			r.TransactionMinimum, "门槛不能低于优惠金额 discount_amount")
	case stockType == "DISCOUNT":
		r := u.DiscountCoupon
		v.num(p+"discount_coupon/discount_percent", r.DiscountPercent, 1, 99)
		v.num(p+"discount_coupon/transaction_minimum", r.TransactionMinimum, 1, maxFen)
	case stockType == "EXCHANGE":
		r := u.ExchangeCoupon
		v.num(p+"exchange_coupon/exchange_price", r.ExchangePrice, 0, maxFen)
		v.num(p+"exchange_coupon/transaction_minimum", r.TransactionMinimum, 1, maxFen)
	}
	c.checkUseMethod(v, u)
	return begin, end
}

// checkUseMethod checks use_method and its mini-program fields (also used
// by modify).
func (c *call) checkUseMethod(v *check, u *useRule) {
	const p = "coupon_use_rule/"
	v.enum(p+"use_method", u.UseMethod, useMethods...)
	v.rule(u.UseMethod == "SELF_CONSUME", p+"use_method", u.UseMethod, "暂不支持 SELF_CONSUME")
	if u.UseMethod == "MINI_PROGRAMS" {
		v.str(p+"mini_programs_appid", u.MiniProgramsAppID, true, 32)
		v.str(p+"mini_programs_path", u.MiniProgramsPath, true, 128)
		c.appIDBound(v, p+"mini_programs_appid", u.MiniProgramsAppID)
	} else {
		v.str(p+"mini_programs_appid", u.MiniProgramsAppID, false, 32)
		v.str(p+"mini_programs_path", u.MiniProgramsPath, false, 128)
	}
}

// checkWindow checks coupon_available_time: a window of at most one year
// that has not ended, the per-coupon validity, weekly hours and irregular
// periods.
func (c *call) checkWindow(v *check, t *availableTime) (begin, end time.Time) {
	const p = "coupon_use_rule/coupon_available_time/"
	begin = v.timestamp(p+"available_begin_time", t.AvailableBeginTime)
	end = v.timestamp(p+"available_end_time", t.AvailableEndTime)
	v.rule(!end.After(begin), p+"available_end_time", t.AvailableEndTime, "结束时间须晚于开始时间")
	v.rule(end.After(begin.AddDate(1, 0, 0)), p+"available_end_time", t.AvailableEndTime, "有效期不能超过 1 年")
	v.rule(!end.After(c.now), p+"available_end_time", t.AvailableEndTime, "结束时间须晚于当前时间")
	if t.AvailableDayAfterReceive != 0 {
		v.num(p+"available_day_after_receive", t.AvailableDayAfterReceive, 1, 365)
	}
	if t.WaitDaysAfterReceive != 0 {
		v.num(p+"wait_days_after_receive", t.WaitDaysAfterReceive, 1, 30)
		v.rule(t.AvailableDayAfterReceive == 0, p+"wait_days_after_receive", t.WaitDaysAfterReceive,
			"须与 available_day_after_receive 同时设置")
	}
	if w := t.AvailableWeek; w != nil {
		v.rule(len(w.WeekDay) == 0, p+"available_week/week_day", "", "此字段为必填项")
		seen := map[flexInt]bool{}
		for i, d := range w.WeekDay {
			ptr := fmt.Sprintf("%savailable_week/week_day/%d", p, i)
			v.num(ptr, int64(d), 0, 6)
			v.rule(seen[d], ptr, int64(d), "重复的星期")
			seen[d] = true
		}
		v.rule(len(w.AvailableDayTime) > 2, p+"available_week/available_day_time", len(w.AvailableDayTime), "最多 2 个时间段")
		for i, dt := range w.AvailableDayTime {
			ptr := fmt.Sprintf("%savailable_week/available_day_time/%d/", p, i)
			v.num(ptr+"begin_time", dt.BeginTime, 0, 86399)
			v.num(ptr+"end_time", dt.EndTime, 1, 86399)
			v.rule(dt.EndTime <= dt.BeginTime, ptr+"end_time", dt.EndTime, "结束时间须晚于开始时间")
		}
	}
	for i, per := range t.IrregularyAvaliableTime {
		ptr := fmt.Sprintf("%sirregulary_avaliable_time/%d/", p, i)
		b := v.timestamp(ptr+"begin_time", per.BeginTime)
		e := v.timestamp(ptr+"end_time", per.EndTime)
		v.rule(!e.After(b), ptr+"end_time", per.EndTime, "结束时间须晚于开始时间")
		v.rule(b.Before(begin) || e.After(end), ptr+"begin_time", per.BeginTime, "须在批次有效期内")
	}
	return begin, end
}

func checkSendRule(v *check, stockType string, u *useRule, r *sendRule) {
	const p = "stock_send_rule/"
	v.num(p+"max_coupons", r.MaxCoupons, 1, 1_000_000_000)
	v.num(p+"max_coupons_per_user", r.MaxCouponsPerUser, 1, 100)
	v.rule(r.MaxCouponsPerUser > r.MaxCoupons, p+"max_coupons_per_user", r.MaxCouponsPerUser, "不能大于 max_coupons")
	if r.MaxCouponsByDay != 0 {
		v.num(p+"max_coupons_by_day", r.MaxCouponsByDay, 1, 1_000_000_000)
		v.rule(r.MaxCouponsByDay > r.MaxCoupons, p+"max_coupons_by_day", r.MaxCouponsByDay, "不能大于 max_coupons")
	}
	// The budget in fen is "not yet open" in the docs; the emulator accepts
	// it for NORMAL stocks only, where a face value makes it meaningful,
	// and checks it holds at least one coupon.
	if r.MaxAmount != 0 || r.MaxAmountByDay != 0 {
		field := "max_amount"
		if r.MaxAmount == 0 {
			field = "max_amount_by_day"
		}
		v.rule(stockType != "NORMAL", p+field, r.MaxAmount, "仅 NORMAL 批次可设置预算金额")
		if v.err == nil && u != nil && u.FixedNormalCoupon != nil {
			face := u.FixedNormalCoupon.DiscountAmount
			if r.MaxAmount != 0 {
				v.num(p+"max_amount", r.MaxAmount, face, maxFen*1000)
			}
			if r.MaxAmountByDay != 0 {
				v.num(p+"max_amount_by_day", r.MaxAmountByDay, face, maxFen*1000)
				v.rule(r.MaxAmount != 0 && r.MaxAmountByDay > r.MaxAmount, p+"max_amount_by_day", r.MaxAmountByDay, "不能大于 max_amount")
			}
		}
	}
	v.rule(r.Transferable, p+"transferable", true, "暂未开放")
	v.rule(r.Shareable, p+"shareable", true, "暂未开放")
}

// checkEntrance checks custom_entrance; store_id is not modifiable.
func (c *call) checkEntrance(v *check, ce *customEntrance, create bool) {
	const p = "custom_entrance/"
	if mi := ce.MiniProgramsInfo; mi != nil {
		v.str(p+"mini_programs_info/mini_programs_appid", mi.MiniProgramsAppID, true, 32)
		v.str(p+"mini_programs_info/mini_programs_path", mi.MiniProgramsPath, true, 128)
		v.str(p+"mini_programs_info/entrance_words", mi.EntranceWords, true, 5)
		v.str(p+"mini_programs_info/guiding_words", mi.GuidingWords, false, 6)
		c.appIDBound(v, p+"mini_programs_info/mini_programs_appid", mi.MiniProgramsAppID)
	}
	v.str(p+"appid", ce.AppID, false, 32)
	c.appIDBound(v, p+"appid", ce.AppID)
	v.str(p+"hall_id", ce.HallID, false, 64)
	v.str(p+"store_id", ce.StoreID, false, 64)
	v.rule(!create && ce.StoreID != "", p+"store_id", ce.StoreID, "不可修改")
	if ce.CodeDisplayMode != "" {
		v.enum(p+"code_display_mode", ce.CodeDisplayMode, displayModes...)
	}
}

func checkDisplay(v *check, d *displayPattern) {
	const p = "display_pattern_info/"
	v.str(p+"description", d.Description, false, 1000)
	v.str(p+"merchant_logo_url", d.MerchantLogoURL, false, 128)
	v.str(p+"merchant_name", d.MerchantName, false, 16)
	if d.BackgroundColor != "" {
		v.enum(p+"background_color", d.BackgroundColor, backgroundColo...)
	}
	v.str(p+"coupon_image_url", d.CouponImageURL, false, 128)
	if f := d.FinderInfo; f != nil {
		v.str(p+"finder_info/finder_id", f.FinderID, true, 64)
		v.str(p+"finder_info/finder_video_id", f.FinderVideoID, true, 128)
		v.str(p+"finder_info/finder_video_cover_image_url", f.FinderVideoCoverImageURL, true, 128)
	}
}
