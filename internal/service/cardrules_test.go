package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rulesNow is the clock of the rule tests; validity windows are built around it.
var rulesNow = time.Unix(1_750_000_000, 0)

const rulesDay = 24 * 60 * 60

func rulesBaseInfo() map[string]any {
	return map[string]any{
		"logo_url":    "http://mmbiz.qpic.cn/mmbiz/logo/0",
		"code_type":   "CODE_TYPE_QRCODE",
		"brand_name":  "微信餐厅",
		"title":       "满100减10",
		"color":       "Color010",
		"notice":      "使用时向服务员出示此券",
		"description": "不可与其他优惠同享\n如有疑问请联系客服",
		"sku":         map[string]any{"quantity": 500},
		"date_info": map[string]any{
			"type":            "DATE_TYPE_FIX_TIME_RANGE",
			"begin_timestamp": rulesNow.Unix() - rulesDay,
			"end_timestamp":   rulesNow.Unix() + 30*rulesDay,
		},
	}
}

// rulesObject is a valid type object of each card type.
func rulesObject(cardType string) map[string]any {
	m := map[string]any{"base_info": rulesBaseInfo()}
	switch cardType {
	case "GROUPON":
		m["deal_detail"] = "双人套餐一份"
	case "CASH":
		m["least_cost"], m["reduce_cost"] = 10000, 1000
	case "DISCOUNT":
		m["discount"] = 30
	case "GIFT":
		m["gift"] = "可兑换咖啡一杯"
	case "GENERAL_COUPON":
		m["default_detail"] = "全场九折"
	case "MEMBER_CARD":
		m["prerogative"] = "会员享受全场九折"
		m["supply_bonus"], m["supply_balance"] = false, false
		m["base_info"].(map[string]any)["date_info"] = map[string]any{"type": "DATE_TYPE_PERMANENT"}
	}
	return m
}

func baseOf(m map[string]any) map[string]any { return m["base_info"].(map[string]any) }
func dateOf(m map[string]any) map[string]any { return baseOf(m)["date_info"].(map[string]any) }

// checkRulesObject checks a card whose type object is m, as card creation does.
func checkRulesObject(t *testing.T, cardType string, m map[string]any) ([]byte, error) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"card_type": cardType, cardTypes[cardType]: m})
	if err != nil {
		t.Fatal(err)
	}
	return normalizeCardDefinition(cardType, body, rulesNow)
}

// wantInvalid asserts an invalid_argument naming field in details.field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) || se.Kind != KindInvalid {
		t.Fatalf("err = %v, want invalid_argument for %s", err, field)
	}
	if got := se.Details["field"]; got != field {
		t.Errorf("details.field = %v, want %s (message: %s)", got, field, se.Message)
	}
	if !strings.Contains(se.Message, field) && field != "card" {
		t.Errorf("message %q does not name %s", se.Message, field)
	}
}

func TestValidateCardDefinitionAcceptsEveryType(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"GROUPON", "CASH", "DISCOUNT", "GIFT", "GENERAL_COUPON", "MEMBER_CARD"} {
		t.Run(ct, func(t *testing.T) {
			t.Parallel()
			if _, err := checkRulesObject(t, ct, rulesObject(ct)); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}
}

func TestValidateCardDefinitionAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cardType string
		mutate   func(m map[string]any)
	}{
		{"title of 20 Latin letters", "CASH", func(m map[string]any) { baseOf(m)["title"] = strings.Repeat("a", 20) }},
		{"title of 27 Latin letters", "CASH", func(m map[string]any) { baseOf(m)["title"] = strings.Repeat("a", 27) }},
		{"title of 9 汉字 (27 bytes)", "CASH", func(m map[string]any) { baseOf(m)["title"] = strings.Repeat("券", 9) }},
		{"brand_name of 12 汉字", "CASH", func(m map[string]any) { baseOf(m)["brand_name"] = strings.Repeat("店", 12) }},
		{"description of 1024 汉字", "CASH", func(m map[string]any) { baseOf(m)["description"] = strings.Repeat("说", 1024) }},
		{"deal_detail of 1024 汉字", "GROUPON", func(m map[string]any) { m["deal_detail"] = strings.Repeat("团", 1024) }},
		{"code_type CODE_TYPE_ONLY_BARCODE (22 bytes)", "CASH", func(m map[string]any) { baseOf(m)["code_type"] = "CODE_TYPE_ONLY_BARCODE" }},
		{"code_type CODE_TYPE_NONE", "CASH", func(m map[string]any) { baseOf(m)["code_type"] = "CODE_TYPE_NONE" }},
		{"colour Color102", "CASH", func(m map[string]any) { baseOf(m)["color"] = "Color102" }},
		{"timestamps as strings", "CASH", func(m map[string]any) {
			dateOf(m)["begin_timestamp"] = "1749913600"
			dateOf(m)["end_timestamp"] = "1760000000"
		}},
		{"range beginning in the future", "CASH", func(m map[string]any) {
			dateOf(m)["begin_timestamp"] = rulesNow.Unix() + rulesDay
		}},
		{"old date type 1", "CASH", func(m map[string]any) { dateOf(m)["type"] = 1 }},
		{"old date type \"2\" with fixed_term", "CASH", func(m map[string]any) {
			baseOf(m)["date_info"] = map[string]any{"type": "2", "fixed_term": 30}
		}},
		{"fixed term without fixed_begin_term", "CASH", func(m map[string]any) {
			baseOf(m)["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30}
		}},
		{"fixed term of 0 days from the rulesDay of receipt", "CASH", func(m map[string]any) {
			baseOf(m)["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 0, "fixed_begin_term": 0}
		}},
		{"fixed term with a future end_timestamp", "CASH", func(m map[string]any) {
			baseOf(m)["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 1, "end_timestamp": rulesNow.Unix() + rulesDay}
		}},
		{"fixed term with end_timestamp 0 (none)", "CASH", func(m map[string]any) {
			baseOf(m)["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "end_timestamp": 0}
		}},
		{"quantity 100000000", "CASH", func(m map[string]any) { baseOf(m)["sku"] = map[string]any{"quantity": 100000000} }},
		{"quantity as a string", "CASH", func(m map[string]any) { baseOf(m)["sku"] = map[string]any{"quantity": "500"} }},
		{"quantity 0 with deposit mode", "CASH", func(m map[string]any) {
			baseOf(m)["sku"] = map[string]any{"quantity": 0}
			baseOf(m)["use_custom_code"] = true
			baseOf(m)["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
		}},
		{"get_limit above the quantity", "CASH", func(m map[string]any) {
			baseOf(m)["sku"] = map[string]any{"quantity": 1}
			baseOf(m)["get_limit"] = 5
		}},
		{"get_limit and use_limit 1", "CASH", func(m map[string]any) { baseOf(m)["get_limit"], baseOf(m)["use_limit"] = 1, "1" }},
		{"booleans", "CASH", func(m map[string]any) {
			for _, f := range []string{"use_custom_code", "bind_openid", "can_share", "can_give_friend", "use_all_locations"} {
				baseOf(m)[f] = false
			}
		}},
		{"location ids as numbers and strings", "CASH", func(m map[string]any) { baseOf(m)["location_id_list"] = []any{123, "12321"} }},
		{"use_all_locations with an empty list", "CASH", func(m map[string]any) {
			baseOf(m)["use_all_locations"] = true
			baseOf(m)["location_id_list"] = []any{}
		}},
		{"use_all_locations false with a list", "CASH", func(m map[string]any) {
			baseOf(m)["use_all_locations"] = false
			baseOf(m)["location_id_list"] = []any{1, 2}
		}},
		{"the seed's mini-program entries", "MEMBER_CARD", func(m map[string]any) {
			b := baseOf(m)
			b["custom_url_name"], b["custom_url"] = "立即使用", "http://www.qq.com"
			b["custom_app_brand_user_name"], b["custom_app_brand_pass"] = "gh_86a091e50ad4@app", "API/cardPage"
			b["custom_url_sub_title"] = "6个汉字tips"
			b["promotion_url_name"], b["promotion_url"] = "更多优惠", "http://www.qq.com"
			b["promotion_app_brand_user_name"], b["promotion_app_brand_pass"] = "gh_86a091e50ad4@app", "API/cardPage"
			m["activate_app_brand_user_name"], m["activate_app_brand_pass"] = "gh_86a091e50ad4@app", "API/cardPage"
		}},
		{"centre entry with a page path and a query", "CASH", func(m map[string]any) {
			baseOf(m)["center_title"] = "立即使用"
			baseOf(m)["center_app_brand_user_name"] = "gh_86a091e50ad4@app"
			baseOf(m)["center_app_brand_pass"] = "pages/card/index.html?card_id=p1&from=card"
		}},
		{"user name without a page, URL or entry name", "CASH", func(m map[string]any) {
			baseOf(m)["promotion_app_brand_user_name"] = "gh_86a091e50ad4@app"
		}},
		{"empty mini-program entries", "CASH", func(m map[string]any) {
			baseOf(m)["custom_app_brand_user_name"], baseOf(m)["custom_app_brand_pass"] = "", ""
		}},
		{"null optional fields", "CASH", func(m map[string]any) {
			baseOf(m)["get_limit"], baseOf(m)["can_share"], baseOf(m)["sub_title"] = nil, nil, nil
		}},
		{"null advanced_info", "CASH", func(m map[string]any) { m["advanced_info"] = nil }},
		{"least_cost 0 (no threshold)", "CASH", func(m map[string]any) { m["least_cost"] = 0 }},
		{"discount 1 and amounts as strings", "DISCOUNT", func(m map[string]any) { m["discount"] = "1" }},
		{"discount 99", "DISCOUNT", func(m map[string]any) { m["discount"] = 99 }},
		{"unknown fields", "GENERAL_COUPON", func(m map[string]any) {
			baseOf(m)["sub_merchant_info"] = map[string]any{"merchant_id": 12}
			baseOf(m)["pay_info"] = map[string]any{"swipe_card": map[string]any{"is_swipe_card": true}}
			m["emoji"] = "🎁"
		}},
		{"the Koa back end's advanced_info", "GENERAL_COUPON", func(m map[string]any) {
			m["advanced_info"] = map[string]any{
				"use_condition": map[string]any{"can_use_with_other_discount": true},
				"abstract":      map[string]any{"abstract": "摘要", "icon_url_list": []any{"http://mmbiz.qpic.cn/mmbiz/p/0"}},
				"time_limit":    []any{map[string]any{"type": "HOLIDAY"}},
				"business_service": []any{"BIZ_SERVICE_FREE_WIFI", "BIZ_SERVICE_WITH_PET",
					"BIZ_SERVICE_FREE_PARK", "BIZ_SERVICE_DELIVER"},
			}
		}},
		{"full advanced_info", "CASH", func(m map[string]any) {
			m["advanced_info"] = map[string]any{
				"use_condition": map[string]any{"accept_category": "鞋类", "reject_category": "阿迪达斯",
					"least_cost": "10000", "object_use_for": "鞋", "can_use_with_other_discount": false},
				"abstract":        map[string]any{"abstract": "摘要", "icon_url_list": []any{}},
				"text_image_list": []any{map[string]any{"image_url": "http://mmbiz.qpic.cn/mmbiz/t/0", "text": "门店"}},
				"time_limit": []any{
					map[string]any{"type": "MONDAY", "begin_hour": 0, "begin_minute": "0", "end_hour": 23, "end_minute": 59},
					map[string]any{"type": "SUNDAY", "begin_hour": 10, "end_hour": 20},
				},
				"share_friends": true,
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := rulesObject(tt.cardType)
			tt.mutate(m)
			if _, err := checkRulesObject(t, tt.cardType, m); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}
}

func TestValidateCardDefinitionRefuses(t *testing.T) {
	t.Parallel()
	set := func(field string, v any) func(map[string]any) {
		return func(m map[string]any) { baseOf(m)[field] = v }
	}
	unset := func(field string) func(map[string]any) {
		return func(m map[string]any) { delete(baseOf(m), field) }
	}
	setDate := func(field string, v any) func(map[string]any) {
		return func(m map[string]any) { dateOf(m)[field] = v }
	}
	dateInfo := func(d map[string]any) func(map[string]any) { return set("date_info", d) }
	setTop := func(field string, v any) func(map[string]any) {
		return func(m map[string]any) { m[field] = v }
	}
	advanced := func(ai map[string]any) func(map[string]any) { return setTop("advanced_info", ai) }
	future := rulesNow.Unix() + 30*rulesDay
	tests := []struct {
		name     string
		cardType string // CASH when empty
		mutate   func(m map[string]any)
		field    string
	}{
		// Required fields.
		{"no base_info", "", func(m map[string]any) { delete(m, "base_info") }, "base_info"},
		{"base_info not an object", "", setTop("base_info", "x"), "base_info"},
		{"no logo_url", "", unset("logo_url"), "base_info.logo_url"},
		{"no code_type", "", unset("code_type"), "base_info.code_type"},
		{"no brand_name", "", unset("brand_name"), "base_info.brand_name"},
		{"no title", "", unset("title"), "base_info.title"},
		{"title is a number", "", set("title", 10), "base_info.title"},
		{"no color", "", unset("color"), "base_info.color"},
		{"blank notice", "", set("notice", "  "), "base_info.notice"},
		{"no description", "", unset("description"), "base_info.description"},
		{"no sku", "", unset("sku"), "base_info.sku"},
		{"sku not an object", "", set("sku", 5), "base_info.sku"},
		{"sku without quantity", "", set("sku", map[string]any{}), "base_info.sku.quantity"},
		{"no date_info", "", unset("date_info"), "base_info.date_info"},
		{"date_info without type", "", dateInfo(map[string]any{"fixed_term": 3}), "base_info.date_info.type"},
		{"fixed range without begin_timestamp", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "end_timestamp": future}), "base_info.date_info.begin_timestamp"},
		{"fixed range without end_timestamp", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 1}), "base_info.date_info.end_timestamp"},
		{"fixed term without fixed_term", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_begin_term": 0}), "base_info.date_info.fixed_term"},
		{"CASH without least_cost", "CASH", func(m map[string]any) { delete(m, "least_cost") }, "least_cost"},
		{"CASH without reduce_cost", "CASH", func(m map[string]any) { delete(m, "reduce_cost") }, "reduce_cost"},
		{"DISCOUNT without discount", "DISCOUNT", func(m map[string]any) { delete(m, "discount") }, "discount"},
		{"GROUPON without deal_detail", "GROUPON", func(m map[string]any) { delete(m, "deal_detail") }, "deal_detail"},
		{"GIFT with a blank gift", "GIFT", setTop("gift", " "), "gift"},
		{"GENERAL_COUPON without default_detail", "GENERAL_COUPON", func(m map[string]any) { delete(m, "default_detail") }, "default_detail"},
		{"MEMBER_CARD without prerogative", "MEMBER_CARD", func(m map[string]any) { delete(m, "prerogative") }, "prerogative"},
		{"MEMBER_CARD with prerogative a number", "MEMBER_CARD", setTop("prerogative", 1), "prerogative"},

		// Lengths in UTF-8 bytes.
		{"title of 10 汉字 (30 bytes)", "", set("title", strings.Repeat("券", 10)), "base_info.title"},
		{"title of 28 Latin letters", "", set("title", strings.Repeat("a", 28)), "base_info.title"},
		{"logo_url of 129 bytes", "", set("logo_url", "http://"+strings.Repeat("a", 122)), "base_info.logo_url"},
		{"brand_name of 13 汉字", "", set("brand_name", strings.Repeat("店", 13)), "base_info.brand_name"},
		{"notice of 17 汉字", "", set("notice", strings.Repeat("示", 17)), "base_info.notice"},
		{"description of 1025 汉字", "", set("description", strings.Repeat("说", 1025)), "base_info.description"},
		{"sub_title of 19 汉字", "", set("sub_title", strings.Repeat("副", 19)), "base_info.sub_title"},
		{"get_custom_code_mode of 33 bytes", "", set("get_custom_code_mode", strings.Repeat("M", 33)), "base_info.get_custom_code_mode"},
		{"service_phone of 25 bytes", "", set("service_phone", strings.Repeat("1", 25)), "base_info.service_phone"},
		{"source of 13 汉字", "", set("source", strings.Repeat("源", 13)), "base_info.source"},
		{"center_title of 7 汉字", "", set("center_title", strings.Repeat("用", 7)), "base_info.center_title"},
		{"center_sub_title of 9 汉字", "", set("center_sub_title", strings.Repeat("用", 9)), "base_info.center_sub_title"},
		{"center_url of 129 bytes", "", set("center_url", strings.Repeat("u", 129)), "base_info.center_url"},
		{"custom_url_name of 6 汉字", "", set("custom_url_name", strings.Repeat("用", 6)), "base_info.custom_url_name"},
		{"custom_url of 129 bytes", "", set("custom_url", strings.Repeat("u", 129)), "base_info.custom_url"},
		{"custom_url_sub_title of 7 汉字", "", set("custom_url_sub_title", strings.Repeat("用", 7)), "base_info.custom_url_sub_title"},
		{"promotion_url_name of 16 bytes", "", set("promotion_url_name", strings.Repeat("p", 16)), "base_info.promotion_url_name"},
		{"promotion_url of 129 bytes", "", set("promotion_url", strings.Repeat("u", 129)), "base_info.promotion_url"},
		{"promotion_url_sub_title of 19 bytes", "", set("promotion_url_sub_title", strings.Repeat("p", 19)), "base_info.promotion_url_sub_title"},
		{"deal_detail of 3073 bytes", "GROUPON", setTop("deal_detail", strings.Repeat("d", 3073)), "deal_detail"},
		{"gift of 1025 汉字", "GIFT", setTop("gift", strings.Repeat("礼", 1025)), "gift"},
		{"default_detail of 3073 bytes", "GENERAL_COUPON", setTop("default_detail", strings.Repeat("d", 3073)), "default_detail"},
		{"prerogative of 3073 bytes", "MEMBER_CARD", setTop("prerogative", strings.Repeat("p", 3073)), "prerogative"},

		// code_type and colour.
		{"code_type not in the list", "", set("code_type", "CODE_TYPE_QR"), "base_info.code_type"},
		{"colour not in the list", "", set("color", "Color011"), "base_info.color"},
		{"colour as its hex value", "", set("color", "#63b359"), "base_info.color"},
		{"colour in lower case", "", set("color", "color010"), "base_info.color"},

		// Validity.
		{"fixed range ending in the past", "", setDate("end_timestamp", rulesNow.Unix()-1), "base_info.date_info.end_timestamp"},
		{"fixed range ending now", "", func(m map[string]any) {
			dateOf(m)["begin_timestamp"] = rulesNow.Unix() - rulesDay
			dateOf(m)["end_timestamp"] = rulesNow.Unix()
		}, "base_info.date_info.end_timestamp"},
		{"begin after end", "", setDate("begin_timestamp", future+1), "base_info.date_info.begin_timestamp"},
		{"begin equal to end", "", setDate("begin_timestamp", future), "base_info.date_info.begin_timestamp"},
		{"negative begin_timestamp", "", setDate("begin_timestamp", -1), "base_info.date_info.begin_timestamp"},
		{"timestamp as a word", "", setDate("end_timestamp", "soon"), "base_info.date_info.end_timestamp"},
		{"timestamp with a fraction", "", setDate("end_timestamp", 1760000000.5), "base_info.date_info.end_timestamp"},
		{"timestamp as a boolean", "", setDate("begin_timestamp", true), "base_info.date_info.begin_timestamp"},
		{"unknown date type", "", setDate("type", "DATE_TYPE_SOMETIMES"), "base_info.date_info.type"},
		{"old date type 3", "", setDate("type", 3), "base_info.date_info.type"},
		{"permanent for a coupon", "", dateInfo(map[string]any{"type": "DATE_TYPE_PERMANENT"}), "base_info.date_info.type"},
		{"fixed term with a negative fixed_term", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": -1}), "base_info.date_info.fixed_term"},
		{"fixed term with a negative fixed_begin_term", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 3, "fixed_begin_term": "-2"}), "base_info.date_info.fixed_begin_term"},
		{"fixed term with end_timestamp in the past", "", dateInfo(map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 3, "end_timestamp": rulesNow.Unix() - rulesDay}), "base_info.date_info.end_timestamp"},
		{"date_info not an object", "", set("date_info", "DATE_TYPE_FIX_TERM"), "base_info.date_info"},

		// Stock.
		{"quantity 100000001", "", set("sku", map[string]any{"quantity": 100000001}), "base_info.sku.quantity"},
		{"quantity 0", "", set("sku", map[string]any{"quantity": 0}), "base_info.sku.quantity"},
		{"quantity negative", "", set("sku", map[string]any{"quantity": "-5"}), "base_info.sku.quantity"},
		{"quantity as a word", "", set("sku", map[string]any{"quantity": "many"}), "base_info.sku.quantity"},
		{"quantity 5 with deposit mode", "", func(m map[string]any) {
			baseOf(m)["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
			baseOf(m)["sku"] = map[string]any{"quantity": 5}
		}, "base_info.sku.quantity"},

		// Per-user limits and booleans.
		{"get_limit 0", "", set("get_limit", 0), "base_info.get_limit"},
		{"use_limit -1", "", set("use_limit", -1), "base_info.use_limit"},
		{"get_limit as a word", "", set("get_limit", "two"), "base_info.get_limit"},
		{"can_share as the string true", "", set("can_share", "true"), "base_info.can_share"},
		{"can_give_friend as 1", "", set("can_give_friend", 1), "base_info.can_give_friend"},
		{"use_custom_code as a string", "", set("use_custom_code", "false"), "base_info.use_custom_code"},
		{"bind_openid as 0", "", set("bind_openid", 0), "base_info.bind_openid"},
		{"use_all_locations as a string", "", set("use_all_locations", "true"), "base_info.use_all_locations"},
		{"need_push_on_view as a string", "", set("need_push_on_view", "yes"), "base_info.need_push_on_view"},

		// Stores.
		{"location_id_list not an array", "", set("location_id_list", 123), "base_info.location_id_list"},
		{"location_id_list with a word", "", set("location_id_list", []any{123, "shop"}), "base_info.location_id_list[1]"},
		{"use_all_locations with a location list", "", func(m map[string]any) {
			baseOf(m)["use_all_locations"] = true
			baseOf(m)["location_id_list"] = []any{123}
		}, "base_info.use_all_locations"},

		// Mini-program entries.
		{"custom_app_brand_user_name without @app", "", set("custom_app_brand_user_name", "gh_86a091e50ad4"), "base_info.custom_app_brand_user_name"},
		{"center_app_brand_user_name an appid", "", set("center_app_brand_user_name", "wx86a091e50ad4abcd@app"), "base_info.center_app_brand_user_name"},
		{"promotion_app_brand_user_name without an id", "", set("promotion_app_brand_user_name", "gh_@app"), "base_info.promotion_app_brand_user_name"},
		{"custom_app_brand_user_name with a space", "", set("custom_app_brand_user_name", "gh_86a091 e50ad4@app"), "base_info.custom_app_brand_user_name"},
		{"custom_app_brand_user_name a number", "", set("custom_app_brand_user_name", 86), "base_info.custom_app_brand_user_name"},
		{"custom_app_brand_pass without user_name", "", set("custom_app_brand_pass", "API/cardPage"), "base_info.custom_app_brand_user_name"},
		{"activate_app_brand_user_name without @app", "MEMBER_CARD", setTop("activate_app_brand_user_name", "gh_86a091e50ad4"), "activate_app_brand_user_name"},
		{"activate_app_brand_pass without user_name", "MEMBER_CARD", setTop("activate_app_brand_pass", "API/activate"), "activate_app_brand_user_name"},
	}
	for _, pass := range []struct{ name, pass string }{
		{"an https URL", "https://example.com/pages/card"},
		{"a leading slash", "/pages/card/index"},
		{"an empty segment", "pages//index"},
		{"a dot-dot segment", "pages/../index"},
		{"a space", "pages/card index"},
		{"a trailing slash", "pages/card/"},
		{"a query only", "?id=1"},
	} {
		tests = append(tests, struct {
			name     string
			cardType string
			mutate   func(m map[string]any)
			field    string
		}{"custom_app_brand_pass with " + pass.name, "", func(m map[string]any) {
			baseOf(m)["custom_app_brand_user_name"] = "gh_86a091e50ad4@app"
			baseOf(m)["custom_app_brand_pass"] = pass.pass
		}, "base_info.custom_app_brand_pass"})
	}
	tests = append(tests, []struct {
		name     string
		cardType string
		mutate   func(m map[string]any)
		field    string
	}{
		// The type's own values.
		{"least_cost negative", "CASH", setTop("least_cost", -1), "least_cost"},
		{"reduce_cost 0", "CASH", setTop("reduce_cost", 0), "reduce_cost"},
		{"reduce_cost in yuan with a fraction", "CASH", setTop("reduce_cost", 9.9), "reduce_cost"},
		{"reduce_cost as a word", "CASH", setTop("reduce_cost", "ten"), "reduce_cost"},
		{"discount 100", "DISCOUNT", setTop("discount", 100), "discount"},
		{"discount 0", "DISCOUNT", setTop("discount", 0), "discount"},
		{"discount 8.5", "DISCOUNT", setTop("discount", 8.5), "discount"},

		// advanced_info.
		{"advanced_info a string", "", setTop("advanced_info", "none"), "advanced_info"},
		{"advanced_info an array", "", setTop("advanced_info", []any{}), "advanced_info"},
		{"use_condition not an object", "", advanced(map[string]any{"use_condition": "all"}), "advanced_info.use_condition"},
		{"use_condition least_cost as a word", "", advanced(map[string]any{"use_condition": map[string]any{"least_cost": "lots"}}), "advanced_info.use_condition.least_cost"},
		{"use_condition least_cost negative", "", advanced(map[string]any{"use_condition": map[string]any{"least_cost": -1}}), "advanced_info.use_condition.least_cost"},
		{"can_use_with_other_discount as a string", "", advanced(map[string]any{"use_condition": map[string]any{"can_use_with_other_discount": "true"}}), "advanced_info.use_condition.can_use_with_other_discount"},
		{"two cover images", "", advanced(map[string]any{"abstract": map[string]any{"abstract": "a", "icon_url_list": []any{"http://a/0", "http://b/0"}}}), "advanced_info.abstract.icon_url_list"},
		{"icon_url_list a string", "", advanced(map[string]any{"abstract": map[string]any{"icon_url_list": "http://a/0"}}), "advanced_info.abstract.icon_url_list"},
		{"icon_url_list with a number", "", advanced(map[string]any{"abstract": map[string]any{"icon_url_list": []any{1}}}), "advanced_info.abstract.icon_url_list[0]"},
		{"abstract text a number", "", advanced(map[string]any{"abstract": map[string]any{"abstract": 1}}), "advanced_info.abstract.abstract"},
		{"text_image_list item without text", "", advanced(map[string]any{"text_image_list": []any{map[string]any{"image_url": "http://a/0"}}}), "advanced_info.text_image_list[0].text"},
		{"text_image_list item without image_url", "", advanced(map[string]any{"text_image_list": []any{
			map[string]any{"image_url": "http://a/0", "text": "t"}, map[string]any{"text": "t"}}}), "advanced_info.text_image_list[1].image_url"},
		{"text_image_list item a string", "", advanced(map[string]any{"text_image_list": []any{"http://a/0"}}), "advanced_info.text_image_list[0]"},
		{"time_limit type FUNDAY", "", advanced(map[string]any{"time_limit": []any{map[string]any{"type": "FUNDAY"}}}), "advanced_info.time_limit[0].type"},
		{"time_limit without type", "", advanced(map[string]any{"time_limit": []any{map[string]any{"begin_hour": 1}}}), "advanced_info.time_limit[0].type"},
		{"time_limit begin_hour 24", "", advanced(map[string]any{"time_limit": []any{
			map[string]any{"type": "MONDAY"}, map[string]any{"type": "TUESDAY", "begin_hour": 24}}}), "advanced_info.time_limit[1].begin_hour"},
		{"time_limit end_minute 60", "", advanced(map[string]any{"time_limit": []any{map[string]any{"type": "MONDAY", "end_minute": 60}}}), "advanced_info.time_limit[0].end_minute"},
		{"time_limit end_hour negative", "", advanced(map[string]any{"time_limit": []any{map[string]any{"type": "MONDAY", "end_hour": -1}}}), "advanced_info.time_limit[0].end_hour"},
		{"time_limit not an array", "", advanced(map[string]any{"time_limit": map[string]any{"type": "MONDAY"}}), "advanced_info.time_limit"},
		{"business_service unknown", "", advanced(map[string]any{"business_service": []any{"BIZ_SERVICE_FREE_WIFI", "BIZ_SERVICE_KARAOKE"}}), "advanced_info.business_service[1]"},
		{"share_friends as a string", "", advanced(map[string]any{"share_friends": "true"}), "advanced_info.share_friends"},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct := tt.cardType
			if ct == "" {
				ct = "CASH"
			}
			m := rulesObject(ct)
			tt.mutate(m)
			_, err := checkRulesObject(t, ct, m)
			wantInvalid(t, err, tt.field)
		})
	}
}

func TestNormalizeCardDefinitionRewritesNumbersOnly(t *testing.T) {
	t.Parallel()
	// Key order, unknown fields, big and decimal numbers, escapes: all as sent,
	// except integers sent as strings, the old date type, and \u escapes.
	in := `{"card_type":"CASH","cash":{"base_info":{"logo_url":"http://mmbiz.qpic.cn/l/0","code_type":"CODE_TYPE_TEXT",` +
		`"brand_name":"\u5fae\u4fe1<&>","title":"满100减10","color":"Color010","notice":"出示","description":"a\nb \"c\"",` +
		`"sku":{"quantity":"500","total_quantity":"keep"},` +
		`"date_info":{"type":1,"begin_timestamp":"1749913600","end_timestamp":1760000000},` +
		`"get_limit":"2","use_limit":3,"location_id_list":["12","34"],"can_share":false,` +
		`"sub_merchant_info":{"merchant_id":"12345678901234567890","ratio":1.50,"big":12345678901234567890}},` +
		`"least_cost":"10000","reduce_cost":1000,` +
		`"advanced_info":{"time_limit":[{"type":"MONDAY","begin_hour":"9","end_hour":"21"}],"use_condition":{"least_cost":"5"}},` +
		`"x_extra":[null,true,{"z":1,"a":2}]},"zz_top":"kept"}`
	want := `{"card_type":"CASH","cash":{"base_info":{"logo_url":"http://mmbiz.qpic.cn/l/0","code_type":"CODE_TYPE_TEXT",` +
		`"brand_name":"微信<&>","title":"满100减10","color":"Color010","notice":"出示","description":"a\nb \"c\"",` +
		`"sku":{"quantity":500,"total_quantity":"keep"},` +
		`"date_info":{"type":"DATE_TYPE_FIX_TIME_RANGE","begin_timestamp":1749913600,"end_timestamp":1760000000},` +
		`"get_limit":2,"use_limit":3,"location_id_list":[12,34],"can_share":false,` +
		`"sub_merchant_info":{"merchant_id":"12345678901234567890","ratio":1.50,"big":12345678901234567890}},` +
		`"least_cost":10000,"reduce_cost":1000,` +
		`"advanced_info":{"time_limit":[{"type":"MONDAY","begin_hour":9,"end_hour":21}],"use_condition":{"least_cost":5}},` +
		`"x_extra":[null,true,{"z":1,"a":2}]},"zz_top":"kept"}`
	got, err := normalizeCardDefinition("CASH", []byte(in), rulesNow)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Whatever was not rewritten means the same as before.
	var before, after map[string]any
	decode := func(b []byte, v any) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	decode([]byte(in), &before)
	decode(got, &after)
	for _, k := range []string{"zz_top", "card_type"} {
		if !reflect.DeepEqual(after[k], before[k]) {
			t.Errorf("%s = %v, want %v", k, after[k], before[k])
		}
	}
	cashBefore, cashAfter := before["cash"].(map[string]any), after["cash"].(map[string]any)
	if !reflect.DeepEqual(cashAfter["x_extra"], cashBefore["x_extra"]) {
		t.Errorf("x_extra = %v, want %v", cashAfter["x_extra"], cashBefore["x_extra"])
	}
	smBefore := cashBefore["base_info"].(map[string]any)["sub_merchant_info"]
	smAfter := cashAfter["base_info"].(map[string]any)["sub_merchant_info"]
	if !reflect.DeepEqual(smAfter, smBefore) {
		t.Errorf("sub_merchant_info = %v, want %v", smAfter, smBefore)
	}
}

func TestNormalizeCardDefinitionKeepsAValidDefinition(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"GROUPON", "CASH", "DISCOUNT", "GIFT", "GENERAL_COUPON", "MEMBER_CARD"} {
		t.Run(ct, func(t *testing.T) {
			t.Parallel()
			card := map[string]any{"card_type": ct, cardTypes[ct]: rulesObject(ct)}
			in, _ := json.Marshal(card)
			got, err := normalizeCardDefinition(ct, in, rulesNow)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(in, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(b, a) {
				t.Errorf("got %s, want the same meaning as %s", got, in)
			}
		})
	}
}

func TestNormalizeCardDefinitionRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cardType, body, field string
	}{
		{"unknown card type", "LOTTERY", `{"card_type":"LOTTERY"}`, "card_type"},
		{"not an object", "CASH", `[1]`, "card"},
		{"no type object", "CASH", `{"card_type":"CASH"}`, "cash"},
		{"type object a string", "CASH", `{"card_type":"CASH","cash":"x"}`, "cash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := normalizeCardDefinition(tt.cardType, []byte(tt.body), rulesNow)
			wantInvalid(t, err, tt.field)
		})
	}
}

func TestParseCardDefinitionReturnsTheNormalisedCard(t *testing.T) {
	t.Parallel()
	end := time.Now().Unix() + 30*rulesDay
	m := validDef()
	bi := m["cash"].(map[string]any)["base_info"].(map[string]any)
	bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": "30", "end_timestamp": rulesItoa(end)}
	bi["promotion_app_brand_user_name"] = "gh_86a091e50ad4@app"
	bi["x_unknown"] = map[string]any{"kept": "yes"}
	body, _ := json.Marshal(map[string]any{"card": m})
	inner, card, err := parseCardDefinition(body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Cash struct {
			BaseInfo struct {
				Sku      map[string]any `json:"sku"`
				DateInfo map[string]any `json:"date_info"`
				Unknown  map[string]any `json:"x_unknown"`
			} `json:"base_info"`
		} `json:"cash"`
	}
	if err := json.Unmarshal(inner, &got); err != nil {
		t.Fatal(err)
	}
	if q, ok := got.Cash.BaseInfo.Sku["quantity"].(float64); !ok || q != 500 {
		t.Errorf("sku.quantity = %#v, want the number 500", got.Cash.BaseInfo.Sku["quantity"])
	}
	if v, ok := got.Cash.BaseInfo.DateInfo["end_timestamp"].(float64); !ok || int64(v) != end {
		t.Errorf("date_info.end_timestamp = %#v, want the number %d", got.Cash.BaseInfo.DateInfo["end_timestamp"], end)
	}
	if v, ok := got.Cash.BaseInfo.DateInfo["fixed_term"].(float64); !ok || v != 30 {
		t.Errorf("date_info.fixed_term = %#v, want the number 30", got.Cash.BaseInfo.DateInfo["fixed_term"])
	}
	if got.Cash.BaseInfo.Unknown["kept"] != "yes" {
		t.Errorf("x_unknown = %v, want it kept", got.Cash.BaseInfo.Unknown)
	}
	if !bytes.Equal(card.Definition, inner) {
		t.Errorf("card.Definition = %s, want the normalised %s", card.Definition, inner)
	}
	want := DateInfo{Type: DateFixTerm, FixedTerm: 30, EndTimestamp: end}
	if card.DateInfo != want {
		t.Errorf("card.DateInfo = %+v, want %+v", card.DateInfo, want)
	}
}

func TestParseCardDefinitionAppliesTheRules(t *testing.T) {
	t.Parallel()
	m := validDef()
	m["cash"].(map[string]any)["base_info"].(map[string]any)["title"] = strings.Repeat("券", 10)
	body, _ := json.Marshal(m)
	_, _, err := parseCardDefinition(body, time.Now())
	wantInvalid(t, err, "base_info.title")
}

func rulesItoa(n int64) string { return strconv.FormatInt(n, 10) }

// Updates.

func rangeNow() DateInfo {
	return DateInfo{Type: DateFixTimeRange, BeginTimestamp: rulesNow.Unix() - rulesDay, EndTimestamp: rulesNow.Unix() + 30*rulesDay}
}

func rulesJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateCardUpdateRefuses(t *testing.T) {
	t.Parallel()
	cur := rangeNow()
	term := DateInfo{Type: DateFixTerm, FixedTerm: 30, FixedBeginTerm: 1, EndTimestamp: rulesNow.Unix() + 60*rulesDay}
	termNoEnd := DateInfo{Type: DateFixTerm, FixedTerm: 30}
	bi := func(fields map[string]any) map[string]any { return map[string]any{"base_info": fields} }
	rng := func(begin, end int64) map[string]any {
		return bi(map[string]any{"date_info": map[string]any{"type": DateFixTimeRange, "begin_timestamp": begin, "end_timestamp": end}})
	}
	tests := []struct {
		name     string
		cardType string // CASH when empty
		current  DateInfo
		patch    any // marshalled unless a string
		field    string
	}{
		// Not updatable.
		{"brand_name", "", cur, bi(map[string]any{"brand_name": "新店"}), "base_info.brand_name"},
		{"sku", "", cur, bi(map[string]any{"sku": map[string]any{"quantity": 10}}), "base_info.sku"},
		{"use_custom_code", "", cur, bi(map[string]any{"use_custom_code": true}), "base_info.use_custom_code"},
		{"bind_openid", "", cur, bi(map[string]any{"bind_openid": true}), "base_info.bind_openid"},
		{"get_custom_code_mode", "", cur, bi(map[string]any{"get_custom_code_mode": "GET_CUSTOM_CODE_MODE_DEPOSIT"}), "base_info.get_custom_code_mode"},
		{"source", "", cur, bi(map[string]any{"source": "大众点评"}), "base_info.source"},
		{"need_push_on_view", "", cur, bi(map[string]any{"need_push_on_view": true}), "base_info.need_push_on_view"},
		{"an unknown base_info field", "", cur, bi(map[string]any{"pay_info": map[string]any{}}), "base_info.pay_info"},
		{"card_type", "", cur, map[string]any{"card_type": "GIFT"}, "card_type"},
		{"least_cost", "CASH", cur, map[string]any{"least_cost": 0}, "least_cost"},
		{"reduce_cost", "CASH", cur, map[string]any{"reduce_cost": 500}, "reduce_cost"},
		{"discount", "DISCOUNT", cur, map[string]any{"discount": 20}, "discount"},
		{"advanced_info", "", cur, map[string]any{"advanced_info": map[string]any{"share_friends": true}}, "advanced_info"},
		{"the wrapped type object", "", cur, map[string]any{"cash": bi(map[string]any{"title": "x"})}, "cash"},
		{"another type's text field", "GROUPON", cur, map[string]any{"gift": "x"}, "gift"},
		{"activate_app_brand_user_name on a coupon", "", cur, bi(map[string]any{"activate_app_brand_user_name": "gh_86a091e50ad4@app"}), "base_info.activate_app_brand_user_name"},

		// Nothing to change, or not an object.
		{"an empty patch", "", cur, map[string]any{}, "base_info"},
		{"an empty base_info", "", cur, bi(map[string]any{}), "base_info"},
		{"base_info a string", "", cur, map[string]any{"base_info": "x"}, "base_info"},
		{"not JSON", "", cur, `{"base_info":`, "card"},

		// The create rules for what changes.
		{"title of 10 汉字 (30 bytes)", "", cur, bi(map[string]any{"title": strings.Repeat("券", 10)}), "base_info.title"},
		{"blank title", "", cur, bi(map[string]any{"title": ""}), "base_info.title"},
		{"blank logo_url", "", cur, bi(map[string]any{"logo_url": " "}), "base_info.logo_url"},
		{"notice of 17 汉字", "", cur, bi(map[string]any{"notice": strings.Repeat("示", 17)}), "base_info.notice"},
		{"colour not in the list", "", cur, bi(map[string]any{"color": "Color999"}), "base_info.color"},
		{"code_type not in the list", "", cur, bi(map[string]any{"code_type": "CODE_TYPE_NFC"}), "base_info.code_type"},
		{"get_limit 0", "", cur, bi(map[string]any{"get_limit": 0}), "base_info.get_limit"},
		{"use_limit as a word", "", cur, bi(map[string]any{"use_limit": "lots"}), "base_info.use_limit"},
		{"can_share as a string", "", cur, bi(map[string]any{"can_share": "false"}), "base_info.can_share"},
		{"use_all_locations with a location list", "", cur, bi(map[string]any{"use_all_locations": true, "location_id_list": []any{1}}), "base_info.use_all_locations"},
		{"custom_app_brand_user_name without @app", "", cur, bi(map[string]any{"custom_app_brand_user_name": "gh_86a091e50ad4"}), "base_info.custom_app_brand_user_name"},
		{"center_app_brand_pass with a leading slash", "", cur, bi(map[string]any{"center_app_brand_pass": "/API/cardPage"}), "base_info.center_app_brand_pass"},
		{"custom_url_name of 6 汉字", "", cur, bi(map[string]any{"custom_url_name": strings.Repeat("用", 6)}), "base_info.custom_url_name"},
		{"blank deal_detail", "GROUPON", cur, map[string]any{"deal_detail": ""}, "deal_detail"},
		{"gift of 3073 bytes", "GIFT", cur, map[string]any{"gift": strings.Repeat("g", 3073)}, "gift"},

		// Validity may only widen.
		{"narrowing the end", "", cur, rng(cur.BeginTimestamp, cur.EndTimestamp-1), "base_info.date_info"},
		{"moving the begin later", "", cur, rng(cur.BeginTimestamp+1, cur.EndTimestamp), "base_info.date_info"},
		{"changing the type", "", cur, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 365}}), "base_info.date_info"},
		{"shortening the term", "", term, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 29, "fixed_begin_term": 1, "end_timestamp": term.EndTimestamp}}), "base_info.date_info"},
		{"starting the term later", "", term, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 30, "fixed_begin_term": 2, "end_timestamp": term.EndTimestamp}}), "base_info.date_info"},
		{"moving the term's expiry earlier", "", term, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 30, "fixed_begin_term": 1, "end_timestamp": term.EndTimestamp - 1}}), "base_info.date_info"},
		{"adding an expiry to a term without one", "", termNoEnd, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 30, "end_timestamp": rulesNow.Unix() + 365*rulesDay}}), "base_info.date_info"},
		{"widening to an end still in the past", "", DateInfo{Type: DateFixTimeRange, BeginTimestamp: 1, EndTimestamp: 2}, rng(1, 3), "base_info.date_info.end_timestamp"},
		{"date_info without end_timestamp", "", cur, bi(map[string]any{"date_info": map[string]any{"type": DateFixTimeRange, "begin_timestamp": cur.BeginTimestamp}}), "base_info.date_info.end_timestamp"},
		{"date_info null", "", cur, bi(map[string]any{"date_info": nil}), "base_info.date_info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct := tt.cardType
			if ct == "" {
				ct = "CASH"
			}
			body, ok := tt.patch.(string)
			if !ok {
				body = string(rulesJSON(t, tt.patch))
			}
			_, err := validateCardUpdate(ct, []byte(body), tt.current, nil, rulesNow)
			wantInvalid(t, err, tt.field)
		})
	}
}

func TestValidateCardUpdateAccepts(t *testing.T) {
	t.Parallel()
	cur := rangeNow()
	term := DateInfo{Type: DateFixTerm, FixedTerm: 30, FixedBeginTerm: 1, EndTimestamp: rulesNow.Unix() + 60*rulesDay}
	bi := func(fields map[string]any) map[string]any { return map[string]any{"base_info": fields} }
	everything := map[string]any{
		"logo_url": "http://mmbiz.qpic.cn/l/1", "notice": "出示", "description": "新说明", "color": "Color090",
		"service_phone": "020-88888888", "location_id_list": []any{1, 2}, "use_all_locations": false,
		"center_title": "立即使用", "center_sub_title": "到店出示", "center_url": "http://www.qq.com",
		"center_app_brand_user_name": "gh_86a091e50ad4@app", "center_app_brand_pass": "API/cardPage",
		"custom_url_name": "立即使用", "custom_url": "http://www.qq.com", "custom_url_sub_title": "6个汉字tips",
		"custom_app_brand_user_name": "gh_86a091e50ad4@app", "custom_app_brand_pass": "API/cardPage",
		"promotion_url_name": "更多优惠", "promotion_url": "http://www.qq.com", "promotion_url_sub_title": "看看",
		"promotion_app_brand_user_name": "gh_86a091e50ad4@app", "promotion_app_brand_pass": "API/cardPage",
		"code_type": "CODE_TYPE_BARCODE", "get_limit": 3, "use_limit": 3, "can_share": true, "can_give_friend": false,
		"title": strings.Repeat("券", 9), "sub_title": "副标题",
	}
	tests := []struct {
		name     string
		cardType string
		current  DateInfo
		patch    map[string]any
	}{
		{"every updatable base_info field", "CASH", cur, bi(everything)},
		{"widening both ends", "CASH", cur, bi(map[string]any{"date_info": map[string]any{"type": DateFixTimeRange, "begin_timestamp": cur.BeginTimestamp - rulesDay, "end_timestamp": cur.EndTimestamp + rulesDay}})},
		{"the same window", "CASH", cur, bi(map[string]any{"date_info": map[string]any{"type": "1", "begin_timestamp": cur.BeginTimestamp, "end_timestamp": cur.EndTimestamp}})},
		{"a longer term, starting sooner, later expiry", "CASH", term, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 60, "fixed_begin_term": 0, "end_timestamp": term.EndTimestamp + rulesDay}})},
		{"dropping the term's expiry", "CASH", term, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 30, "fixed_begin_term": 1}})},
		{"unknown current validity", "CASH", DateInfo{}, bi(map[string]any{"date_info": map[string]any{"type": DateFixTerm, "fixed_term": 1}})},
		{"a page without its mini-program", "CASH", cur, bi(map[string]any{"custom_app_brand_pass": "pages/new/index"})},
		{"deal_detail", "GROUPON", cur, map[string]any{"deal_detail": "三人套餐"}},
		{"gift", "GIFT", cur, map[string]any{"gift": "蛋糕一块"}},
		{"default_detail and base_info", "GENERAL_COUPON", cur, map[string]any{"default_detail": "全场八折", "base_info": map[string]any{"title": "八折券"}}},
		{"member card prerogative and activation page", "MEMBER_CARD", DateInfo{Type: DatePermanent}, map[string]any{
			"prerogative": "九折", "activate_app_brand_user_name": "gh_86a091e50ad4@app", "activate_app_brand_pass": "pages/activate",
			"base_info": map[string]any{"date_info": map[string]any{"type": DatePermanent}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := validateCardUpdate(tt.cardType, rulesJSON(t, tt.patch), tt.current, nil, rulesNow); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}
}

func TestValidateCardUpdateNormalises(t *testing.T) {
	t.Parallel()
	cur := rangeNow()
	in := `{"base_info":{"title":"\u516b\u6298\u5238","date_info":{"type":1,"begin_timestamp":"` + rulesItoa(cur.BeginTimestamp) +
		`","end_timestamp":"` + rulesItoa(cur.EndTimestamp+rulesDay) + `"},"get_limit":"4","location_id_list":["7"]}}`
	want := `{"base_info":{"title":"八折券","date_info":{"type":"DATE_TYPE_FIX_TIME_RANGE","begin_timestamp":` + rulesItoa(cur.BeginTimestamp) +
		`,"end_timestamp":` + rulesItoa(cur.EndTimestamp+rulesDay) + `},"get_limit":4,"location_id_list":[7]}}`
	got, err := validateCardUpdate("CASH", []byte(in), cur, nil, rulesNow)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestJSONValueRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"b":1,"a":[true,false,null,"x"],"c":{}}`, `{"b":1,"a":[true,false,null,"x"],"c":{}}`},
		{` { "a" : 1e3 , "b" : -0.5 } `, `{"a":1e3,"b":-0.5}`},
		{`"\u003c\u00e9\t\u0001\u2028"`, "\"<é\\t\\u0001\u2028\""},
		{`{"a":1,"a":2,"b":3}`, `{"a":2,"b":3}`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		v, err := parseJSONValue([]byte(tt.in))
		if err != nil {
			t.Errorf("parse %s: %v", tt.in, err)
			continue
		}
		if got := string(v.marshal()); got != tt.want {
			t.Errorf("round trip of %s = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid(v.marshal()) {
			t.Errorf("round trip of %s is not valid JSON", tt.in)
		}
	}
	deep := strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)
	for _, bad := range []string{`{"a":1} x`, `{"a":`, ``, `{1:2}`, deep} {
		if _, err := parseJSONValue([]byte(bad)); err == nil {
			t.Errorf("parse %q: got no error, want one", bad)
		}
	}
}
