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
