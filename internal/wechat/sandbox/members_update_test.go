package sandbox_test

import (
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// card/update of a member card: §13.1's fields change; supply_bonus and
// supply_balance only go from false to true (40135); the header-cell limit
// holds for the card as it would become (40124).
func TestMemberCardUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	cell := map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"}
	pointsOnly := e.createMember(map[string]any{"supply_balance": false, "activate_url": "https://m.example.com/act"})
	update := func(id string, fields map[string]any) reply {
		return e.wx("/card/update", map[string]any{"card_id": id, "member_card": fields})
	}
	wantErrcode(t, "every field §13.1 lists", update(pointsOnly, map[string]any{
		"background_pic_url": "https://mmbiz.qpic.cn/bg", "bonus_cleared": "每年清零", "bonus_rules": "1元1分",
		"bonus_url": "https://m.example.com/b", "balance_url": "https://m.example.com/c", "balance_rules": "充值规则",
		"prerogative": "八折", "activate_url": "https://m.example.com/act2", "custom_field1": cell,
		"custom_cell1": map[string]any{"name": "入口", "tips": "提示", "url": "https://m.example.com/d"},
		"bonus_rule":   map[string]any{"cost_money_unit": 100, "increase_bonus": 1}, "discount": 10,
	}), 0)
	wantErrcode(t, "supply_bonus true to false", update(pointsOnly, map[string]any{"supply_bonus": false}), 40135)
	wantErrcode(t, "supply_balance false to true", update(pointsOnly, map[string]any{"supply_balance": true}), 0)
	wantErrcode(t, "supply_balance true to false", update(pointsOnly, map[string]any{"supply_balance": false}), 40135)
	wantErrcode(t, "supply_bonus true again", update(pointsOnly, map[string]any{"supply_bonus": true}), 0)
	// Points, balance and custom_field1 now: a second cell is a fourth.
	wantErrcode(t, "a fourth header cell", update(pointsOnly, map[string]any{"custom_field2": cell}), 40124)
	wantErrcode(t, "supply_bonus a string", update(pointsOnly, map[string]any{"supply_bonus": "true"}), 47001)
	wantErrcode(t, "discount a fraction", update(pointsOnly, map[string]any{"discount": 9.5}), 47001)
	wantErrcode(t, "not in §13.1's list", update(pointsOnly, map[string]any{"wx_activate_after_submit": true}), 47001)

	r := e.wx("/card/get", map[string]any{"card_id": pointsOnly})
	mc, _ := r.m["card"].(map[string]any)["member_card"].(map[string]any)
	if mc["supply_balance"] != true || mc["bonus_rules"] != "1元1分" || mc["custom_field2"] != nil {
		t.Errorf("card/get member_card = %v; want the accepted changes only", mc)
	}

	denied := newEnv(t, sandbox.Options{NoStoredValue: true})
	id := denied.createMember(map[string]any{"supply_balance": false})
	wantErrcode(t, "stored value without permission", denied.wx("/card/update",
		map[string]any{"card_id": id, "member_card": map[string]any{"supply_balance": true}}), 43010)
}
