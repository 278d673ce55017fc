package service

import (
	"strings"
	"testing"
)

func TestMemberCardRules(t *testing.T) {
	t.Parallel()
	level := map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL", "url": "https://m.example.com/level"}
	tests := []struct {
		name  string
		edit  map[string]any
		field string // "" = accepted
	}{
		{"points, balance and one cell", map[string]any{"supply_bonus": true, "supply_balance": true, "custom_field1": level}, ""},
		{"the misspelt name types", map[string]any{"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_ACHIEVEMEN"},
			"custom_field2": map[string]any{"name_type": "FIELD_NAME_TYPE_TIMS"}}, ""},
		{"without supply_bonus", map[string]any{"supply_bonus": nil}, "supply_bonus"},
		{"supply_balance a string", map[string]any{"supply_balance": "true"}, "supply_balance"},
		{"points, balance and two cells", map[string]any{"supply_bonus": true, "supply_balance": true,
			"custom_field1": level, "custom_field2": level}, "custom_field2"},
		{"an empty custom_field3 counts", map[string]any{"supply_bonus": true, "custom_field1": level,
			"custom_field2": level, "custom_field3": map[string]any{}}, "custom_field3"},
		{"name_type spelt right by mistake", map[string]any{"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_ACHIEVEMENT"}}, "custom_field1.name_type"},
		{"name_type and name", map[string]any{"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL", "name": "等级"}}, "custom_field1.name"},
		{"name of 25 bytes", map[string]any{"custom_field1": map[string]any{"name": strings.Repeat("a", 25)}}, "custom_field1.name"},
		{"custom_cell1 without tips", map[string]any{"custom_cell1": map[string]any{"name": "使用入口", "url": "https://m.example.com"}}, "custom_cell1.tips"},
		{"discount 100", map[string]any{"discount": 100}, "discount"},
		{"discount 10", map[string]any{"discount": 10}, ""},
		{"bonus_rule", map[string]any{"bonus_rule": map[string]any{"cost_money_unit": 100, "increase_bonus": 1, "init_increase_bonus": 10}}, ""},
		{"bonus_rule with a negative", map[string]any{"bonus_rule": map[string]any{"increase_bonus": -1}}, "bonus_rule.increase_bonus"},
		{"bonus_rule with an unknown key", map[string]any{"bonus_rule": map[string]any{"bonus_per_yuan": 1}}, "bonus_rule.bonus_per_yuan"},
		{"auto_activate and activate_url", map[string]any{"auto_activate": true, "activate_url": "https://m.example.com/a"}, "activate_url"},
		{"auto_activate and wx_activate", map[string]any{"auto_activate": true, "wx_activate": true}, "wx_activate"},
		{"activate_url and wx_activate", map[string]any{"activate_url": "https://m.example.com/a", "wx_activate": true}, "wx_activate"},
		{"jump type without wx_activate", map[string]any{"wx_activate_after_submit": true}, "wx_activate_after_submit"},
		{"jump url typed bool as old docs did", map[string]any{"wx_activate": true, "wx_activate_after_submit_url": true}, "wx_activate_after_submit_url"},
		{"jump type", map[string]any{"wx_activate": true, "wx_activate_after_submit": true, "wx_activate_after_submit_url": "https://m.example.com/a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := rulesObject("MEMBER_CARD")
			for k, v := range tt.edit {
				if v == nil {
					delete(m, k)
				} else {
					m[k] = v
				}
			}
			_, err := checkRulesObject(t, "MEMBER_CARD", m)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, tt.field)
		})
	}
}

// A member card's update: the fields §13.1 lists change, checked against the
// card's current definition.
func TestMemberCardUpdate(t *testing.T) {
	t.Parallel()
	level := map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"}
	def := func(member map[string]any) []byte {
		return rulesJSON(t, map[string]any{"card_type": "MEMBER_CARD", "member_card": member})
	}
	pointsOnly := def(map[string]any{"prerogative": "九折", "supply_bonus": true, "supply_balance": false,
		"activate_url": "https://m.example.com/act"})
	both := def(map[string]any{"prerogative": "九折", "supply_bonus": true, "supply_balance": true, "custom_field1": level,
		"auto_activate": true})
	neither := def(map[string]any{"prerogative": "九折", "supply_bonus": false, "supply_balance": false})
	perm := DateInfo{Type: DatePermanent}
	tests := []struct {
		name    string
		current []byte
		patch   map[string]any
		field   string // "" = accepted
	}{
		{"every field §13.1 lets change", pointsOnly, map[string]any{
			"background_pic_url": "https://mmbiz.qpic.cn/bg", "supply_bonus": true, "supply_balance": true,
			"bonus_cleared": "每年清零", "bonus_rules": "每消费1元得1分", "bonus_url": "https://m.example.com/b",
			"balance_url": "https://m.example.com/c", "balance_rules": "充值规则", "prerogative": "八折",
			"activate_url": "https://m.example.com/act2", "custom_field1": level,
			"custom_cell1": map[string]any{"name": "使用入口", "tips": "激活后显示", "url": "https://m.example.com/d"},
			"bonus_rule":   map[string]any{"cost_money_unit": 100, "increase_bonus": 1}, "discount": 10,
		}, ""},
		{"supply_balance false to true", pointsOnly, map[string]any{"supply_balance": true}, ""},
		{"supply_bonus true stays true", pointsOnly, map[string]any{"supply_bonus": true}, ""},
		{"supply_balance false stays false", pointsOnly, map[string]any{"supply_balance": false}, ""},
		{"switching to one-click", neither, map[string]any{"wx_activate": true}, ""},
		{"auto_activate off, activate_url on", both, map[string]any{"auto_activate": false, "activate_url": "https://m.example.com/a"}, ""},
		{"unknown definition: WeChat decides", nil, map[string]any{"supply_bonus": false}, ""},
		{"supply_bonus true to false", pointsOnly, map[string]any{"supply_bonus": false}, "supply_bonus"},
		{"supply_balance true to false", both, map[string]any{"supply_balance": false}, "supply_balance"},
		{"a fourth header cell", both, map[string]any{"custom_field2": level}, "custom_field2"},
		{"turning balance on makes four cells", def(map[string]any{"supply_bonus": true, "supply_balance": false,
			"custom_field1": level, "custom_field2": level}), map[string]any{"supply_balance": true}, "custom_field2"},
		{"activate_url on an auto_activate card", both, map[string]any{"activate_url": "https://m.example.com/a"}, "activate_url"},
		{"wx_activate on an activate_url card", pointsOnly, map[string]any{"wx_activate": true}, "wx_activate"},
		{"discount 100", pointsOnly, map[string]any{"discount": 100}, "discount"},
		{"supply_bonus a string", pointsOnly, map[string]any{"supply_bonus": "true"}, "supply_bonus"},
		{"custom_field1 with a wrong name_type", pointsOnly, map[string]any{"custom_field1": map[string]any{"name_type": "LEVEL"}}, "custom_field1.name_type"},
		{"wx_activate_after_submit is not in §13.1's list", neither, map[string]any{"wx_activate_after_submit": true}, "wx_activate_after_submit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validateCardUpdate("MEMBER_CARD", rulesJSON(t, tt.patch), perm, tt.current, rulesNow)
			if tt.field == "" {
				if err != nil {
					t.Errorf("got %v, want no error", err)
				}
				return
			}
			wantInvalid(t, err, tt.field)
		})
	}
	_, err := validateCardUpdate("MEMBER_CARD", rulesJSON(t, map[string]any{"supply_bonus": false}), perm, pointsOnly, rulesNow)
	if err == nil || !strings.Contains(err.Error(), "40135") {
		t.Errorf("turning points off: %v; want the message to name WeChat's 40135", err)
	}
}
