package service

// The rules of a stock modify (wechatpay-busifavor.md §2.4): the fields
// WeChat Pay lets change, checked as at creation.

// checkStockPatch applies the rules of a modify (§2.4).
func checkStockPatch(pt StockPatch) error {
	if pt.StockName == nil && pt.Comment == nil && pt.GoodsName == nil && pt.CustomEntrance == nil &&
		pt.DisplayPatternInfo == nil && pt.CouponUseRule == nil && pt.StockSendRule == nil &&
		pt.NotifyConfig == nil && pt.Subsidy == nil {
		return Invalid("body", "the body changes nothing: give at least one field WeChat Pay lets change")
	}
	if pt.StockName != nil {
		if err := checkText("stock_name", *pt.StockName, true, 21); err != nil {
			return err
		}
	}
	if pt.Comment != nil {
		if err := checkText("comment", *pt.Comment, false, 20); err != nil {
			return err
		}
	}
	if pt.GoodsName != nil {
		if err := checkText("goods_name", *pt.GoodsName, true, 15); err != nil {
			return err
		}
	}
	if err := checkEntrance(pt.CustomEntrance, false); err != nil {
		return err
	}
	if d := pt.DisplayPatternInfo; d != nil {
		if d.MerchantLogoURL != "" {
			return Invalid("display_pattern_info.merchant_logo_url", "display_pattern_info.merchant_logo_url cannot be changed after creation")
		}
		if d.MerchantName != "" {
			return Invalid("display_pattern_info.merchant_name", "display_pattern_info.merchant_name cannot be changed after creation")
		}
		if err := checkDisplay(d); err != nil {
			return err
		}
	}
	if u := pt.CouponUseRule; u != nil {
		if err := checkUseMethod("coupon_use_rule", u.UseMethod, u.MiniProgramsAppID, u.MiniProgramsPath, false); err != nil {
			return err
		}
	}
	if pt.Subsidy != nil && !*pt.Subsidy {
		return Invalid("subsidy", "subsidy can only be turned on (false → true)")
	}
	if err := checkNotifyConfig(pt.NotifyConfig); err != nil {
		return err
	}
	return checkRequestNo("out_request_no", pt.OutRequestNo)
}
