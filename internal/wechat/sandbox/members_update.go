package sandbox

import (
	"bytes"
	"encoding/json"
)

// card/update of a member card (§13.1): the member_card fields WeChat lets
// change, with supply_bonus and supply_balance one-way (true cannot go back
// to false: 40135) and the header-cell limit and permissions of creation
// applied to the card as it would become (40124, 43010, 43011).

// memberUpdatable are the member_card fields card/update takes beside
// base_info and prerogative, with the JSON type each must have.
var memberUpdatable = map[string]string{
	"background_pic_url": "string", "supply_bonus": "bool", "supply_balance": "bool",
	"bonus_cleared": "string", "bonus_rules": "string", "bonus_url": "string", "balance_url": "string",
	"balance_rules": "string", "auto_activate": "bool", "wx_activate": "bool", "activate_url": "string",
	"custom_field1": "object", "custom_field2": "object", "custom_field3": "object", "custom_cell1": "object",
	"bonus_rule": "object", "discount": "int",
}

// parseMemberField reads one updatable member_card field: 47001 for a wrong
// type, 45021 for a string over 128 bytes.
func parseMemberField(k string, raw json.RawMessage) (any, *wxError) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, wxErrf(47001, "member_card.%s: %v", k, err)
	}
	ok := false
	switch memberUpdatable[k] {
	case "bool":
		_, ok = v.(bool)
	case "string":
		var s string
		if s, ok = v.(string); ok && len(s) > 128 {
			return nil, wxErrf(45021, "member_card.%s is %d bytes, limit 128", k, len(s))
		}
	case "object":
		_, ok = v.(map[string]any)
	case "int":
		n, isNum := v.(json.Number)
		_, err := n.Int64()
		ok = isNum && err == nil
	}
	if !ok {
		return nil, wxErrf(47001, "member_card.%s must be a JSON %s", k, memberUpdatable[k])
	}
	return v, nil
}

// checkMemberUpdate checks fields against the card cd as it is now.
func (e *Emulator) checkMemberUpdate(cd *card, fields map[string]any) *wxError {
	if objBool(cd.object, "supply_bonus") {
		if on, given := fields["supply_bonus"].(bool); given && !on {
			return wxErr(40135, "invalid not supply bonus, can not change card_id which supply bonus to be not supply")
		}
	}
	if objBool(cd.object, "supply_balance") {
		if on, given := fields["supply_balance"].(bool); given && !on {
			return wxErr(40135, "invalid not supply balance, can not change card_id which supply balance to be not supply")
		}
	}
	merged := make(map[string]any, len(cd.object)+len(fields))
	for k, v := range cd.object {
		merged[k] = v
	}
	for k, v := range fields {
		merged[k] = v
	}
	return e.checkMemberCreate(&cardDef{cardType: cd.cardType, key: cd.key, object: merged})
}
