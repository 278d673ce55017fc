package service

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Local checks of a card definition against WeChat's card/create rules
// (wechat-card-api.md §4.1), run before any call to WeChat so that a merchant
// gets a 400 naming the field rather than an errcode. The order is the one the
// emulator uses (§10): required fields (41011) → value types and lengths in
// UTF-8 bytes (45021) → code_type and colour (40076) → date_info (40079) →
// sku.quantity (40122) → the remaining per-field rules. Field paths are
// relative to the card's type object: "base_info.title", "reduce_cost",
// "advanced_info.time_limit[0].type".
//
// The checked definition is also normalised for WeChat: integers sent as
// numeric strings become JSON numbers, an old integer date_info.type (1, 2)
// becomes its string name, and text is written as raw UTF-8. Everything else,
// unknown fields included, goes out as it came, in its order.

const (
	maxSkuQuantity    = 100_000_000
	customCodeDeposit = "GET_CUSTOM_CODE_MODE_DEPOSIT"
	cardTypeMember    = "MEMBER_CARD"
)

type valueKind uint8

const (
	valString  valueKind = iota
	valBool              // a JSON boolean, never "true"
	valInt               // a JSON number or a numeric string; sent on as a number
	valIntList           // an array of valInt
	valObject
)

// fieldRule is what the docs say about one field.
type fieldRule struct {
	name      string
	kind      valueKind
	max       int  // string(N): at most N bytes of UTF-8; 0: no documented limit
	required  bool // at creation
	updatable bool // by card/update (§4.4)
}

// baseInfoRules are base_info's fields (§4.1.1). Fields not listed pass
// through unchecked at creation and are refused by an update.
var baseInfoRules = []fieldRule{
	{"logo_url", valString, 128, true, true},
	// code_type is string(16) in the docs, but three of its own values are
	// longer (CODE_TYPE_ONLY_BARCODE: 22 bytes); the value list decides.
	{"code_type", valString, 0, true, true},
	{"brand_name", valString, 36, true, false},
	{"title", valString, 27, true, true},
	{"color", valString, 16, true, true},
	{"notice", valString, 48, true, true},
	{"description", valString, 3072, true, true},
	{"sku", valObject, 0, true, false}, // stock changes go through card/modifystock
	{"date_info", valObject, 0, true, true},
	{"sub_title", valString, 54, false, true},
	{"use_custom_code", valBool, 0, false, false},
	{"get_custom_code_mode", valString, 32, false, false},
	{"bind_openid", valBool, 0, false, false},
	{"service_phone", valString, 24, false, true},
	{"location_id_list", valIntList, 0, false, true},
	{"use_all_locations", valBool, 0, false, true},
	{"source", valString, 36, false, false},
	{"center_title", valString, 18, false, true},
	{"center_sub_title", valString, 24, false, true},
	{"center_url", valString, 128, false, true},
	{"center_app_brand_user_name", valString, 0, false, true},
	{"center_app_brand_pass", valString, 0, false, true},
	{"custom_url_name", valString, 15, false, true},
	{"custom_url", valString, 128, false, true},
	{"custom_url_sub_title", valString, 18, false, true},
	{"custom_app_brand_user_name", valString, 0, false, true},
	{"custom_app_brand_pass", valString, 0, false, true},
	{"promotion_url_name", valString, 15, false, true},
	{"promotion_url", valString, 128, false, true},
	{"promotion_url_sub_title", valString, 18, false, true},
	{"promotion_app_brand_user_name", valString, 0, false, true},
	{"promotion_app_brand_pass", valString, 0, false, true},
	{"get_limit", valInt, 0, false, true},
	{"use_limit", valInt, 0, false, true},
	{"can_share", valBool, 0, false, true},
	{"can_give_friend", valBool, 0, false, true},
	{"need_push_on_view", valBool, 0, false, false},
}

// cardTypeRules are the fields beside base_info (§4.1.2). Member cards have many
// more (bonus, balance, activation); only prerogative is checked here.
var cardTypeRules = map[string][]fieldRule{
	"GROUPON":        {{"deal_detail", valString, 3072, true, true}},
	"CASH":           {{"least_cost", valInt, 0, true, false}, {"reduce_cost", valInt, 0, true, false}},
	"DISCOUNT":       {{"discount", valInt, 0, true, false}},
	"GIFT":           {{"gift", valString, 3072, true, true}},
	"GENERAL_COUPON": {{"default_detail", valString, 3072, true, true}},
	cardTypeMember:   memberCardRules, // cardrules_member.go
}

var cardCodeTypes = map[string]bool{
	"CODE_TYPE_TEXT": true, "CODE_TYPE_BARCODE": true, "CODE_TYPE_QRCODE": true,
	"CODE_TYPE_ONLY_QRCODE": true, "CODE_TYPE_ONLY_BARCODE": true, "CODE_TYPE_NONE": true,
}

// cardColorNames are the fourteen names card/getcolors lists (§4.7).
var cardColorNames = map[string]bool{
	"Color010": true, "Color020": true, "Color030": true, "Color040": true, "Color050": true,
	"Color060": true, "Color070": true, "Color080": true, "Color081": true, "Color082": true,
	"Color090": true, "Color100": true, "Color101": true, "Color102": true,
}

// timeLimitTypes are advanced_info.time_limit's types: the weekdays, and
// HOLIDAY, which the Koa back end sent.
var timeLimitTypes = map[string]bool{
	"MONDAY": true, "TUESDAY": true, "WEDNESDAY": true, "THURSDAY": true, "FRIDAY": true,
	"SATURDAY": true, "SUNDAY": true, "HOLIDAY": true,
}

var businessServices = map[string]bool{
	"BIZ_SERVICE_DELIVER": true, "BIZ_SERVICE_FREE_PARK": true,
	"BIZ_SERVICE_WITH_PET": true, "BIZ_SERVICE_FREE_WIFI": true,
}

// appBrandPrefixes are the entries that can open a mini-program page
// (小程序&卡券打通): <prefix>_app_brand_user_name and <prefix>_app_brand_pass.
var appBrandPrefixes = []string{"center", "custom", "promotion", "activate"}

var (
	// appBrandUserName is a mini-program's original id plus "@app". Every
	// example is gh_ and 12 hex digits (gh_86a091e50ad4@app), but no WeChat
	// source fixes the length, so any letters and digits after gh_ pass.
	appBrandUserName = regexp.MustCompile(`^gh_[0-9A-Za-z]+@app$`)
	// appBrandPass is a page path relative to the mini-program's root, as in
	// API/cardPage: no scheme, no leading or doubled slash, an optional query.
	appBrandPass = regexp.MustCompile(`^[^/?#:\\\s\x00-\x1f]+(/[^/?#:\\\s\x00-\x1f]+)*(\?[^#\s\x00-\x1f]*)?$`)
)

// normalizeCardDefinition checks the bare card object of a card of type
// cardType ({"card_type": ..., "<lower(card_type)>": {...}}) against WeChat's
// card/create rules at now and returns it normalised for WeChat.
func normalizeCardDefinition(cardType string, card []byte, now time.Time) ([]byte, error) {
	key, ok := cardTypes[cardType]
	if !ok {
		return nil, Invalid("card_type", "unknown card_type %q", cardType)
	}
	root, err := parseJSONValue(card)
	if err != nil || root.kind != jsonObject {
		return nil, Invalid("card", "card must be a JSON object")
	}
	if err := checkCardObject(cardType, root.get(key), now); err != nil {
		return nil, err
	}
	return root.marshal(), nil
}

// checkCardObject checks and normalises, in place, the type object of a card.
func checkCardObject(cardType string, obj *jsonValue, now time.Time) error {
	key := cardTypes[cardType]
	if obj == nil || obj.kind != jsonObject {
		return Invalid(key, "%s must be an object holding base_info", key)
	}
	bi := obj.get("base_info")
	if bi.isNull() {
		return Invalid("base_info", "base_info is required")
	}
	if bi.kind != jsonObject {
		return Invalid("base_info", "base_info must be an object, got %s", bi.kindName())
	}
	own := cardTypeRules[cardType]

	// Required fields.
	if err := checkRequired(bi, "base_info", baseInfoRules); err != nil {
		return err
	}
	if bi.get("sku").get("quantity").isNull() {
		return Invalid("base_info.sku.quantity", "base_info.sku.quantity is required")
	}
	if err := checkDateRequired(bi.get("date_info")); err != nil {
		return err
	}
	if err := checkRequired(obj, "", own); err != nil {
		return err
	}
	// Value types and lengths.
	if err := checkValues(bi, "base_info", baseInfoRules); err != nil {
		return err
	}
	if err := checkValues(obj, "", own); err != nil {
		return err
	}
	// code_type and colour.
	if err := checkEnums(bi); err != nil {
		return err
	}
	// Validity.
	if _, err := checkDateInfo(cardType, bi.get("date_info"), now); err != nil {
		return err
	}
	// Stock.
	if err := checkQuantity(bi); err != nil {
		return err
	}
	// Per-user limits, stores, mini-program entries.
	if err := checkLimits(bi); err != nil {
		return err
	}
	if err := checkLocations(bi); err != nil {
		return err
	}
	if err := checkAppBrand(bi, "base_info", true); err != nil {
		return err
	}
	if err := checkAppBrand(obj, "", true); err != nil { // member cards keep activate_* here
		return err
	}
	// The type's own values, then advanced_info.
	if err := checkTypeValues(cardType, obj); err != nil {
		return err
	}
	return checkAdvancedInfo(obj.get("advanced_info"))
}

// fieldPath joins a field path: "base_info" + "title" = "base_info.title".
func fieldPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// checkRequired checks that obj has every required field of rules, text
// fields as non-blank strings and objects as objects.
func checkRequired(obj *jsonValue, prefix string, rules []fieldRule) error {
	for _, r := range rules {
		if !r.required {
			continue
		}
		p := fieldPath(prefix, r.name)
		v := obj.get(r.name)
		if v.isNull() {
			return Invalid(p, "%s is required", p)
		}
		if err := checkNotBlank(v, p, r); err != nil {
			return err
		}
	}
	return nil
}

// checkNotBlank checks that a required value is of its kind and, for text,
// not blank.
func checkNotBlank(v *jsonValue, p string, r fieldRule) error {
	switch r.kind {
	case valString:
		if v.kind != jsonString {
			return Invalid(p, "%s must be a string, got %s", p, v.kindName())
		}
		if strings.TrimSpace(v.text) == "" {
			return Invalid(p, "%s is required and must not be blank", p)
		}
	case valObject:
		if v.kind != jsonObject {
			return Invalid(p, "%s must be an object, got %s", p, v.kindName())
		}
	}
	return nil
}

// checkValues checks the kind of every field of rules that obj carries, and
// the length of text fields in UTF-8 bytes; integers are normalised to JSON
// numbers.
func checkValues(obj *jsonValue, prefix string, rules []fieldRule) error {
	for _, r := range rules {
		v := obj.get(r.name)
		if v.isNull() {
			continue
		}
		p := fieldPath(prefix, r.name)
		switch r.kind {
		case valString:
			if v.kind != jsonString {
				return Invalid(p, "%s must be a string, got %s", p, v.kindName())
			}
			if err := checkLength(v.text, p, r.max); err != nil {
				return err
			}
		case valBool:
			if v.kind != jsonBool {
				return Invalid(p, "%s must be a JSON boolean (true or false), got %s", p, v.kindName())
			}
		case valInt:
			if _, err := normalizeInt(v, p); err != nil {
				return err
			}
		case valIntList:
			if v.kind != jsonArray {
				return Invalid(p, "%s must be an array of whole numbers, got %s", p, v.kindName())
			}
			for i, it := range v.items {
				if _, err := normalizeInt(it, fmt.Sprintf("%s[%d]", p, i)); err != nil {
					return err
				}
			}
		case valObject:
			if v.kind != jsonObject {
				return Invalid(p, "%s must be an object, got %s", p, v.kindName())
			}
		}
	}
	return nil
}

// checkLength applies a string(max) limit: WeChat's N counts UTF-8 bytes, so
// one 汉字 takes 3 of them (title: 27 bytes, 9 汉字, or 27 Latin letters).
func checkLength(s, p string, max int) error {
	if max > 0 && len(s) > max {
		return Invalid(p, "%s is %d bytes long; WeChat allows at most %d bytes of UTF-8 (%d 汉字)", p, len(s), max, max/3)
	}
	return nil
}

// normalizeInt reads a whole number sent as a JSON number or a numeric
// string and rewrites v as a JSON number.
func normalizeInt(v *jsonValue, p string) (int64, error) {
	if v.isNull() {
		return 0, Invalid(p, "%s is required", p)
	}
	if v.kind == jsonNumber || v.kind == jsonString {
		if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
			*v = jsonValue{kind: jsonNumber, text: strconv.FormatInt(n, 10)}
			return n, nil
		}
	}
	shown := v.kindName()
	if v.kind == jsonNumber || v.kind == jsonString {
		shown = strconv.Quote(v.text)
	}
	return 0, Invalid(p, "%s must be a whole number (a JSON number or a numeric string), got %s", p, shown)
}

// normalizedInt is the value of an integer field already normalised.
func normalizedInt(v *jsonValue) (int64, bool) {
	if v.isNull() || v.kind != jsonNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(v.text, 10, 64)
	return n, err == nil
}

func checkEnums(bi *jsonValue) error {
	if v := bi.get("code_type"); !v.isNull() && !cardCodeTypes[v.text] {
		return Invalid("base_info.code_type", "base_info.code_type %q is not one of CODE_TYPE_TEXT, CODE_TYPE_BARCODE, CODE_TYPE_QRCODE, CODE_TYPE_ONLY_QRCODE, CODE_TYPE_ONLY_BARCODE, CODE_TYPE_NONE", v.text)
	}
	if v := bi.get("color"); !v.isNull() && !cardColorNames[v.text] {
		return Invalid("base_info.color", "base_info.color %q is not one of card/getcolors' names (Color010 … Color102; see GET /admin/v1/colors)", v.text)
	}
	return nil
}

// dateTypeOf reads date_info.type: a current string name or an old integer
// type (1 range, 2 term), as a number or a string.
func dateTypeOf(v *jsonValue) string {
	switch v.kind {
	case jsonString:
		return ParseDateType(v.text)
	case jsonNumber:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return ""
		}
		return ParseDateType(f)
	}
	return ""
}

// checkDateRequired is date_info's part of the required fields: the type and
// what the type needs.
func checkDateRequired(di *jsonValue) error {
	const p = "base_info.date_info"
	if di.get("type").isNull() {
		return Invalid(p+".type", "%s.type is required", p)
	}
	var need []string
	switch dateTypeOf(di.get("type")) {
	case DateFixTimeRange:
		need = []string{"begin_timestamp", "end_timestamp"}
	case DateFixTerm:
		need = []string{"fixed_term"}
	}
	for _, name := range need {
		if di.get(name).isNull() {
			return Invalid(p+"."+name, "%s.%s is required for %s", p, name, dateTypeOf(di.get("type")))
		}
	}
	return nil
}

// checkDateInfo checks base_info.date_info for a card of type cardType at now,
// rewrites its type as the string name and its times as JSON numbers, and
// returns what it says.
func checkDateInfo(cardType string, di *jsonValue, now time.Time) (DateInfo, error) {
	const p = "base_info.date_info"
	if di.isNull() || di.kind != jsonObject {
		return DateInfo{}, Invalid(p, "%s must be an object", p)
	}
	tv := di.get("type")
	if tv.isNull() {
		return DateInfo{}, Invalid(p+".type", "%s.type is required", p)
	}
	typ := dateTypeOf(tv)
	if typ == "" {
		return DateInfo{}, Invalid(p+".type", "%s.type must be DATE_TYPE_FIX_TIME_RANGE, DATE_TYPE_FIX_TERM or DATE_TYPE_PERMANENT (or the old 1 / 2)", p)
	}
	di.set("type", &jsonValue{kind: jsonString, text: typ})
	out := DateInfo{Type: typ}
	has := map[string]bool{}
	for _, f := range []struct {
		name string
		set  func(int64)
	}{
		{"begin_timestamp", func(n int64) { out.BeginTimestamp = n }},
		{"end_timestamp", func(n int64) { out.EndTimestamp = n }},
		{"fixed_term", func(n int64) { out.FixedTerm = int(n) }},
		{"fixed_begin_term", func(n int64) { out.FixedBeginTerm = int(n) }},
	} {
		v := di.get(f.name)
		if v.isNull() {
			continue
		}
		fp := p + "." + f.name
		n, err := normalizeInt(v, fp)
		if err != nil {
			return DateInfo{}, err
		}
		if n < 0 {
			return DateInfo{}, Invalid(fp, "%s must not be negative, got %d", fp, n)
		}
		if (f.name == "fixed_term" || f.name == "fixed_begin_term") && n > maxTermDays {
			return DateInfo{}, Invalid(fp, "%s is %d days, too many", fp, n)
		}
		has[f.name] = true
		f.set(n)
	}
	switch typ {
	case DateFixTimeRange:
		for _, name := range []string{"begin_timestamp", "end_timestamp"} {
			if !has[name] {
				return DateInfo{}, Invalid(p+"."+name, "%s.%s is required for %s", p, name, typ)
			}
		}
		if out.BeginTimestamp >= out.EndTimestamp {
			return DateInfo{}, Invalid(p+".begin_timestamp", "%s.begin_timestamp %d must be before end_timestamp %d", p, out.BeginTimestamp, out.EndTimestamp)
		}
		if out.EndTimestamp <= now.Unix() {
			return DateInfo{}, Invalid(p+".end_timestamp", "%s.end_timestamp %d (%s) is not in the future", p, out.EndTimestamp, time.Unix(out.EndTimestamp, 0).UTC().Format(time.RFC3339))
		}
	case DateFixTerm:
		if !has["fixed_term"] {
			return DateInfo{}, Invalid(p+".fixed_term", "%s.fixed_term is required for %s", p, typ)
		}
		// end_timestamp is an optional common expiry; 0 means none.
		if out.EndTimestamp > 0 && out.EndTimestamp <= now.Unix() {
			return DateInfo{}, Invalid(p+".end_timestamp", "%s.end_timestamp %d (%s) is not in the future", p, out.EndTimestamp, time.Unix(out.EndTimestamp, 0).UTC().Format(time.RFC3339))
		}
	case DatePermanent:
		if cardType != cardTypeMember {
			return DateInfo{}, Invalid(p+".type", "%s.type %s is for member cards only", p, DatePermanent)
		}
	}
	return out, nil
}

// maxTermDays keeps fixed_term and fixed_begin_term within an int on every
// platform; WeChat documents no upper bound.
const maxTermDays = 1<<31 - 1

// checkQuantity: 1 … 100 000 000, and exactly 0 for cards whose codes are
// deposited first (stock is raised after the codes are imported).
func checkQuantity(bi *jsonValue) error {
	const p = "base_info.sku.quantity"
	q, err := normalizeInt(bi.get("sku").get("quantity"), p)
	if err != nil {
		return err
	}
	mode := bi.get("get_custom_code_mode")
	deposit := !mode.isNull() && mode.text == customCodeDeposit
	switch {
	case q > maxSkuQuantity:
		return Invalid(p, "%s is %d; WeChat allows at most %d", p, q, maxSkuQuantity)
	case deposit && q != 0:
		return Invalid(p, "%s must be 0 with get_custom_code_mode %s; raise the stock after depositing codes", p, customCodeDeposit)
	case !deposit && q < 1:
		return Invalid(p, "%s must be at least 1 (0 only with get_custom_code_mode %s), got %d", p, customCodeDeposit, q)
	}
	return nil
}

// checkLimits: the per-user receive and consume limits, when given, are at
// least 1. (get_limit above the stock is not refused: WeChat does not.)
func checkLimits(bi *jsonValue) error {
	for _, name := range []string{"get_limit", "use_limit"} {
		p := "base_info." + name
		if n, ok := normalizedInt(bi.get(name)); ok && n < 1 {
			return Invalid(p, "%s must be at least 1, got %d", p, n)
		}
	}
	return nil
}

// checkLocations: all stores, or a list of stores, not both.
func checkLocations(bi *jsonValue) error {
	all := bi.get("use_all_locations")
	list := bi.get("location_id_list")
	if !all.isNull() && all.bool && !list.isNull() && len(list.items) > 0 {
		return Invalid("base_info.use_all_locations", "base_info.use_all_locations and a non-empty base_info.location_id_list exclude each other; send one of them")
	}
	return nil
}

// checkAppBrand checks the mini-program entries of obj: the user name is the
// original id plus "@app", the page a relative path, and (at creation) a page
// only with the mini-program it belongs to. An empty string counts as unset.
func checkAppBrand(obj *jsonValue, prefix string, needPair bool) error {
	for _, entry := range appBrandPrefixes {
		userField := entry + "_app_brand_user_name"
		passField := entry + "_app_brand_pass"
		user, pass := obj.get(userField), obj.get(passField)
		up, pp := fieldPath(prefix, userField), fieldPath(prefix, passField)
		name := ""
		if !user.isNull() {
			if user.kind != jsonString {
				return Invalid(up, "%s must be a string, got %s", up, user.kindName())
			}
			name = user.text
			if name != "" && !appBrandUserName.MatchString(name) {
				return Invalid(up, "%s %q is not a mini-program user name: want its original id and @app, like gh_86a091e50ad4@app", up, name)
			}
		}
		if pass.isNull() {
			continue
		}
		if pass.kind != jsonString {
			return Invalid(pp, "%s must be a string, got %s", pp, pass.kindName())
		}
		if pass.text == "" {
			continue
		}
		if needPair && name == "" {
			return Invalid(up, "%s needs %s, the mini-program the page belongs to", pp, up)
		}
		if !validPagePath(pass.text) {
			return Invalid(pp, "%s %q is not a mini-program page path: want a path from the mini-program's root without a scheme or leading /, like API/cardPage or pages/card/index?id=1", pp, pass.text)
		}
	}
	return nil
}

func validPagePath(s string) bool {
	if !appBrandPass.MatchString(s) {
		return false
	}
	path, _, _ := strings.Cut(s, "?")
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// checkTypeValues checks the values of the type's own fields (§4.1.2); their
// presence, kinds and lengths were checked with the rest.
func checkTypeValues(cardType string, obj *jsonValue) error {
	switch cardType {
	case "CASH":
		if n, _ := normalizedInt(obj.get("least_cost")); n < 0 {
			return Invalid("least_cost", "least_cost is in fen and must be 0 (no threshold) or more, got %d", n)
		}
		if n, _ := normalizedInt(obj.get("reduce_cost")); n < 1 {
			return Invalid("reduce_cost", "reduce_cost is the amount off in fen and must be at least 1, got %d", n)
		}
	case "DISCOUNT":
		if n, _ := normalizedInt(obj.get("discount")); n < 1 || n > 99 {
			return Invalid("discount", "discount is the percentage off and must be 1 … 99 (30 means pay 70%%), got %d", n)
		}
	case cardTypeMember:
		return checkMemberCard(obj)
	}
	return nil
}

// checkAdvancedInfo checks advanced_info (§4.1.3) when it is given.
func checkAdvancedInfo(ai *jsonValue) error {
	const p = "advanced_info"
	if ai.isNull() {
		return nil
	}
	if ai.kind != jsonObject {
		return Invalid(p, "%s must be an object, got %s", p, ai.kindName())
	}
	if err := checkValues(ai, p, []fieldRule{
		{name: "use_condition", kind: valObject}, {name: "abstract", kind: valObject},
		{name: "share_friends", kind: valBool},
	}); err != nil {
		return err
	}
	if err := checkValues(ai.get("use_condition"), p+".use_condition", []fieldRule{
		{name: "accept_category", kind: valString}, {name: "reject_category", kind: valString},
		{name: "least_cost", kind: valInt}, {name: "object_use_for", kind: valString},
		{name: "can_use_with_other_discount", kind: valBool},
	}); err != nil {
		return err
	}
	if n, ok := normalizedInt(ai.get("use_condition").get("least_cost")); ok && n < 0 {
		return Invalid(p+".use_condition.least_cost", "%s.use_condition.least_cost must be 0 or more fen, got %d", p, n)
	}
	if err := checkAbstract(ai.get("abstract")); err != nil {
		return err
	}
	if err := eachObject(ai.get("text_image_list"), p+".text_image_list", checkTextImage); err != nil {
		return err
	}
	if err := eachObject(ai.get("time_limit"), p+".time_limit", checkTimeLimit); err != nil {
		return err
	}
	if bs := ai.get("business_service"); !bs.isNull() {
		bp := p + ".business_service"
		if bs.kind != jsonArray {
			return Invalid(bp, "%s must be an array, got %s", bp, bs.kindName())
		}
		for i, it := range bs.items {
			if it.kind != jsonString || !businessServices[it.text] {
				ip := fmt.Sprintf("%s[%d]", bp, i)
				return Invalid(ip, "%s must be one of BIZ_SERVICE_DELIVER, BIZ_SERVICE_FREE_PARK, BIZ_SERVICE_WITH_PET, BIZ_SERVICE_FREE_WIFI", ip)
			}
		}
	}
	return nil
}

func checkAbstract(ab *jsonValue) error {
	const p = "advanced_info.abstract"
	if err := checkValues(ab, p, []fieldRule{{name: "abstract", kind: valString}}); err != nil {
		return err
	}
	icons := ab.get("icon_url_list")
	if icons.isNull() {
		return nil
	}
	ip := p + ".icon_url_list"
	if icons.kind != jsonArray {
		return Invalid(ip, "%s must be an array holding one image URL, got %s", ip, icons.kindName())
	}
	if len(icons.items) > 1 {
		return Invalid(ip, "%s takes one image URL, got %d", ip, len(icons.items))
	}
	for i, it := range icons.items {
		if it.kind != jsonString || strings.TrimSpace(it.text) == "" {
			return Invalid(fmt.Sprintf("%s[%d]", ip, i), "%s[%d] must be an image URL from POST /admin/v1/images", ip, i)
		}
	}
	return nil
}

// eachObject runs check on every item of an optional array of objects.
func eachObject(list *jsonValue, p string, check func(it *jsonValue, p string) error) error {
	if list.isNull() {
		return nil
	}
	if list.kind != jsonArray {
		return Invalid(p, "%s must be an array, got %s", p, list.kindName())
	}
	for i, it := range list.items {
		ip := fmt.Sprintf("%s[%d]", p, i)
		if it.kind != jsonObject {
			return Invalid(ip, "%s must be an object, got %s", ip, it.kindName())
		}
		if err := check(it, ip); err != nil {
			return err
		}
	}
	return nil
}

func checkTextImage(it *jsonValue, p string) error {
	return checkRequired(it, p, []fieldRule{
		{name: "image_url", kind: valString, required: true}, {name: "text", kind: valString, required: true},
	})
}

func checkTimeLimit(it *jsonValue, p string) error {
	tp := p + ".type"
	t := it.get("type")
	if t.isNull() {
		return Invalid(tp, "%s is required", tp)
	}
	if t.kind != jsonString || !timeLimitTypes[t.text] {
		return Invalid(tp, "%s must be one of MONDAY … SUNDAY or HOLIDAY", tp)
	}
	for _, f := range []struct {
		name string
		max  int64
	}{{"begin_hour", 23}, {"begin_minute", 59}, {"end_hour", 23}, {"end_minute", 59}} {
		v := it.get(f.name)
		if v.isNull() {
			continue
		}
		fp := p + "." + f.name
		n, err := normalizeInt(v, fp)
		if err != nil {
			return err
		}
		if n < 0 || n > f.max {
			return Invalid(fp, "%s must be 0 … %d, got %d", fp, f.max, n)
		}
	}
	return nil
}
