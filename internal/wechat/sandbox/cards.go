package sandbox

import (
	"bytes"
	"encoding/json"
	"time"
)

// Card templates: card/create, get, batchget, update, delete, modifystock,
// getcolors (wechat-card-api.md §4).

const (
	cardNotVerify  = "CARD_STATUS_NOT_VERIFY"
	cardVerifyFail = "CARD_STATUS_VERIFY_FAIL"
	cardVerifyOK   = "CARD_STATUS_VERIFY_OK"
	cardDeleted    = "CARD_STATUS_DELETE"
	cardDispatch   = "CARD_STATUS_DISPATCH"
)

// card is one card template.
type card struct {
	id        string
	cardType  string
	key       string
	object    map[string]any // the type object; copied on write, never mutated in place
	info      cardInfo
	status    string
	reviewAt  time.Time        // a NOT_VERIFY card passes review at this time (review.go)
	reviewSeq int              // counts reviews, so a stale review timer does nothing
	quantity  int64            // remaining stock
	total     int64            // total_quantity: stock plus codes handed out
	received  map[string]int64 // openid → codes received, for get_limit
	used      map[string]bool  // every code value this card ever had: a code is receivable once
}

// expired reports whether the card can no longer be received: its fixed
// window or its hard end_timestamp has passed.
func (c *card) expired(now time.Time) bool {
	d := c.info.date
	return (d.typ == dateFixTimeRange || d.typ == dateFixTerm) && d.end > 0 && now.Unix() > d.end
}

// lookupCard finds a card by id: 41012 when none is given, 40073 when unknown
// (unconfirmed errcode for unknown ids; the doc's suggestion).
func (st *state) lookupCard(id string, now time.Time) (*card, *wxError) {
	if id == "" {
		return nil, wxErr(41012, "no card_id")
	}
	c := st.cards[id]
	if c == nil {
		return nil, wxErrf(40073, "unknown card_id %s", id)
	}
	st.refreshCard(c, now)
	return c, nil
}

// wire is the card as card/get returns it: the definition plus id, appid,
// status, sku with remaining and total stock, the effective date_info and
// defaults. The colour comes back as its name (name vs hex is unconfirmed).
func (c *card) wire(appID string) map[string]any {
	obj := make(map[string]any, len(c.object)+1)
	for k, v := range c.object {
		obj[k] = v
	}
	base := map[string]any{}
	if b, isMap := c.object["base_info"].(map[string]any); isMap {
		for k, v := range b {
			base[k] = v
		}
	}
	base["id"] = c.id
	base["appid"] = appID
	base["status"] = c.status
	base["sku"] = map[string]any{"quantity": c.quantity, "total_quantity": c.total}
	base["date_info"] = c.info.date.wire()
	base["code_type"] = c.info.codeType
	base["color"] = c.info.color
	base["get_limit"] = c.info.getLimit
	base["use_custom_code"] = c.info.useCustomCode
	base["bind_openid"] = c.info.bindOpenID
	for k, v := range map[string]any{"use_limit": int64(defaultGetLimit), "can_share": true, "can_give_friend": true} {
		if _, has := base[k]; !has {
			base[k] = v
		}
	}
	obj["base_info"] = base
	return map[string]any{"card_type": c.cardType, c.key: obj}
}

type cardIDReply struct {
	okBody
	CardID string `json:"card_id"`
}

// cardCreate is POST card/create.
func (c *call) cardCreate() any {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return wxErr(44002, "empty body")
	}
	def, err := parseCreate(c.body, c.now)
	if err != nil {
		return err
	}
	if err := c.e.checkMemberCreate(def); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		id := c.e.newCardID()
		for st.cards[id] != nil {
			id = c.e.newCardID()
		}
		cd := &card{
			id: id, cardType: def.cardType, key: def.key, object: def.object, info: def.info,
			quantity: def.quantity, total: def.quantity, received: map[string]int64{}, used: map[string]bool{},
		}
		st.cards[id] = cd
		st.cardOrder = append(st.cardOrder, id)
		c.e.startReview(st, cd, c.now)
		return cardIDReply{okBody: ok, CardID: id}
	})
}

type cardIDRequest struct {
	CardID string `json:"card_id"`
}

type cardGetReply struct {
	okBody
	Card map[string]any `json:"card"`
}

// cardGet is POST card/get.
func (c *call) cardGet() any {
	var req cardIDRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cd, err := st.lookupCard(req.CardID, c.now)
		if err != nil {
			return err
		}
		return cardGetReply{okBody: ok, Card: cd.wire(c.e.appID)}
	})
}

type batchGetReply struct {
	okBody
	CardIDList []string `json:"card_id_list"`
	TotalNum   int      `json:"total_num"`
}

// cardBatchGet is POST card/batchget: card ids in creation order, optionally
// filtered by status. count outside 1–50 is 40097 (the value WeChat uses is
// unconfirmed).
func (c *call) cardBatchGet() any {
	var req struct {
		Offset     int      `json:"offset"`
		Count      int      `json:"count"`
		StatusList []string `json:"status_list"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Offset < 0 {
		return wxErrf(40097, "offset %d is negative", req.Offset)
	}
	if req.Count < 1 || req.Count > 50 {
		return wxErrf(40097, "count %d outside 1–50", req.Count)
	}
	want := map[string]bool{}
	for _, s := range req.StatusList {
		want[s] = true
	}
	return c.locked(func(st *state) any {
		var match []string
		for _, id := range st.cardOrder {
			cd := st.cards[id]
			st.refreshCard(cd, c.now)
			if len(want) == 0 || want[cd.status] {
				match = append(match, id)
			}
		}
		page := []string{}
		if req.Offset < len(match) {
			page = append(page, match[req.Offset:min(len(match), req.Offset+req.Count)]...)
		}
		return batchGetReply{okBody: ok, CardIDList: page, TotalNum: len(match)}
	})
}

// updatable are the base_info fields card/update accepts (§4.4; the exact
// list is unconfirmed). Anything else, brand_name and sku included, is 47001
// as observed for brand_name.
var updatable = map[string]bool{
	"logo_url": true, "notice": true, "description": true, "color": true, "service_phone": true,
	"location_id_list": true, "use_all_locations": true,
	"center_title": true, "center_sub_title": true, "center_url": true,
	"center_app_brand_user_name": true, "center_app_brand_pass": true,
	"custom_url_name": true, "custom_url": true, "custom_url_sub_title": true,
	"custom_app_brand_user_name": true, "custom_app_brand_pass": true,
	"promotion_url_name": true, "promotion_url": true, "promotion_url_sub_title": true,
	"promotion_app_brand_user_name": true, "promotion_app_brand_pass": true,
	"code_type": true, "get_limit": true, "use_limit": true, "can_share": true,
	"can_give_friend": true, "date_info": true, "title": true, "sub_title": true,
}

// updatableTypeText is, per card type's object key, its text field that
// card/update may change.
var updatableTypeText = map[string]string{
	"groupon": "deal_detail", "gift": "gift", "general_coupon": "default_detail", "member_card": "prerogative",
}

// reviewed are the changes that send the card back to review (send_check):
// what users see as the card's content. Which fields do so is unconfirmed.
var reviewed = map[string]bool{
	"logo_url": true, "title": true, "sub_title": true, "notice": true, "description": true,
}

type updateReply struct {
	okBody
	SendCheck bool `json:"send_check"`
}

// cardUpdate is POST card/update.
func (c *call) cardUpdate() any {
	var top map[string]json.RawMessage
	if err := c.decode(&top); err != nil {
		return err
	}
	var cardID string
	if raw, has := top["card_id"]; has {
		if err := json.Unmarshal(raw, &cardID); err != nil {
			return wxErr(47001, "card_id: "+err.Error())
		}
	}
	// Parse what can be parsed without the card.
	c.e.mu.Lock()
	cd, err := c.e.st.lookupCard(cardID, c.now)
	var key, cardType string
	var oldDate dateInfo
	if cd != nil {
		key, cardType, oldDate = cd.key, cd.cardType, cd.info.date
	}
	deleted := cd != nil && cd.status == cardDeleted
	c.e.mu.Unlock()
	if err != nil {
		return err
	}
	if deleted {
		return wxErrf(40078, "card %s is deleted", cardID)
	}
	for k := range top {
		if k != "card_id" && k != key {
			// A wrong type key was observed to fail with 47001.
			return wxErrf(47001, "unexpected %q; card %s is %s", k, cardID, cardType)
		}
	}
	rawObj, has := top[key]
	if !has {
		return wxErrf(41011, "nothing to update: no %q object", key)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(rawObj, &obj); err != nil {
		return wxErr(47001, key+": "+err.Error())
	}
	// Beside base_info and advanced_info, the card's own text (§4.4's "changed
	// type fields": deal_detail, gift, default_detail, prerogative) may change and
	// sends the card back to review; amounts (least_cost, discount, …) may not
	// (the exact list is unconfirmed).
	typeText := map[string]string{}
	memberFields := map[string]any{}
	for k, raw := range obj {
		if k == "base_info" || k == "advanced_info" {
			continue
		}
		if _, member := memberUpdatable[k]; member && key == "member_card" {
			v, err := parseMemberField(k, raw)
			if err != nil {
				return err
			}
			memberFields[k] = v
			continue
		}
		if k != updatableTypeText[key] {
			return wxErrf(47001, "%s.%s is not updatable", key, k)
		}
		var text string
		if err := json.Unmarshal(raw, &text); err != nil || text == "" {
			return wxErrf(47001, "%s.%s must be a non-empty string", key, k)
		}
		if len(text) > 3072 {
			return wxErrf(45021, "%s.%s is %d bytes, limit 3072", key, k, len(text))
		}
		typeText[k] = text
	}
	upd, err := parseUpdate(obj, cardType, oldDate, c.now)
	if err != nil {
		return err
	}
	if len(typeText) > 0 {
		upd.sendCheck = true
	}
	return c.locked(func(st *state) any {
		cd := st.cards[cardID]
		if cd == nil {
			return wxErrf(40073, "unknown card_id %s", cardID)
		}
		if cd.status == cardDeleted {
			return wxErrf(40078, "card %s is deleted", cardID)
		}
		// The date was checked against the card outside the lock: a concurrent
		// update may have widened it since, and narrowing is refused.
		if upd.date != nil && !widens(cd.info.date, *upd.date) {
			return wxErr(40100, "date_info may only widen: same type, begin not later, end not earlier")
		}
		if len(memberFields) > 0 {
			if err := c.e.checkMemberUpdate(cd, memberFields); err != nil {
				return err
			}
		}
		object := make(map[string]any, len(cd.object))
		for k, v := range cd.object {
			object[k] = v
		}
		if upd.advanced != nil {
			object["advanced_info"] = upd.advanced
		}
		for k, v := range typeText {
			object[k] = v
		}
		for k, v := range memberFields {
			object[k] = v
		}
		if len(upd.base) > 0 {
			base := map[string]any{}
			if b, isMap := cd.object["base_info"].(map[string]any); isMap {
				for k, v := range b {
					base[k] = v
				}
			}
			for k, v := range upd.base {
				base[k] = v
			}
			object["base_info"] = base
		}
		cd.object = object
		if upd.in.CodeType != nil {
			cd.info.codeType = *upd.in.CodeType
		}
		if upd.in.Color != nil {
			cd.info.color = *upd.in.Color
		}
		if upd.in.GetLimit != nil {
			cd.info.getLimit = upd.in.GetLimit.v
			if cd.info.getLimit <= 0 {
				cd.info.getLimit = defaultGetLimit
			}
		}
		if upd.date != nil {
			cd.info.date = *upd.date
		}
		if upd.in.CanGiveFriend != nil {
			cd.info.noGift = !*upd.in.CanGiveFriend
		}
		if upd.sendCheck {
			c.e.startReview(st, cd, c.now)
		}
		return updateReply{okBody: ok, SendCheck: upd.sendCheck}
	})
}

// cardUpdateDef is a validated card/update.
type cardUpdateDef struct {
	in        baseInfoIn
	base      map[string]any // base_info fields to replace
	advanced  map[string]any // the new advanced_info, or nil
	date      *dateInfo
	sendCheck bool
}

func parseUpdate(obj map[string]json.RawMessage, cardType string, old dateInfo, now time.Time) (*cardUpdateDef, *wxError) {
	upd := &cardUpdateDef{}
	if raw, has := obj["advanced_info"]; has {
		m, err := decodeObject(raw)
		if err != nil || m == nil {
			return nil, wxErr(47001, "advanced_info must be an object")
		}
		upd.advanced = m
		upd.sendCheck = true
	}
	raw, has := obj["base_info"]
	if !has {
		return upd, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, wxErr(47001, "base_info: "+err.Error())
	}
	for k := range fields {
		if !updatable[k] {
			return nil, wxErrf(47001, "base_info.%s is not updatable", k)
		}
		if reviewed[k] {
			upd.sendCheck = true
		}
	}
	if err := json.Unmarshal(raw, &upd.in); err != nil {
		return nil, wxErr(47001, "base_info: "+err.Error())
	}
	base, err := decodeObject(raw)
	if err != nil {
		return nil, wxErr(47001, "base_info: "+err.Error())
	}
	upd.base = base
	delete(upd.base, "date_info") // stored normalised in cardInfo
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"logo_url", upd.in.LogoURL}, {"code_type", upd.in.CodeType}, {"title", upd.in.Title},
		{"color", upd.in.Color}, {"notice", upd.in.Notice}, {"description", upd.in.Description},
	} {
		if f.v != nil && *f.v == "" {
			return nil, wxErrf(41011, "base_info.%s cannot be emptied", f.name)
		}
	}
	if d := upd.in.DateInfo; d != nil {
		if err := d.requiredFields(); err != nil {
			return nil, err
		}
	}
	if err := checkLengths(upd.in.lengthRules()); err != nil {
		return nil, err
	}
	if err := upd.in.checkEnums(); err != nil {
		return nil, err
	}
	if d := upd.in.DateInfo; d != nil {
		di, invalid := d.validate(cardType, now)
		if !widens(old, di) {
			return nil, wxErr(40100, "date_info may only widen: same type, begin not later, end not earlier")
		}
		if invalid != nil {
			return nil, invalid
		}
		upd.date = &di
	}
	return upd, nil
}

// widens reports whether next keeps old's type and only extends it. For
// FIX_TERM cards "wider" means no shorter term, no later start, no earlier
// hard end (the doc states the rule for time ranges only; unconfirmed).
func widens(old, next dateInfo) bool {
	if old.typ != next.typ {
		return false
	}
	switch old.typ {
	case dateFixTimeRange:
		return next.begin <= old.begin && next.end >= old.end
	case dateFixTerm:
		endOK := old.end == 0 && next.end == 0 || old.end > 0 && (next.end == 0 || next.end >= old.end)
		return next.fixedTerm >= old.fixedTerm && next.fixedBeginTerm <= old.fixedBeginTerm && endOK
	}
	return true
}

// cardDelete is POST card/delete: the card stops being handed out; codes
// already received stay valid.
func (c *call) cardDelete() any {
	var req cardIDRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cd, err := st.lookupCard(req.CardID, c.now)
		if err != nil {
			return err
		}
		if cd.status == cardDeleted {
			return wxErrf(40078, "card %s is already deleted", cd.id)
		}
		cd.status = cardDeleted
		return ok
	})
}

// cardModifyStock is POST card/modifystock. Stock never goes below zero
// (40122; WeChat's errcode unconfirmed) nor the total above 100 000 000
// (45041; unconfirmed that modifystock uses it).
func (c *call) cardModifyStock() any {
	var req struct {
		CardID   string  `json:"card_id"`
		Increase flexInt `json:"increase_stock_value"`
		Reduce   flexInt `json:"reduce_stock_value"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Increase.v < 0 || req.Reduce.v < 0 {
		return wxErr(40122, "stock changes must be ≥ 0")
	}
	return c.locked(func(st *state) any {
		cd, err := st.lookupCard(req.CardID, c.now)
		if err != nil {
			return err
		}
		if cd.status == cardDeleted {
			return wxErrf(40078, "card %s is deleted", cd.id)
		}
		delta := req.Increase.v - req.Reduce.v
		if cd.quantity+delta < 0 {
			return wxErrf(40122, "stock %d cannot go below zero by %d", cd.quantity, delta)
		}
		if cd.total+delta > maxQuantity {
			return wxErrf(45041, "total quantity would exceed %d", maxQuantity)
		}
		cd.quantity += delta
		cd.total += delta
		return ok
	})
}

type colorsReply struct {
	okBody
	Colors any `json:"colors"`
}

// cardGetColors is card/getcolors.
func (c *call) cardGetColors() any {
	return colorsReply{okBody: ok, Colors: cardColors}
}
