package busifavor

import (
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// Conversions between the service's stock types and WeChat Pay's wire types.
// The service keeps times as the RFC 3339 text the merchant gave (checked
// before they get here); the wire carries them as wechatpay.Time.

func toStockCreate(d service.StockDefinition) (wechatpay.StockCreate, error) {
	rule, err := toUseRule(d.CouponUseRule)
	if err != nil {
		return wechatpay.StockCreate{}, err
	}
	return wechatpay.StockCreate{
		StockName: d.StockName, BelongMerchant: d.BelongMerchant, Comment: d.Comment, GoodsName: d.GoodsName,
		StockType: string(d.StockType), CouponUseRule: rule, StockSendRule: toSendRule(d.StockSendRule),
		OutRequestNo: d.OutRequestNo, CustomEntrance: toEntrance(d.CustomEntrance),
		DisplayPatternInfo: toDisplay(d.DisplayPatternInfo), CouponCodeMode: d.CouponCodeMode,
		NotifyConfig: toNotify(d.NotifyConfig), Subsidy: d.Subsidy,
	}, nil
}

func parseTime(field, s string) (wechatpay.Time, error) {
	if s == "" {
		return wechatpay.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return wechatpay.Time{}, service.Invalid(field, "%s is not an RFC 3339 time", field)
	}
	return wechatpay.NewTime(t), nil
}

func formatTime(t wechatpay.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func toUseRule(r service.StockUseRule) (wechatpay.CouponUseRule, error) {
	const p = "coupon_use_rule.coupon_available_time"
	a := r.CouponAvailableTime
	begin, err := parseTime(p+".available_begin_time", a.AvailableBeginTime)
	if err != nil {
		return wechatpay.CouponUseRule{}, err
	}
	end, err := parseTime(p+".available_end_time", a.AvailableEndTime)
	if err != nil {
		return wechatpay.CouponUseRule{}, err
	}
	at := &wechatpay.CouponAvailableTime{AvailableBeginTime: begin, AvailableEndTime: end,
		AvailableDayAfterReceive: a.AvailableDayAfterReceive, WaitDaysAfterReceive: a.WaitDaysAfterReceive}
	if w := a.AvailableWeek; w != nil {
		aw := &wechatpay.AvailableWeek{WeekDay: wechatpay.WeekDays(w.WeekDay)}
		for _, t := range w.AvailableDayTime {
			aw.AvailableDayTime = append(aw.AvailableDayTime, wechatpay.DayTime{BeginTime: t.BeginTime, EndTime: t.EndTime})
		}
		at.AvailableWeek = aw
	}
	for _, period := range a.IrregularAvailableTime {
		b, err := parseTime(p+".irregulary_avaliable_time.begin_time", period.BeginTime)
		if err != nil {
			return wechatpay.CouponUseRule{}, err
		}
		e, err := parseTime(p+".irregulary_avaliable_time.end_time", period.EndTime)
		if err != nil {
			return wechatpay.CouponUseRule{}, err
		}
		at.IrregularyAvaliableTime = append(at.IrregularyAvaliableTime, wechatpay.TimePeriod{BeginTime: b, EndTime: e})
	}
	out := wechatpay.CouponUseRule{CouponAvailableTime: at, UseMethod: r.UseMethod,
		MiniProgramsAppID: r.MiniProgramsAppID, MiniProgramsPath: r.MiniProgramsPath}
	if c := r.FixedNormalCoupon; c != nil {
		out.FixedNormalCoupon = &wechatpay.FixedNormalCoupon{DiscountAmount: c.DiscountAmount, TransactionMinimum: c.TransactionMinimum}
	}
	if c := r.DiscountCoupon; c != nil {
		out.DiscountCoupon = &wechatpay.DiscountCoupon{DiscountPercent: c.DiscountPercent, TransactionMinimum: c.TransactionMinimum}
	}
	if c := r.ExchangeCoupon; c != nil {
		out.ExchangeCoupon = &wechatpay.ExchangeCoupon{ExchangePrice: c.ExchangePrice, TransactionMinimum: c.TransactionMinimum}
	}
	return out, nil
}

func fromUseRule(r wechatpay.CouponUseRule) service.StockUseRule {
	out := service.StockUseRule{UseMethod: r.UseMethod, MiniProgramsAppID: r.MiniProgramsAppID, MiniProgramsPath: r.MiniProgramsPath}
	if a := r.CouponAvailableTime; a != nil {
		at := service.StockAvailableTime{AvailableBeginTime: formatTime(a.AvailableBeginTime),
			AvailableEndTime: formatTime(a.AvailableEndTime), AvailableDayAfterReceive: a.AvailableDayAfterReceive,
			WaitDaysAfterReceive: a.WaitDaysAfterReceive}
		if w := a.AvailableWeek; w != nil {
			sw := &service.StockWeek{WeekDay: []int(w.WeekDay)}
			for _, t := range w.AvailableDayTime {
				sw.AvailableDayTime = append(sw.AvailableDayTime, service.StockDayTime{BeginTime: t.BeginTime, EndTime: t.EndTime})
			}
			at.AvailableWeek = sw
		}
		for _, period := range a.IrregularyAvaliableTime {
			at.IrregularAvailableTime = append(at.IrregularAvailableTime,
				service.StockTimePeriod{BeginTime: formatTime(period.BeginTime), EndTime: formatTime(period.EndTime)})
		}
		out.CouponAvailableTime = at
	}
	if c := r.FixedNormalCoupon; c != nil {
		out.FixedNormalCoupon = &service.FixedNormalCoupon{DiscountAmount: c.DiscountAmount, TransactionMinimum: c.TransactionMinimum}
	}
	if c := r.DiscountCoupon; c != nil {
		out.DiscountCoupon = &service.DiscountCoupon{DiscountPercent: c.DiscountPercent, TransactionMinimum: c.TransactionMinimum}
	}
	if c := r.ExchangeCoupon; c != nil {
		out.ExchangeCoupon = &service.ExchangeCoupon{ExchangePrice: c.ExchangePrice, TransactionMinimum: c.TransactionMinimum}
	}
	return out
}

func toSendRule(r service.StockSendRule) wechatpay.StockSendRule {
	return wechatpay.StockSendRule{MaxAmount: r.MaxAmount, MaxCoupons: r.MaxCoupons, MaxCouponsPerUser: r.MaxCouponsPerUser,
		MaxAmountByDay: r.MaxAmountByDay, MaxCouponsByDay: r.MaxCouponsByDay, NaturalPersonLimit: r.NaturalPersonLimit,
		PreventAPIAbuse: r.PreventAPIAbuse, Transferable: r.Transferable, Shareable: r.Shareable}
}

func fromSendRule(r wechatpay.StockSendRule) service.StockSendRule {
	return service.StockSendRule{MaxAmount: r.MaxAmount, MaxCoupons: r.MaxCoupons, MaxCouponsPerUser: r.MaxCouponsPerUser,
		MaxAmountByDay: r.MaxAmountByDay, MaxCouponsByDay: r.MaxCouponsByDay, NaturalPersonLimit: r.NaturalPersonLimit,
		PreventAPIAbuse: r.PreventAPIAbuse, Transferable: r.Transferable, Shareable: r.Shareable}
}

func toEntrance(e *service.StockEntrance) *wechatpay.CustomEntrance {
	if e == nil {
		return nil
	}
	out := &wechatpay.CustomEntrance{AppID: e.AppID, HallID: e.HallID, StoreID: e.StoreID, CodeDisplayMode: e.CodeDisplayMode}
	if m := e.MiniProgramsInfo; m != nil {
		out.MiniProgramsInfo = &wechatpay.MiniProgramsInfo{MiniProgramsAppID: m.MiniProgramsAppID,
			MiniProgramsPath: m.MiniProgramsPath, EntranceWords: m.EntranceWords, GuidingWords: m.GuidingWords}
	}
	return out
}

func fromEntrance(e *wechatpay.CustomEntrance) *service.StockEntrance {
	if e == nil {
		return nil
	}
	out := &service.StockEntrance{AppID: e.AppID, HallID: e.HallID, StoreID: e.StoreID, CodeDisplayMode: e.CodeDisplayMode}
	if m := e.MiniProgramsInfo; m != nil {
		out.MiniProgramsInfo = &service.StockMiniProgram{MiniProgramsAppID: m.MiniProgramsAppID,
			MiniProgramsPath: m.MiniProgramsPath, EntranceWords: m.EntranceWords, GuidingWords: m.GuidingWords}
	}
	return out
}

func toDisplay(d *service.StockDisplay) *wechatpay.DisplayPatternInfo {
	if d == nil {
		return nil
	}
	out := &wechatpay.DisplayPatternInfo{Description: d.Description, MerchantLogoURL: d.MerchantLogoURL,
		MerchantName: d.MerchantName, BackgroundColor: d.BackgroundColor, CouponImageURL: d.CouponImageURL}
	if f := d.FinderInfo; f != nil {
		out.FinderInfo = &wechatpay.FinderInfo{FinderID: f.FinderID, FinderVideoID: f.FinderVideoID,
			FinderVideoCoverImageURL: f.FinderVideoCoverImageURL}
	}
	return out
}

func fromDisplay(d *wechatpay.DisplayPatternInfo) *service.StockDisplay {
	if d == nil {
		return nil
	}
	out := &service.StockDisplay{Description: d.Description, MerchantLogoURL: d.MerchantLogoURL,
		MerchantName: d.MerchantName, BackgroundColor: d.BackgroundColor, CouponImageURL: d.CouponImageURL}
	if f := d.FinderInfo; f != nil {
		out.FinderInfo = &service.StockFinderInfo{FinderID: f.FinderID, FinderVideoID: f.FinderVideoID,
			FinderVideoCoverImageURL: f.FinderVideoCoverImageURL}
	}
	return out
}

func toNotify(n *service.StockNotifyConfig) *wechatpay.NotifyConfig {
	if n == nil {
		return nil
	}
	return &wechatpay.NotifyConfig{NotifyAppID: n.NotifyAppID}
}

func fromNotify(n *wechatpay.NotifyConfig) *service.StockNotifyConfig {
	if n == nil {
		return nil
	}
	return &service.StockNotifyConfig{NotifyAppID: n.NotifyAppID}
}

// fromStock is WeChat Pay's stock as the catalogue keeps it; WeChat Pay does
// not report the create request's number.
func fromStock(s wechatpay.Stock) service.Stock {
	out := service.Stock{
		StockID: s.StockID, Status: service.StockStatus(s.StockState),
		Definition: service.StockDefinition{
			StockName: s.StockName, BelongMerchant: s.BelongMerchant, Comment: s.Comment, GoodsName: s.GoodsName,
			StockType: service.StockType(s.StockType), CouponUseRule: fromUseRule(s.CouponUseRule),
			StockSendRule: fromSendRule(s.StockSendRule), CustomEntrance: fromEntrance(s.CustomEntrance),
			DisplayPatternInfo: fromDisplay(s.DisplayPatternInfo), CouponCodeMode: s.CouponCodeMode,
			NotifyConfig: fromNotify(s.NotifyConfig), Subsidy: s.Subsidy,
		},
	}
	if n := s.SendCountInformation; n != nil {
		out.Sent = n.TotalSendNum
	}
	return out
}

func toStockModify(p service.StockPatch) wechatpay.StockModify {
	out := wechatpay.StockModify{CustomEntrance: toEntrance(p.CustomEntrance), OutRequestNo: p.OutRequestNo,
		DisplayPatternInfo: toDisplay(p.DisplayPatternInfo), NotifyConfig: toNotify(p.NotifyConfig)}
	if p.StockName != nil {
		out.StockName = *p.StockName
	}
	if p.Comment != nil {
		out.Comment = *p.Comment
	}
	if p.GoodsName != nil {
		out.GoodsName = *p.GoodsName
	}
	if u := p.CouponUseRule; u != nil {
		out.CouponUseRule = &wechatpay.ModifyUseRule{UseMethod: u.UseMethod, MiniProgramsAppID: u.MiniProgramsAppID,
			MiniProgramsPath: u.MiniProgramsPath}
	}
	if r := p.StockSendRule; r != nil {
		out.StockSendRule = &wechatpay.ModifySendRule{NaturalPersonLimit: r.NaturalPersonLimit, PreventAPIAbuse: r.PreventAPIAbuse}
	}
	if p.Subsidy != nil {
		out.Subsidy = *p.Subsidy
	}
	return out
}
