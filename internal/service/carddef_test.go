package service

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func validDef() map[string]any {
	return map[string]any{
		"card_type": "CASH",
		"cash": map[string]any{
			"base_info": map[string]any{
				"logo_url": "http://mmbiz.qpic.cn/x/0", "code_type": "CODE_TYPE_QRCODE", "brand_name": "店",
				"title": "满100减10", "color": "Color020", "notice": "出示", "description": "说明",
				"sku":       map[string]any{"quantity": "500"},
				"date_info": map[string]any{"type": 2, "fixed_term": "30", "fixed_begin_term": 0},
				"get_limit": 2, "bind_openid": true,
			},
			"least_cost": 10000, "reduce_cost": 1000,
		},
	}
}

func TestParseCardDefinitionAcceptsWrappedAndBare(t *testing.T) {
	t.Parallel()
	bare, _ := json.Marshal(validDef())
	wrapped, _ := json.Marshal(map[string]any{"card": validDef()})
	for name, body := range map[string][]byte{"bare": bare, "wrapped": wrapped} {
		t.Run(name, func(t *testing.T) {
			inner, c, err := parseCardDefinition(body, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(inner, &back); err != nil || back["card_type"] != "CASH" {
				t.Errorf("inner = %s, want the bare card object", inner)
			}
			want := DateInfo{Type: DateFixTerm, FixedTerm: 30}
			if c.CardType != "CASH" || c.Quantity != 500 || c.DateInfo != want || !c.BindOpenID || c.GetLimit != 2 || c.Status != CardNotVerify {
				t.Errorf("card = %+v", c)
			}
		})
	}
}

func TestParseCardDefinitionNamesTheField(t *testing.T) {
	t.Parallel()
	base := func(m map[string]any) map[string]any { return m["cash"].(map[string]any)["base_info"].(map[string]any) }
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		field  string
	}{
		{"no card_type", func(m map[string]any) { delete(m, "card_type") }, "card_type"},
		{"unknown card_type", func(m map[string]any) { m["card_type"] = "LOTTERY" }, "card_type"},
		{"object key not lower(card_type)", func(m map[string]any) { m["card_type"] = "GIFT" }, "gift.base_info"},
		{"no title", func(m map[string]any) { delete(base(m), "title") }, "base_info.title"},
		{"blank brand_name", func(m map[string]any) { base(m)["brand_name"] = "  " }, "base_info.brand_name"},
		{"no sku", func(m map[string]any) { delete(base(m), "sku") }, "base_info.sku"},
		{"no date_info", func(m map[string]any) { delete(base(m), "date_info") }, "base_info.date_info"},
		{"unknown date type", func(m map[string]any) { base(m)["date_info"] = map[string]any{"type": "SOMETIMES"} }, "base_info.date_info.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := validDef()
			tt.mutate(m)
			body, _ := json.Marshal(m)
			_, _, err := parseCardDefinition(body, time.Now())
			var se *Error
			if !errors.As(err, &se) || se.Kind != KindInvalid {
				t.Fatalf("err = %v, want invalid_argument", err)
			}
			if got := se.Details["field"]; got != tt.field {
				t.Errorf("field = %v, want %s", got, tt.field)
			}
		})
	}
}

func TestFlexInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    FlexInt
		wantErr bool
	}{
		{`1700000000`, 1700000000, false},
		{`"1700000000"`, 1700000000, false},
		{`null`, 0, false},
		{`"soon"`, 0, true},
		{`1.5`, 0, true},
	}
	for _, tt := range tests {
		var f FlexInt
		err := json.Unmarshal([]byte(tt.in), &f)
		if (err != nil) != tt.wantErr || f != tt.want {
			t.Errorf("unmarshal %s = %d, %v; want %d, error %v", tt.in, f, err, tt.want, tt.wantErr)
		}
	}
}
