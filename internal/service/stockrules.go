package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Local checks of a 商家券 stock against WeChat Pay's create rules
// (wechatpay-busifavor.md §2.1), run before WeChat Pay sees the stock so that a
// merchant gets a 400 naming the field (details.field, a dotted path as for
// cards: "stock_send_rule.max_coupons",
// "coupon_use_rule.coupon_available_time.available_week.week_day[2]") rather
// than a PARAM_ERROR. Lengths count characters, as WeChat Pay's current docs
// do; only characters of 1–3 UTF-8 bytes are allowed (no emoji).

// Limits of §2.1.
const (
	maxStockAmount       = 10_000_000    // fen: discount_amount, transaction_minimum, exchange_price
	maxStockCoupons      = 1_000_000_000 // max_coupons, max_coupons_by_day
	maxCouponsPerUser    = 100
	maxWaitDays          = 30
	maxDayTimePeriods    = 2
	secondsPerDay        = 86400
	maxRequestNoLen      = 128
	maxNotifyURLLen      = 256
	minNotifyURLLen      = 10
	minBelongMerchantLen = 8
	maxBelongMerchantLen = 15
)

var (
	stockTypes     = map[StockType]bool{StockNormal: true, StockDiscount: true, StockExchange: true}
	stockCodeModes = map[string]bool{CodeModeWeChatPay: true, CodeModeMerchantAPI: true, CodeModeMerchantUpload: true}
	// SELF_CONSUME is documented and observed as refused at creation.
	stockUseMethods   = map[string]bool{"OFF_LINE": true, "MINI_PROGRAMS": true, "PAYMENT_CODE": true}
	codeDisplayModes  = map[string]bool{"NOT_SHOW": true, "BARCODE": true, "QRCODE": true}
	stockColors       = map[string]bool{"Color010": true, "Color020": true, "Color030": true, "Color040": true, "Color050": true, "Color060": true, "Color070": true, "Color080": true, "Color090": true, "Color100": true}
	requestNoPattern  = regexp.MustCompile(`^[0-9A-Za-z|_*-]+$`)
	belongMerchantPat = regexp.MustCompile(`^[0-9]+$`)
)

// decodeStrict reads one JSON object into v, refusing unknown fields and
// values of the wrong type with the field named.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonFieldError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Invalid("body", "the body holds more than one JSON value")
	}
	return nil
}

func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return Invalid(te.Field, "%s must be %s, got a JSON %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return Invalid(name, "%s is not a field WeChat Pay accepts here", name)
	}
	return Invalid("body", "the body is not a JSON object of the expected shape")
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a JSON boolean"
	case kind == "slice":
		return "an array"
	}
	return "an object"
}

// parseDefinition reads a create-stock body, fills the defaults (the
// merchant, the notification appid, a request number when absent) and checks
// it at now.
func (s *Stocks) parseDefinition(body []byte) (StockDefinition, error) {
	var def StockDefinition
	if err := decodeStrict(body, &def); err != nil {
		return StockDefinition{}, err
	}
	if def.BelongMerchant == "" {
		def.BelongMerchant = s.cfg.MchID
	}
	if def.NotifyConfig == nil && s.cfg.NotifyAppID != "" {
		def.NotifyConfig = &StockNotifyConfig{}
	}
	if def.NotifyConfig != nil && def.NotifyConfig.NotifyAppID == "" {
		def.NotifyConfig.NotifyAppID = s.cfg.NotifyAppID
	}
	if def.OutRequestNo == "" {
		def.OutRequestNo = s.requestNo()
	}
	if err := validateStockDefinition(def, s.now()); err != nil {
		return StockDefinition{}, err
	}
	return def, nil
}

// validateStockDefinition applies §2.1's rules, in the order of the object.
func validateStockDefinition(d StockDefinition, now time.Time) error {
	checks := []error{
		checkText("stock_name", d.StockName, true, 21),
		checkBelongMerchant(d.BelongMerchant),
		checkText("comment", d.Comment, false, 20),
		checkText("goods_name", d.GoodsName, true, 15),
		checkStockType(d.StockType),
		checkUseRule(d.StockType, d.CouponUseRule, now),
		checkSendRule(d.StockSendRule),
		checkRequestNo("out_request_no", d.OutRequestNo),
		checkEntrance(d.CustomEntrance, true),
		checkDisplay(d.DisplayPatternInfo),
		checkCodeMode(d.CouponCodeMode),
		checkNotifyConfig(d.NotifyConfig),
	}
	return firstError(checks)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a text field's presence and its length in characters.
func checkText(p, s string, required bool, max int) error {
	if required && strings.TrimSpace(s) == "" {
		return Invalid(p, "%s is required and must not be blank", p)
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return Invalid(p, "%s is not valid UTF-8 (byte %d)", p, i)
		}
		if utf8.RuneLen(r) > 3 {
			return Invalid(p, "%s holds %q at byte %d: WeChat Pay accepts only characters of 1–3 UTF-8 bytes (no emoji)", p, r, i)
		}
	}
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		return Invalid(p, "%s is %d characters long; WeChat Pay allows at most %d", p, n, max)
	}
	return nil
}

func checkBelongMerchant(m string) error {
	const p = "belong_merchant"
	if m == "" {
		return Invalid(p, "belong_merchant is required (WECHATPAY_MCH_ID is not set)")
	}
	if len(m) < minBelongMerchantLen || len(m) > maxBelongMerchantLen || !belongMerchantPat.MatchString(m) {
		return Invalid(p, "belong_merchant is a merchant id (商户号) of %d–%d digits", minBelongMerchantLen, maxBelongMerchantLen)
	}
	return nil
}

func checkStockType(t StockType) error {
	if t == "" {
		return Invalid("stock_type", "stock_type is required")
	}
	if !stockTypes[t] {
		return Invalid("stock_type", "stock_type %q is not one of NORMAL, DISCOUNT, EXCHANGE", string(t))
	}
	return nil
}

func checkCodeMode(m string) error {
	if m == "" {
		return Invalid("coupon_code_mode", "coupon_code_mode is required")
	}
	if !stockCodeModes[m] {
		return Invalid("coupon_code_mode", "coupon_code_mode %q is not one of WECHATPAY_MODE, MERCHANT_API, MERCHANT_UPLOAD", m)
	}
	return nil
}

func checkRequestNo(p, n string) error {
	if n == "" {
		return Invalid(p, "%s is required", p)
	}
	if len(n) > maxRequestNoLen || !requestNoPattern.MatchString(n) {
		return Invalid(p, "%s is 1–%d of 0-9 A-Z a-z | _ * -", p, maxRequestNoLen)
	}
	return nil
}

func checkNotifyConfig(c *StockNotifyConfig) error {
	if c == nil {
		return nil
	}
	return checkText("notify_config.notify_appid", c.NotifyAppID, false, 32)
}

// checkUseRule checks coupon_use_rule: the window, the one amount rule of
// the stock's type, and how the coupon is used.
func checkUseRule(t StockType, r StockUseRule, now time.Time) error {
	const p = "coupon_use_rule"
	if err := checkAvailableTime(p+".coupon_available_time", r.CouponAvailableTime, now); err != nil {
		return err
	}
	if err := checkAmountRule(t, r); err != nil {
		return err
	}
	return checkUseMethod(p, r.UseMethod, r.MiniProgramsAppID, r.MiniProgramsPath, true)
}

func checkUseMethod(p, method, appID, path string, required bool) error {
	switch {
	case method == "" && required:
		return Invalid(p+".use_method", "%s.use_method is required", p)
	case method == "SELF_CONSUME":
		return Invalid(p+".use_method", "%s.use_method SELF_CONSUME is not supported by WeChat Pay", p)
	case method != "" && !stockUseMethods[method]:
		return Invalid(p+".use_method", "%s.use_method %q is not one of OFF_LINE, MINI_PROGRAMS, PAYMENT_CODE", p, method)
	}
	if method == "MINI_PROGRAMS" {
		if err := checkText(p+".mini_programs_appid", appID, true, 32); err != nil {
			return err
		}
		if err := checkText(p+".mini_programs_path", path, true, 128); err != nil {
			return err
		}
		return nil
	}
	if err := checkText(p+".mini_programs_appid", appID, false, 32); err != nil {
		return err
	}
	return checkText(p+".mini_programs_path", path, false, 128)
}

func checkAmountRule(t StockType, r StockUseRule) error {
	const p = "coupon_use_rule"
	rules := []struct {
		name string
		typ  StockType
		set  bool
	}{
		{"fixed_normal_coupon", StockNormal, r.FixedNormalCoupon != nil},
		{"discount_coupon", StockDiscount, r.DiscountCoupon != nil},
		{"exchange_coupon", StockExchange, r.ExchangeCoupon != nil},
	}
	for _, rule := range rules {
		switch {
		case rule.typ == t && !rule.set:
			return Invalid(p+"."+rule.name, "%s.%s is required for a %s stock", p, rule.name, t)
		case rule.typ != t && rule.set:
			return Invalid(p+"."+rule.name, "%s.%s is only for %s stocks; this one is %s", p, rule.name, rule.typ, t)
		}
	}
	switch t {
	case StockNormal:
		c, q := r.FixedNormalCoupon, p+".fixed_normal_coupon"
		if err := checkRange(q+".discount_amount", c.DiscountAmount, 1, maxStockAmount); err != nil {
			return err
		}
		if err := checkRange(q+".transaction_minimum", c.TransactionMinimum, 1, maxStockAmount); err != nil {
			return err
		}
		// A coupon worth more than the smallest order it applies to would pay
		// the user; WeChat Pay's own refusal here is unconfirmed (§2.1).
		if c.DiscountAmount > c.TransactionMinimum {
			return Invalid(q+".transaction_minimum", "%s.transaction_minimum (%d fen) must not be below discount_amount (%d fen)", q, c.TransactionMinimum, c.DiscountAmount)
		}
	case StockDiscount:
		c, q := r.DiscountCoupon, p+".discount_coupon"
		if err := checkRange(q+".discount_percent", int64(c.DiscountPercent), 1, 99); err != nil {
			return err
		}
		return checkRange(q+".transaction_minimum", c.TransactionMinimum, 1, maxStockAmount)
	case StockExchange:
		c, q := r.ExchangeCoupon, p+".exchange_coupon"
		if err := checkRange(q+".exchange_price", c.ExchangePrice, 0, maxStockAmount); err != nil {
			return err
		}
		return checkRange(q+".transaction_minimum", c.TransactionMinimum, 1, maxStockAmount)
	}
	return nil
}

func checkRange(p string, n, lo, hi int64) error {
	if n < lo || n > hi {
		return Invalid(p, "%s must be between %d and %d, got %d", p, lo, hi, n)
	}
	return nil
}

func parseStockTime(p, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Invalid(p, "%s is required", p)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Invalid(p, "%s must be an RFC 3339 time with its offset, e.g. 2025-01-01T00:00:00+08:00", p)
	}
	return t, nil
}

func checkAvailableTime(p string, a StockAvailableTime, now time.Time) error {
	begin, err := parseStockTime(p+".available_begin_time", a.AvailableBeginTime)
	if err != nil {
		return err
	}
	end, err := parseStockTime(p+".available_end_time", a.AvailableEndTime)
	if err != nil {
		return err
	}
	if !end.After(begin) {
		return Invalid(p+".available_end_time", "%s.available_end_time must be after available_begin_time", p)
	}
	// "At most 1 year" as WeChat Pay counts it: the same date a year on
	// (366 days across a 29 February, 365 otherwise).
	if end.After(begin.AddDate(1, 0, 0)) {
		return Invalid(p+".available_end_time", "%s: the stock's window may not exceed one year", p)
	}
	if !end.After(now) {
		return Invalid(p+".available_end_time", "%s.available_end_time is not in the future", p)
	}
	if a.AvailableDayAfterReceive < 0 || a.AvailableDayAfterReceive > 365 {
		return Invalid(p+".available_day_after_receive", "%s.available_day_after_receive must be between 1 and 365", p)
	}
	if a.WaitDaysAfterReceive < 0 || a.WaitDaysAfterReceive > maxWaitDays {
		return Invalid(p+".wait_days_after_receive", "%s.wait_days_after_receive must be between 0 and %d", p, maxWaitDays)
	}
	if a.WaitDaysAfterReceive > 0 && a.AvailableDayAfterReceive == 0 {
		return Invalid(p+".wait_days_after_receive", "%s.wait_days_after_receive needs available_day_after_receive", p)
	}
	if err := checkWeek(p+".available_week", a.AvailableWeek); err != nil {
		return err
	}
	for i, period := range a.IrregularAvailableTime {
		q := fmt.Sprintf("%s.irregulary_avaliable_time[%d]", p, i)
		b, err := parseStockTime(q+".begin_time", period.BeginTime)
		if err != nil {
			return err
		}
		e, err := parseStockTime(q+".end_time", period.EndTime)
		if err != nil {
			return err
		}
		if !e.After(b) {
			return Invalid(q+".end_time", "%s.end_time must be after begin_time", q)
		}
		if b.Before(begin) || e.After(end) {
			return Invalid(q, "%s must lie within the stock's window", q)
		}
	}
	return nil
}

func checkWeek(p string, w *StockWeek) error {
	if w == nil {
		return nil
	}
	if len(w.AvailableDayTime) > 0 && len(w.WeekDay) == 0 {
		return Invalid(p+".week_day", "%s.week_day is required when available_day_time is given", p)
	}
	for i, d := range w.WeekDay {
		if d < 0 || d > 6 {
			return Invalid(fmt.Sprintf("%s.week_day[%d]", p, i), "%s.week_day holds %d; days are 0 (Sunday) to 6", p, d)
		}
	}
	if len(w.AvailableDayTime) > maxDayTimePeriods {
		return Invalid(p+".available_day_time", "%s.available_day_time has at most %d periods", p, maxDayTimePeriods)
	}
	for i, t := range w.AvailableDayTime {
		q := fmt.Sprintf("%s.available_day_time[%d]", p, i)
		if t.BeginTime < 0 || t.BeginTime >= secondsPerDay {
			return Invalid(q+".begin_time", "%s.begin_time is a second of the day, 0 to 86399", q)
		}
		if t.EndTime < 1 || t.EndTime >= secondsPerDay {
			return Invalid(q+".end_time", "%s.end_time is a second of the day, 1 to 86399", q)
		}
		if t.EndTime <= t.BeginTime {
			return Invalid(q+".end_time", "%s.end_time must be after begin_time", q)
		}
	}
	return nil
}

func checkSendRule(r StockSendRule) error {
	const p = "stock_send_rule"
	if err := checkRange(p+".max_coupons", r.MaxCoupons, 1, maxStockCoupons); err != nil {
		return err
	}
	if err := checkRange(p+".max_coupons_per_user", r.MaxCouponsPerUser, 1, maxCouponsPerUser); err != nil {
		return err
	}
	if r.MaxCouponsPerUser > r.MaxCoupons {
		return Invalid(p+".max_coupons_per_user", "%s.max_coupons_per_user (%d) is more than max_coupons (%d)", p, r.MaxCouponsPerUser, r.MaxCoupons)
	}
	if r.MaxCouponsByDay != 0 {
		if err := checkRange(p+".max_coupons_by_day", r.MaxCouponsByDay, 1, maxStockCoupons); err != nil {
			return err
		}
		if r.MaxCouponsByDay > r.MaxCoupons {
			return Invalid(p+".max_coupons_by_day", "%s.max_coupons_by_day (%d) is more than max_coupons (%d)", p, r.MaxCouponsByDay, r.MaxCoupons)
		}
	}
	// The amount budgets are documented as "not yet open"; refused here so
	// that a merchant does not believe a budget in fen protects the stock.
	if r.MaxAmount != 0 {
		return Invalid(p+".max_amount", "%s.max_amount is not open at WeChat Pay yet; limit the stock with max_coupons", p)
	}
	if r.MaxAmountByDay != 0 {
		return Invalid(p+".max_amount_by_day", "%s.max_amount_by_day is not open at WeChat Pay yet; use max_coupons_by_day", p)
	}
	if r.Transferable || r.Shareable {
		name := "transferable"
		if !r.Transferable {
			name = "shareable"
		}
		return Invalid(p+"."+name, "%s.%s is not open at WeChat Pay yet", p, name)
	}
	return nil
}

// checkEntrance checks custom_entrance; store_id may be set only at creation.
func checkEntrance(e *StockEntrance, create bool) error {
	const p = "custom_entrance"
	if e == nil {
		return nil
	}
	if m := e.MiniProgramsInfo; m != nil {
		q := p + ".mini_programs_info"
		for _, f := range []struct {
			name, val string
			req       bool
			max       int
		}{
			{"mini_programs_appid", m.MiniProgramsAppID, true, 32},
			{"mini_programs_path", m.MiniProgramsPath, true, 128},
			{"entrance_words", m.EntranceWords, true, 5},
			{"guiding_words", m.GuidingWords, false, 6},
		} {
			if err := checkText(q+"."+f.name, f.val, f.req, f.max); err != nil {
				return err
			}
		}
	}
	if err := checkText(p+".appid", e.AppID, false, 32); err != nil {
		return err
	}
	if err := checkText(p+".hall_id", e.HallID, false, 64); err != nil {
		return err
	}
	if !create && e.StoreID != "" {
		return Invalid(p+".store_id", "%s.store_id cannot be changed after creation", p)
	}
	if err := checkText(p+".store_id", e.StoreID, false, 64); err != nil {
		return err
	}
	if e.CodeDisplayMode != "" && !codeDisplayModes[e.CodeDisplayMode] {
		return Invalid(p+".code_display_mode", "%s.code_display_mode %q is not one of NOT_SHOW, BARCODE, QRCODE", p, e.CodeDisplayMode)
	}
	return nil
}

func checkDisplay(d *StockDisplay) error {
	const p = "display_pattern_info"
	if d == nil {
		return nil
	}
	for _, f := range []struct {
		name, val string
		max       int
	}{
		{"description", d.Description, 1000},
		{"merchant_logo_url", d.MerchantLogoURL, 128},
		{"merchant_name", d.MerchantName, 16},
		{"coupon_image_url", d.CouponImageURL, 128},
	} {
		if err := checkText(p+"."+f.name, f.val, false, f.max); err != nil {
			return err
		}
	}
	if d.BackgroundColor != "" && !stockColors[d.BackgroundColor] {
		return Invalid(p+".background_color", "%s.background_color %q is not one of Color010, Color020, … Color100 (exact case)", p, d.BackgroundColor)
	}
	if f := d.FinderInfo; f != nil {
		q := p + ".finder_info"
		for _, x := range []struct{ name, val string }{
			{"finder_id", f.FinderID}, {"finder_video_id", f.FinderVideoID},
			{"finder_video_cover_image_url", f.FinderVideoCoverImageURL},
		} {
			if err := checkText(q+"."+x.name, x.val, true, 128); err != nil {
				return err
			}
		}
	}
	return nil
}
