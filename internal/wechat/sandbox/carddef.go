package sandbox

import (
	"bytes"
	"encoding/json"
	"time"
)

// Card definitions: parsing and validating card/create (and the parts of
// card/update that share its rules). Order of checks, from §10 (a suggested
// order, not observed): JSON → card_type ↔ key (40071) → required fields
// (41011) → lengths in UTF-8 bytes (45021) → enums and colour (40076) →
// date_info (40079) → sku.quantity (40122 / 45041).

// cardTypeKeys maps every card_type WeChat knows to its object key.
var cardTypeKeys = map[string]string{
	"GROUPON":        "groupon",
	"CASH":           "cash",
	"DISCOUNT":       "discount",
	"GIFT":           "gift",
	"GENERAL_COUPON": "general_coupon",
	"MEMBER_CARD":    "member_card",
	"SCENIC_TICKET":  "scenic_ticket",
	"MOVIE_TICKET":   "movie_ticket",
	"BOARDING_PASS":  "boarding_pass",
	"MEETING_TICKET": "meeting_ticket",
	"GENERAL_CARD":   "general_card",
}

const (
	dateFixTimeRange = "DATE_TYPE_FIX_TIME_RANGE"
	dateFixTerm      = "DATE_TYPE_FIX_TERM"
	datePermanent    = "DATE_TYPE_PERMANENT"

	maxQuantity     = 100_000_000
	defaultGetLimit = 50 // the docs' default (one old SDK doc says "= quantity")
	depositMode     = "GET_CUSTOM_CODE_MODE_DEPOSIT"
)

var codeTypes = map[string]bool{
	"CODE_TYPE_TEXT": true, "CODE_TYPE_BARCODE": true, "CODE_TYPE_QRCODE": true,
	"CODE_TYPE_ONLY_QRCODE": true, "CODE_TYPE_ONLY_BARCODE": true, "CODE_TYPE_NONE": true,
}

// cardColors is card/getcolors' list (§4.7; the hex values come from one SDK
// only — unconfirmed).
var cardColors = []struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}{
	{"Color010", "#63b359"}, {"Color020", "#2c9f67"}, {"Color030", "#509fc9"},
	{"Color040", "#5885cf"}, {"Color050", "#9062c0"}, {"Color060", "#d09a45"},
	{"Color070", "#e4b138"}, {"Color080", "#ee903c"}, {"Color081", "#f08500"},
	{"Color082", "#a9d92d"}, {"Color090", "#dd6549"}, {"Color100", "#cc463d"},
	{"Color101", "#cf3e36"}, {"Color102", "#5E6671"},
}

func knownColor(name string) bool {
	for _, c := range cardColors {
		if c.Name == name {
			return true
		}
	}
	return false
}

// baseInfoIn is base_info as sent; pointers tell absent from zero. Decoding
// into it is the 47001 check for wrong JSON types.
type baseInfoIn struct {
	LogoURL     *string     `json:"logo_url"`
	CodeType    *string     `json:"code_type"`
	BrandName   *string     `json:"brand_name"`
	Title       *string     `json:"title"`
	Color       *string     `json:"color"`
	Notice      *string     `json:"notice"`
	Description *string     `json:"description"`
	Sku         *skuIn      `json:"sku"`
	DateInfo    *dateInfoIn `json:"date_info"`

	SubTitle                  *string   `json:"sub_title"`
	UseCustomCode             *bool     `json:"use_custom_code"`
	GetCustomCodeMode         *string   `json:"get_custom_code_mode"`
	BindOpenID                *bool     `json:"bind_openid"`
	ServicePhone              *string   `json:"service_phone"`
	LocationIDList            []flexInt `json:"location_id_list"`
	UseAllLocations           *bool     `json:"use_all_locations"`
	Source                    *string   `json:"source"`
	CenterTitle               *string   `json:"center_title"`
	CenterSubTitle            *string   `json:"center_sub_title"`
	CenterURL                 *string   `json:"center_url"`
	CenterAppBrandUserName    *string   `json:"center_app_brand_user_name"`
	CenterAppBrandPass        *string   `json:"center_app_brand_pass"`
	CustomURLName             *string   `json:"custom_url_name"`
	CustomURL                 *string   `json:"custom_url"`
	CustomURLSubTitle         *string   `json:"custom_url_sub_title"`
	CustomAppBrandUserName    *string   `json:"custom_app_brand_user_name"`
	CustomAppBrandPass        *string   `json:"custom_app_brand_pass"`
	PromotionURLName          *string   `json:"promotion_url_name"`
	PromotionURL              *string   `json:"promotion_url"`
	PromotionURLSubTitle      *string   `json:"promotion_url_sub_title"`
	PromotionAppBrandUserName *string   `json:"promotion_app_brand_user_name"`
	PromotionAppBrandPass     *string   `json:"promotion_app_brand_pass"`
	GetLimit                  *flexInt  `json:"get_limit"`
	UseLimit                  *flexInt  `json:"use_limit"`
	CanShare                  *bool     `json:"can_share"`
	CanGiveFriend             *bool     `json:"can_give_friend"`
	NeedPushOnView            *bool     `json:"need_push_on_view"`
}

type skuIn struct {
	Quantity *flexInt `json:"quantity"`
}

type dateInfoIn struct {
	Type           json.RawMessage `json:"type"`
	BeginTimestamp *flexInt        `json:"begin_timestamp"`
	EndTimestamp   *flexInt        `json:"end_timestamp"`
	FixedTerm      *flexInt        `json:"fixed_term"`
	FixedBeginTerm *flexInt        `json:"fixed_begin_term"`
}

// typeObjectIn is the object under lower(card_type).
type typeObjectIn struct {
	BaseInfo      json.RawMessage `json:"base_info"`
	AdvancedInfo  json.RawMessage `json:"advanced_info"`
	DealDetail    *string         `json:"deal_detail"`
	LeastCost     *flexInt        `json:"least_cost"`
	ReduceCost    *flexInt        `json:"reduce_cost"`
	Discount      *flexInt        `json:"discount"`
	Gift          *string         `json:"gift"`
	DefaultDetail *string         `json:"default_detail"`
	Prerogative   *string         `json:"prerogative"`
}

// lenRule is one string field's limit, string(N) in the docs, counted in
// UTF-8 bytes (strongly suggested by a community report, unconfirmed).
type lenRule struct {
	name string
	v    *string
	max  int
}

func (b *baseInfoIn) lengthRules() []lenRule {
	return []lenRule{
		// code_type is checked against its value list only: its documented
		// string(16) is shorter than CODE_TYPE_ONLY_BARCODE itself.
		{"logo_url", b.LogoURL, 128}, {"brand_name", b.BrandName, 36},
		{"title", b.Title, 27}, {"color", b.Color, 16}, {"notice", b.Notice, 48},
		{"description", b.Description, 3072}, {"sub_title", b.SubTitle, 54},
		{"get_custom_code_mode", b.GetCustomCodeMode, 32}, {"service_phone", b.ServicePhone, 24},
		{"source", b.Source, 36}, {"center_title", b.CenterTitle, 18},
		{"center_sub_title", b.CenterSubTitle, 24}, {"center_url", b.CenterURL, 128},
		{"custom_url_name", b.CustomURLName, 15}, {"custom_url", b.CustomURL, 128},
		{"custom_url_sub_title", b.CustomURLSubTitle, 18}, {"promotion_url_name", b.PromotionURLName, 15},
		{"promotion_url", b.PromotionURL, 128}, {"promotion_url_sub_title", b.PromotionURLSubTitle, 18},
	}
}

func (t *typeObjectIn) lengthRules() []lenRule {
	return []lenRule{
		{"deal_detail", t.DealDetail, 3072}, {"gift", t.Gift, 3072},
		{"default_detail", t.DefaultDetail, 3072}, {"prerogative", t.Prerogative, 3072},
	}
}

func checkLengths(rules []lenRule) *wxError {
	for _, r := range rules {
		if r.v != nil && len(*r.v) > r.max {
			return wxErrf(45021, "%s is %d bytes, limit %d", r.name, len(*r.v), r.max)
		}
	}
	return nil
}

// checkEnums is the 40076 step: code_type and colour. WeChat's errcode for a
// bad code_type is unconfirmed; the emulator groups it with the colour.
func (b *baseInfoIn) checkEnums() *wxError {
	if b.CodeType != nil && !codeTypes[*b.CodeType] {
		return wxErrf(40076, "unknown code_type %q", *b.CodeType)
	}
	if b.Color != nil && !knownColor(*b.Color) {
		return wxErrf(40076, "color %q is not one of card/getcolors' names", *b.Color)
	}
	return nil
}

// dateInfo is a validated date_info.
type dateInfo struct {
	typ            string
	begin, end     int64 // FIX_TIME_RANGE window; for FIX_TERM end is the optional hard expiry (0: none)
	fixedTerm      int64
	fixedBeginTerm int64
}

// parseDateType accepts the string types and the old integer ones (1 range, 2 term).
func parseDateType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	switch s {
	case dateFixTimeRange, dateFixTerm, datePermanent:
		return s
	case "1":
		return dateFixTimeRange
	case "2":
		return dateFixTerm
	}
	return ""
}

// requiredDateFields is date_info's part of the 41011 step.
func (d *dateInfoIn) requiredFields() *wxError {
	if len(d.Type) == 0 || string(d.Type) == "null" {
		return wxErr(41011, "date_info.type is required")
	}
	switch parseDateType(d.Type) {
	case dateFixTimeRange:
		if d.BeginTimestamp == nil || d.EndTimestamp == nil {
			return wxErr(41011, "DATE_TYPE_FIX_TIME_RANGE needs begin_timestamp and end_timestamp")
		}
	case dateFixTerm:
		if d.FixedTerm == nil {
			return wxErr(41011, "DATE_TYPE_FIX_TERM needs fixed_term")
		}
	}
	return nil
}

// validate is the 40079 step.
func (d *dateInfoIn) validate(cardType string, now time.Time) (dateInfo, *wxError) {
	di := dateInfo{
		typ:            parseDateType(d.Type),
		begin:          intOr(d.BeginTimestamp, 0),
		end:            intOr(d.EndTimestamp, 0),
		fixedTerm:      intOr(d.FixedTerm, 0),
		fixedBeginTerm: intOr(d.FixedBeginTerm, 0),
	}
	switch di.typ {
	case dateFixTimeRange:
		if di.begin < 0 || di.begin >= di.end {
			return di, wxErrf(40079, "begin_timestamp %d must be before end_timestamp %d", di.begin, di.end)
		}
		if di.end <= now.Unix() {
			return di, wxErrf(40079, "end_timestamp %d is in the past", di.end)
		}
	case dateFixTerm:
		if di.fixedTerm < 0 || di.fixedBeginTerm < 0 {
			return di, wxErr(40079, "fixed_term and fixed_begin_term must be ≥ 0")
		}
		if di.end < 0 || (di.end > 0 && di.end <= now.Unix()) {
			return di, wxErrf(40079, "end_timestamp %d is in the past", di.end)
		}
		di.begin = 0
	case datePermanent:
		if cardType != "MEMBER_CARD" && cardType != "GENERAL_CARD" {
			return di, wxErr(40079, "DATE_TYPE_PERMANENT is for member cards only")
		}
		di.begin, di.end = 0, 0
	default:
		return di, wxErrf(40079, "unknown date_info.type %s", d.Type)
	}
	return di, nil
}

// wire is date_info as card/get shows it.
func (d dateInfo) wire() map[string]any {
	out := map[string]any{"type": d.typ}
	switch d.typ {
	case dateFixTimeRange:
		out["begin_timestamp"], out["end_timestamp"] = d.begin, d.end
	case dateFixTerm:
		out["fixed_term"], out["fixed_begin_term"] = d.fixedTerm, d.fixedBeginTerm
		if d.end > 0 {
			out["end_timestamp"] = d.end
		}
	}
	return out
}

// cardInfo is what the emulator acts on, parsed from the definition.
type cardInfo struct {
	codeType      string
	color         string
	bindOpenID    bool
	useCustomCode bool
	getLimit      int64
	date          dateInfo
	noGift        bool // can_give_friend false: sandbox/gift-card refuses
}

// cardDef is a validated card/create body.
type cardDef struct {
	cardType string
	key      string
	object   map[string]any // the type object as sent, numbers as json.Number
	info     cardInfo
	quantity int64
}

func decodeObject(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	return m, err
}

// parseCreate validates a card/create body in §10's order.
func parseCreate(body []byte, now time.Time) (*cardDef, *wxError) {
	// JSON.
	var outer struct {
		Card map[string]json.RawMessage `json:"card"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		return nil, wxErr(47001, err.Error())
	}
	if outer.Card == nil {
		return nil, wxErr(41011, "card is required")
	}
	var cardType string
	if raw, has := outer.Card["card_type"]; has {
		if err := json.Unmarshal(raw, &cardType); err != nil {
			return nil, wxErr(47001, "card_type: "+err.Error())
		}
	}
	// card_type ↔ key. What create answers for a mismatch is unconfirmed;
	// 40071 is the doc's suggested emulation.
	key, known := cardTypeKeys[cardType]
	if !known {
		return nil, wxErrf(40071, "unknown card_type %q", cardType)
	}
	rawObj, has := outer.Card[key]
	if !has {
		return nil, wxErrf(40071, "card_type %s needs its object under %q", cardType, key)
	}
	var obj typeObjectIn
	if err := json.Unmarshal(rawObj, &obj); err != nil {
		return nil, wxErr(47001, key+": "+err.Error())
	}
	object, err := decodeObject(rawObj)
	if err != nil || object == nil {
		return nil, wxErrf(47001, "%s must be an object", key)
	}
	if len(obj.BaseInfo) == 0 || string(obj.BaseInfo) == "null" {
		return nil, wxErrf(41011, "%s.base_info is required", key)
	}
	var bi baseInfoIn
	if err := json.Unmarshal(obj.BaseInfo, &bi); err != nil {
		return nil, wxErr(47001, "base_info: "+err.Error())
	}

	// Required fields.
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"logo_url", bi.LogoURL}, {"code_type", bi.CodeType}, {"brand_name", bi.BrandName},
		{"title", bi.Title}, {"color", bi.Color}, {"notice", bi.Notice}, {"description", bi.Description},
	} {
		if f.v == nil || *f.v == "" {
			return nil, wxErrf(41011, "base_info.%s is required", f.name)
		}
	}
	if bi.Sku == nil || bi.Sku.Quantity == nil {
		return nil, wxErr(41011, "base_info.sku.quantity is required")
	}
	if bi.DateInfo == nil {
		return nil, wxErr(41011, "base_info.date_info is required")
	}
	if err := bi.DateInfo.requiredFields(); err != nil {
		return nil, err
	}
	if err := obj.requiredFields(cardType); err != nil {
		return nil, err
	}

	// Lengths, enums, dates, quantity.
	if err := checkLengths(append(bi.lengthRules(), obj.lengthRules()...)); err != nil {
		return nil, err
	}
	if err := bi.checkEnums(); err != nil {
		return nil, err
	}
	di, werr := bi.DateInfo.validate(cardType, now)
	if werr != nil {
		return nil, werr
	}
	deposit := bi.GetCustomCodeMode != nil && *bi.GetCustomCodeMode == depositMode
	q := bi.Sku.Quantity.v
	switch {
	case q > maxQuantity:
		return nil, wxErrf(45041, "sku.quantity %d over %d", q, maxQuantity)
	case q < 0:
		return nil, wxErrf(40122, "sku.quantity %d is negative", q)
	case deposit && q != 0:
		return nil, wxErr(40122, "sku.quantity must be 0 with GET_CUSTOM_CODE_MODE_DEPOSIT")
	case !deposit && q == 0:
		return nil, wxErr(40122, "sku.quantity 0 is allowed only with GET_CUSTOM_CODE_MODE_DEPOSIT")
	}

	// The emulator's account has custom-code permission, so no 43009.
	info := cardInfo{
		codeType:      *bi.CodeType,
		color:         *bi.Color,
		bindOpenID:    bi.BindOpenID != nil && *bi.BindOpenID,
		useCustomCode: bi.UseCustomCode != nil && *bi.UseCustomCode,
		getLimit:      intOr(bi.GetLimit, 0),
		date:          di,
		noGift:        bi.CanGiveFriend != nil && !*bi.CanGiveFriend,
	}
	if info.getLimit <= 0 {
		info.getLimit = defaultGetLimit
	}
	return &cardDef{cardType: cardType, key: key, object: object, info: info, quantity: q}, nil
}

// requiredFields is the type-specific part of the 41011 step. Ranges of the
// values (e.g. discount 1–99) are unconfirmed and not checked.
func (t *typeObjectIn) requiredFields(cardType string) *wxError {
	missing := func(name string) *wxError {
		return wxErrf(41011, "%s needs %s", cardType, name)
	}
	empty := func(s *string) bool { return s == nil || *s == "" }
	switch cardType {
	case "GROUPON":
		if empty(t.DealDetail) {
			return missing("deal_detail")
		}
	case "CASH":
		if t.LeastCost == nil {
			return missing("least_cost")
		}
		if t.ReduceCost == nil {
			return missing("reduce_cost")
		}
	case "DISCOUNT":
		if t.Discount == nil {
			return missing("discount")
		}
	case "GIFT":
		if empty(t.Gift) {
			return missing("gift")
		}
	case "GENERAL_COUPON":
		if empty(t.DefaultDetail) {
			return missing("default_detail")
		}
	case "MEMBER_CARD":
		if empty(t.Prerogative) {
			return missing("prerogative")
		}
	}
	return nil
}
