package service

import "fmt"

// Member-card rules (wechat-card-api.md §13.1), each refusal naming its
// field. card/update may change the fields §13.1 lists (updatable below);
// the result, the card's definition with the update laid over it, follows
// the creation rules, and supply_bonus and supply_balance only go from false
// to true (WeChat: 40135).

// memberCardRules are member_card's fields beside base_info.
var memberCardRules = []fieldRule{
	{"prerogative", valString, 3072, true, true},
	{"supply_bonus", valBool, 0, true, true},
	{"supply_balance", valBool, 0, true, true},
	{"background_pic_url", valString, 128, false, true},
	{"bonus_url", valString, 128, false, true},
	{"balance_url", valString, 128, false, true},
	{"bonus_cleared", valString, 128, false, true},
	{"bonus_rules", valString, 128, false, true},
	{"balance_rules", valString, 128, false, true},
	{"bonus_rule", valObject, 0, false, true},
	{"custom_field1", valObject, 0, false, true},
	{"custom_field2", valObject, 0, false, true},
	{"custom_field3", valObject, 0, false, true},
	{"custom_cell1", valObject, 0, false, true},
	{"discount", valInt, 0, false, true},
	{"auto_activate", valBool, 0, false, true},
	{"wx_activate", valBool, 0, false, true},
	{"wx_activate_after_submit", valBool, 0, false, false},
	{"wx_activate_after_submit_url", valString, 128, false, false},
	{"activate_url", valString, 128, false, true},
}

// customFieldNameTypes are custom_fieldN.name_type's values, spelt as the
// API expects (ACHIEVEMEN and TIMS are misspelt on purpose).
var customFieldNameTypes = map[string]bool{
	"FIELD_NAME_TYPE_LEVEL": true, "FIELD_NAME_TYPE_COUPON": true, "FIELD_NAME_TYPE_STAMP": true,
	"FIELD_NAME_TYPE_DISCOUNT": true, "FIELD_NAME_TYPE_ACHIEVEMEN": true, "FIELD_NAME_TYPE_MILEAGE": true,
	"FIELD_NAME_TYPE_SET_POINTS": true, "FIELD_NAME_TYPE_TIMS": true,
}

var bonusRuleFields = []string{"cost_money_unit", "increase_bonus", "max_increase_bonus", "init_increase_bonus",
	"cost_bonus_unit", "reduce_money", "least_money_to_use_bonus", "max_reduce_bonus"}

func isTrue(v *jsonValue) bool { return !v.isNull() && v.kind == jsonBool && v.bool }

func nonEmptyString(v *jsonValue) bool { return !v.isNull() && v.kind == jsonString && v.text != "" }

// checkMemberCard applies §13.1 to a member_card object whose value types
// checkValues has checked.
func checkMemberCard(obj *jsonValue) error {
	// Header cells: points + balance + each custom_fieldN given (an empty
	// object counts) ≤ 3 (WeChat 40124).
	cells := 0
	for _, k := range []string{"supply_bonus", "supply_balance"} {
		if isTrue(obj.get(k)) {
			cells++
		}
	}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("custom_field%d", i)
		f := obj.get(name)
		if f.isNull() {
			continue
		}
		cells++
		if cells > 3 {
			return Invalid(name, "at most 3 header cells: points (supply_bonus), balance (supply_balance) and custom_field1..3 together; %s is one too many", name)
		}
		if err := checkCustomField(f, name); err != nil {
			return err
		}
	}
	if c := obj.get("custom_cell1"); !c.isNull() {
		if err := checkValues(c, "custom_cell1", []fieldRule{{"name", valString, 15, true, false},
			{"tips", valString, 18, true, false}, {"url", valString, 128, true, false}}); err != nil {
			return err
		}
		if err := checkRequired(c, "custom_cell1", []fieldRule{{"name", valString, 15, true, false},
			{"tips", valString, 18, true, false}, {"url", valString, 128, true, false}}); err != nil {
			return err
		}
	}
	if n, ok := normalizedInt(obj.get("discount")); ok && (n < 0 || n > 99) {
		return Invalid("discount", "discount is the members' percentage off, 0 … 99 (10 means pay 90%%), got %d", n)
	}
	if br := obj.get("bonus_rule"); !br.isNull() {
		for _, k := range br.keys {
			known := false
			for _, f := range bonusRuleFields {
				known = known || f == k
			}
			p := "bonus_rule." + k
			if !known {
				return Invalid(p, "%s is not a bonus_rule field", p)
			}
			if n, ok := normalizedInt(br.get(k)); !ok || n < 0 {
				return Invalid(p, "%s must be a whole number ≥ 0 (money in fen)", p)
			}
		}
	}
	return checkActivationModes(obj)
}

// checkCustomField checks one custom_fieldN: name_type (the enum; the
// doc's string(24) cannot hold its own 26-byte values) or name, not both,
// and an optional url.
func checkCustomField(f *jsonValue, p string) error {
	if err := checkValues(f, p, []fieldRule{{"name_type", valString, 0, false, false}, {"name", valString, 24, false, false},
		{"url", valString, 128, false, false}, {"app_brand_user_name", valString, 0, false, false},
		{"app_brand_pass", valString, 0, false, false}}); err != nil {
		return err
	}
	nt, name := f.get("name_type"), f.get("name")
	if !nt.isNull() && !name.isNull() {
		return Invalid(p+".name", "%s.name: give name_type or name, not both", p)
	}
	if !nt.isNull() && !customFieldNameTypes[nt.text] {
		return Invalid(p+".name_type", "%s.name_type %q is not one of WeChat's values (note FIELD_NAME_TYPE_ACHIEVEMEN and FIELD_NAME_TYPE_TIMS are spelt so)", p, nt.text)
	}
	return nil
}

// checkActivationModes applies the precedence of §13.1: auto_activate
// disables activate_url and the one-click form, activate_url disables
// wx_activate, so only one may be set; jump-type one-click needs wx_activate.
func checkActivationModes(obj *jsonValue) error {
	auto, url, wx := isTrue(obj.get("auto_activate")), nonEmptyString(obj.get("activate_url")), isTrue(obj.get("wx_activate"))
	switch {
	case auto && url:
		return Invalid("activate_url", "activate_url has no effect with auto_activate: set only one activation mode")
	case auto && wx:
		return Invalid("wx_activate", "wx_activate has no effect with auto_activate: set only one activation mode")
	case url && wx:
		return Invalid("wx_activate", "wx_activate has no effect with activate_url: set only one activation mode")
	}
	if (isTrue(obj.get("wx_activate_after_submit")) || nonEmptyString(obj.get("wx_activate_after_submit_url"))) && !wx {
		return Invalid("wx_activate_after_submit", "jump-type activation (wx_activate_after_submit, wx_activate_after_submit_url) needs wx_activate true")
	}
	return nil
}

// checkMemberCardUpdate checks a member card's update against its current
// definition (the card object as the provider holds it; nil or unreadable:
// unknown, and WeChat decides): points and stored value cannot be turned
// off, and the definition with the update laid over it must still follow
// the creation rules (header cells, activation modes, …).
func checkMemberCardUpdate(patch *jsonValue, currentDef []byte) error {
	var cur *jsonValue
	if def, err := parseJSONValue(currentDef); err == nil && def.kind == jsonObject {
		if mc := def.get("member_card"); !mc.isNull() && mc.kind == jsonObject {
			cur = mc
		}
	}
	if cur == nil {
		return nil
	}
	for _, k := range []string{"supply_bonus", "supply_balance"} {
		if v := patch.get(k); !v.isNull() && v.kind == jsonBool && !v.bool && isTrue(cur.get(k)) {
			what := "points"
			if k == "supply_balance" {
				what = "stored value"
			}
			return Invalid(k, "%s can only go from false to true: the card holds %s and cannot stop (WeChat answers 40135)", k, what)
		}
	}
	merged := &jsonValue{kind: jsonObject, props: map[string]*jsonValue{}}
	for _, obj := range []*jsonValue{cur, patch} {
		for _, k := range obj.keys {
			if k != "base_info" && k != "advanced_info" {
				merged.set(k, obj.get(k))
			}
		}
	}
	return checkMemberCard(merged)
}
