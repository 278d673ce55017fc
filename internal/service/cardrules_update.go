package service

import (
	"strings"
	"time"
)

// validateCardUpdate checks a card/update patch for a card of type cardType
// whose validity is now current, and returns it normalised for WeChat. The
// patch is shaped like the card's type object, holding only what changes:
// {"base_info": {...}, <the type's own text fields>}. Fields WeChat does not
// let change (§4.4: brand_name, sku, use_custom_code, bind_openid,
// get_custom_code_mode, the CASH and DISCOUNT amounts, advanced_info, …) are
// refused, each naming its field; what may change follows the create rules;
// date_info may only widen. When current.Type is empty (validity unknown) the
// widening check is left to WeChat (40100). A member card's update is also
// checked against its current definition currentDef (checkMemberCardUpdate).
func validateCardUpdate(cardType string, patch []byte, current DateInfo, currentDef []byte, now time.Time) ([]byte, error) {
	key, ok := cardTypes[cardType]
	if !ok {
		return nil, Invalid("card_type", "unknown card_type %q", cardType)
	}
	root, err := parseJSONValue(patch)
	if err != nil || root.kind != jsonObject {
		return nil, Invalid("card", `the update must be a JSON object like {"base_info": {...}}`)
	}
	own := cardTypeRules[cardType]

	// What may change.
	for _, k := range root.keys {
		if k == "base_info" || fieldUpdatable(own, k) || memberActivateField(cardType, k) {
			continue
		}
		return nil, Invalid(k, "%s", notUpdatable(k, key))
	}
	bi := root.get("base_info")
	if !bi.isNull() && bi.kind != jsonObject {
		return nil, Invalid("base_info", "base_info must be an object, got %s", bi.kindName())
	}
	if !bi.isNull() {
		for _, k := range bi.keys {
			if fieldUpdatable(baseInfoRules, k) || memberActivateField(cardType, k) {
				continue
			}
			return nil, Invalid("base_info."+k, "%s", notUpdatable("base_info."+k, key))
		}
	}
	changes := len(root.keys)
	if root.get("base_info") != nil {
		changes += len(bi.keys) - 1
	}
	if changes == 0 {
		return nil, Invalid("base_info", "the update changes nothing: send the base_info fields or the card's own fields to change")
	}

	// What is sent follows the create rules; what was required cannot be emptied.
	for _, set := range []struct {
		obj    *jsonValue
		prefix string
		rules  []fieldRule
	}{{bi, "base_info", baseInfoRules}, {root, "", own}} {
		for _, r := range set.rules {
			if v := set.obj.get(r.name); r.required && !v.isNull() {
				if err := checkNotBlank(v, fieldPath(set.prefix, r.name), r); err != nil {
					return nil, err
				}
			}
		}
		if err := checkValues(set.obj, set.prefix, set.rules); err != nil {
			return nil, err
		}
	}
	if err := checkEnums(bi); err != nil {
		return nil, err
	}
	if cardType == cardTypeMember {
		if err := checkMemberCardUpdate(root, currentDef); err != nil {
			return nil, err
		}
	}
	if di := bi.get("date_info"); di != nil {
		next, err := checkDateInfo(cardType, di, now)
		if err != nil {
			return nil, err
		}
		if err := checkDateWidens(current, next); err != nil {
			return nil, err
		}
	}
	if err := checkLimits(bi); err != nil {
		return nil, err
	}
	if err := checkLocations(bi); err != nil {
		return nil, err
	}
	// A page may change without its mini-program (the card already names it),
	// so the pairing of user name and page is not checked here.
	if err := checkAppBrand(bi, "base_info", false); err != nil {
		return nil, err
	}
	if err := checkAppBrand(root, "", false); err != nil {
		return nil, err
	}
	return root.marshal(), nil
}

// updatable reports whether field name of rules may change by card/update.
func fieldUpdatable(rules []fieldRule, name string) bool {
	for _, r := range rules {
		if r.name == name {
			return r.updatable
		}
	}
	return false
}

// memberActivateField reports the mini-program entry of a member card's
// activation, which sits beside base_info (and, per 小程序&卡券打通, may be
// sent in it).
func memberActivateField(cardType, name string) bool {
	return cardType == cardTypeMember && (name == "activate_app_brand_user_name" || name == "activate_app_brand_pass")
}

// notUpdatable explains why field cannot be sent in an update of a card whose
// type object is key.
func notUpdatable(field, key string) string {
	switch field {
	case "base_info.sku":
		return "base_info.sku cannot be changed by an update; change the stock with POST /admin/v1/cards/{card_id}/stock"
	case "card_type":
		return "card_type cannot be changed; create a new card instead"
	case key:
		return `send the fields of ` + key + ` directly: {"base_info": {...}}`
	}
	if strings.HasPrefix(field, "base_info.") {
		return field + " cannot be changed once the card exists (WeChat's card/update does not take it)"
	}
	return field + " cannot be changed once the card exists (WeChat's card/update does not take it); only base_info and the card's text fields can"
}

// checkDateWidens: validity may only widen — the same type, a begin no later
// and an end no earlier than now (WeChat: 40100). For fixed-term cards the
// term may not shorten nor start later, and a common expiry may only move
// later (none counts as the latest).
func checkDateWidens(current, next DateInfo) error {
	const p = "base_info.date_info"
	if current.Type == "" {
		return nil
	}
	if next.Type != current.Type {
		return Invalid(p, "%s.type must stay %s: WeChat only lets a card's validity widen", p, current.Type)
	}
	switch current.Type {
	case DateFixTimeRange:
		if next.BeginTimestamp > current.BeginTimestamp {
			return Invalid(p, "%s.begin_timestamp may only move earlier: %d is after the current %d", p, next.BeginTimestamp, current.BeginTimestamp)
		}
		if next.EndTimestamp < current.EndTimestamp {
			return Invalid(p, "%s.end_timestamp may only move later: %d is before the current %d", p, next.EndTimestamp, current.EndTimestamp)
		}
	case DateFixTerm:
		if next.FixedTerm < current.FixedTerm {
			return Invalid(p, "%s.fixed_term may only grow: %d is less than the current %d days", p, next.FixedTerm, current.FixedTerm)
		}
		if next.FixedBeginTerm > current.FixedBeginTerm {
			return Invalid(p, "%s.fixed_begin_term may only shrink: %d is more than the current %d days", p, next.FixedBeginTerm, current.FixedBeginTerm)
		}
		if next.EndTimestamp != 0 && current.EndTimestamp == 0 {
			return Invalid(p, "%s.end_timestamp cannot be added: the card has no common expiry now", p)
		}
		if next.EndTimestamp != 0 && next.EndTimestamp < current.EndTimestamp {
			return Invalid(p, "%s.end_timestamp may only move later: %d is before the current %d", p, next.EndTimestamp, current.EndTimestamp)
		}
	}
	return nil
}
