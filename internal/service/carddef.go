package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cardTypes are the card types the catalogue accepts, keyed by their object key.
var cardTypes = map[string]string{
	"GROUPON":        "groupon",
	"CASH":           "cash",
	"DISCOUNT":       "discount",
	"GIFT":           "gift",
	"GENERAL_COUPON": "general_coupon",
	"MEMBER_CARD":    "member_card",
}

// FlexInt is an integer that merchants may send as a JSON number or a numeric
// string (WeChat's own examples use both for timestamps).
type FlexInt int64

func (f *FlexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number, got %s", b)
	}
	*f = FlexInt(n)
	return nil
}

// cardBaseInfo is what the catalogue keeps of a validated base_info (the
// validator has already required and typed every field).
type cardBaseInfo struct {
	LogoURL       string  `json:"logo_url"`
	BrandName     string  `json:"brand_name"`
	Title         string  `json:"title"`
	Color         string  `json:"color"`
	BindOpenID    bool    `json:"bind_openid"`
	UseCustomCode bool    `json:"use_custom_code"`
	GetLimit      FlexInt `json:"get_limit"`
	Sku           struct {
		Quantity FlexInt `json:"quantity"`
	} `json:"sku"`
	DateInfo struct {
		Type           any     `json:"type"`
		BeginTimestamp FlexInt `json:"begin_timestamp"`
		EndTimestamp   FlexInt `json:"end_timestamp"`
		FixedTerm      FlexInt `json:"fixed_term"`
		FixedBeginTerm FlexInt `json:"fixed_begin_term"`
	} `json:"date_info"`
}

// parseCardDefinition accepts WeChat's card object, either wrapped as
// {"card": {...}} or bare, checks what every card needs, and returns the bare
// object and the catalogue fields it defines.
func parseCardDefinition(body []byte, now time.Time) ([]byte, Card, error) {
	var wrapped struct {
		Card json.RawMessage `json:"card"`
	}
	if err := json.Unmarshal(body, &wrapped); err != nil {
		return nil, Card{}, Invalid("card", "the body is not a JSON object: %v", err)
	}
	inner := body
	if len(wrapped.Card) > 0 {
		inner = wrapped.Card
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(inner, &top); err != nil || top == nil {
		return nil, Card{}, Invalid("card", "card must be a JSON object")
	}
	var cardType string
	if err := json.Unmarshal(top["card_type"], &cardType); err != nil || cardType == "" {
		return nil, Card{}, Invalid("card_type", "card_type is required")
	}
	key, ok := cardTypes[cardType]
	if !ok {
		return nil, Card{}, Invalid("card_type", "unknown card_type %q", cardType)
	}
	var typed struct {
		BaseInfo json.RawMessage `json:"base_info"`
	}
	if err := json.Unmarshal(top[key], &typed); err != nil || len(typed.BaseInfo) == 0 {
		return nil, Card{}, Invalid(key+".base_info", "%s.base_info is required for card_type %s", key, cardType)
	}
	// The field-by-field rules run first, so that every refusal (a wrong type
	// included) names its field; the catalogue fields are then read from the
	// normalised object, whose numbers are numbers.
	inner, err := normalizeCardDefinition(cardType, inner, now)
	if err != nil {
		return nil, Card{}, err
	}
	if err := json.Unmarshal(inner, &top); err != nil {
		return nil, Card{}, Invalid("card", "card must be a JSON object")
	}
	typed.BaseInfo = nil
	if err := json.Unmarshal(top[key], &typed); err != nil || len(typed.BaseInfo) == 0 {
		return nil, Card{}, Invalid(key+".base_info", "%s.base_info is required for card_type %s", key, cardType)
	}
	var bi cardBaseInfo
	if err := json.Unmarshal(typed.BaseInfo, &bi); err != nil {
		return nil, Card{}, Invalid(key+".base_info", "base_info has a field of the wrong type")
	}
	di := DateInfo{
		Type:           ParseDateType(bi.DateInfo.Type),
		BeginTimestamp: int64(bi.DateInfo.BeginTimestamp),
		EndTimestamp:   int64(bi.DateInfo.EndTimestamp),
		FixedTerm:      int(bi.DateInfo.FixedTerm),
		FixedBeginTerm: int(bi.DateInfo.FixedBeginTerm),
	}
	card := Card{
		CardType:      cardType,
		Title:         bi.Title,
		BrandName:     bi.BrandName,
		LogoURL:       bi.LogoURL,
		Color:         bi.Color,
		Status:        CardNotVerify,
		Quantity:      int64(bi.Sku.Quantity),
		TotalQuantity: int64(bi.Sku.Quantity),
		DateInfo:      di,
		BindOpenID:    bi.BindOpenID,
		UseCustomCode: bi.UseCustomCode,
		GetLimit:      int(bi.GetLimit),
		Definition:    inner,
	}
	return inner, card, nil
}

// ParseDateType accepts the current string types and the old integer ones (1 range, 2 term).
func ParseDateType(v any) string {
	switch t := v.(type) {
	case string:
		switch t {
		case DateFixTimeRange, DateFixTerm, DatePermanent:
			return t
		case "1":
			return DateFixTimeRange
		case "2":
			return DateFixTerm
		}
	case float64:
		switch t {
		case 1:
			return DateFixTimeRange
		case 2:
			return DateFixTerm
		}
	}
	return ""
}
