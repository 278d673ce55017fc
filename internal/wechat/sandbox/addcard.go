package sandbox

import (
	"time"
)

// sandbox/add-card plays wx.addCard: it checks every cardExt as WeChat's
// client and server do, then hands out all the codes, or none.

type addCardItem struct {
	CardID  string `json:"card_id"`
	CardExt string `json:"card_ext"`
	// The camel-case spelling wx.addCard uses, so a front end can pass the
	// service's card-ext answer as it is.
	CardIDCamel  string `json:"cardId"`
	CardExtCamel string `json:"cardExt"`
}

type addCardRequest struct {
	OpenID   string        `json:"openid"`
	CardList []addCardItem `json:"card_list"`
}

type addedCard struct {
	CardID    string `json:"card_id"`
	CardExt   string `json:"card_ext"`
	Code      string `json:"code"` // the encrypt_code
	IsSuccess bool   `json:"is_success"`
}

type addCardReply struct {
	okBody
	CardList []addedCard `json:"card_list"`
}

// plannedAdd is one item that passed every check.
type plannedAdd struct {
	card *card
	ext  cardExt
	raw  string
}

func (c *call) sandboxAddCard() any {
	var req addCardRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.OpenID == "" {
		return wxErr(41011, "openid is required")
	}
	if len(req.CardList) == 0 {
		return wxErr(41011, "card_list is required")
	}
	for i := range req.CardList {
		it := &req.CardList[i]
		it.CardID, it.CardExt = or(it.CardID, it.CardIDCamel), or(it.CardExt, it.CardExtCamel)
		if it.CardID == "" {
			return wxErrf(41011, "card_list[%d].card_id is required", i)
		}
	}
	return c.locked(func(st *state) any {
		plan := make([]plannedAdd, 0, len(req.CardList))
		for _, it := range req.CardList {
			p, err := st.checkAdd(req.OpenID, it, plan, c.now)
			if err != nil {
				return err
			}
			plan = append(plan, p)
		}
		out := addCardReply{okBody: ok, CardList: make([]addedCard, 0, len(plan))}
		for _, p := range plan {
			out.CardList = append(out.CardList, st.applyAdd(req.OpenID, p, c.now))
		}
		return out
	})
}

// checkAdd runs every rule on one item; earlier items of the same request
// (plan) count for nonce reuse, custom codes, stock and get_limit. Rule
// failures name the rule and the card.
func (st *state) checkAdd(openid string, it addCardItem, plan []plannedAdd, now time.Time) (plannedAdd, *wxError) {
	id := it.CardID
	cd := st.cards[id]
	if cd == nil {
		return plannedAdd{}, wxErrf(40078, "card %s does not exist", id)
	}
	st.refreshCard(cd, now)
	switch {
	case cd.status == cardDeleted:
		return plannedAdd{}, wxErrf(40078, "card %s is deleted", id)
	case cd.status != cardVerifyOK:
		return plannedAdd{}, wxErrf(40078, "card %s is %s, not CARD_STATUS_VERIFY_OK", id, cd.status)
	case cd.expired(now):
		// What WeChat answers for an expired card is unconfirmed.
		return plannedAdd{}, wxErrf(40078, "card %s has expired", id)
	}
	ext, err := parseCardExt(it.CardExt)
	if err != nil {
		return plannedAdd{}, wxErrf(40080, "%v (card %s)", err, id)
	}
	if age := now.Sub(time.Unix(ext.ts, 0)); age > cardExtMaxAge {
		return plannedAdd{}, wxErrf(40080, "timestamp %s is %v old, limit %v (card %s)", ext.timestamp, age.Round(time.Second), cardExtMaxAge, id)
	} else if -age > cardExtMaxFuture {
		return plannedAdd{}, wxErrf(40080, "timestamp %s is %v in the future, limit %v (card %s)", ext.timestamp, (-age).Round(time.Second), cardExtMaxFuture, id)
	}
	if !ext.signedBy(id, st.cardTickets.valid(now)) {
		return plannedAdd{}, wxErrf(40080, "signature does not match any current api_ticket (card %s)", id)
	}
	if ext.nonce != "" {
		used := st.nonces[id][ext.nonce]
		for _, p := range plan {
			used = used || p.card == cd && p.ext.nonce == ext.nonce
		}
		if used {
			// The real error is only visible in the client; 40080 is the
			// doc's suggested emulation (unconfirmed).
			return plannedAdd{}, wxErrf(40080, "nonce_str %q was already used for card %s", ext.nonce, id)
		}
	}
	switch {
	case cd.info.bindOpenID && ext.openid != openid:
		return plannedAdd{}, wxErrf(40080, "bind_openid card %s: card_ext.openid %q is not the receiving user", id, ext.openid)
	case !cd.info.bindOpenID && ext.openid != "":
		return plannedAdd{}, wxErrf(40080, "card %s is not bind_openid but card_ext carries openid", id)
	case cd.info.useCustomCode && ext.code == "":
		return plannedAdd{}, wxErrf(40080, "custom-code card %s: card_ext.code is required", id)
	case !cd.info.useCustomCode && ext.code != "":
		return plannedAdd{}, wxErrf(40080, "card %s does not use custom codes but card_ext carries code", id)
	}
	if cd.info.useCustomCode {
		taken := st.codeTaken(cd, ext.code)
		for _, p := range plan {
			taken = taken || p.card == cd && p.ext.code == ext.code
		}
		if taken {
			return plannedAdd{}, wxErrf(40080, "code %q was already issued for card %s", ext.code, id)
		}
		if len(ext.code) > 20 {
			return plannedAdd{}, wxErrf(40080, "code %q is over 20 bytes (card %s)", ext.code, id)
		}
	}
	var planned int64
	for _, p := range plan {
		if p.card == cd {
			planned++
		}
	}
	if cd.quantity-planned <= 0 {
		return plannedAdd{}, wxErrf(45031, "card %s is out of stock", id)
	}
	if cd.received[openid]+planned >= cd.info.getLimit {
		return plannedAdd{}, wxErrf(45033, "%s already received %d of card %s, get_limit %d", openid, cd.received[openid]+planned, id, cd.info.getLimit)
	}
	return plannedAdd{card: cd, ext: ext, raw: it.CardExt}, nil
}

// applyAdd hands out one checked item and pushes user_get_card, and
// card_sku_remind when it took the last unit.
func (st *state) applyAdd(openid string, p plannedAdd, now time.Time) addedCard {
	cd := p.card
	value := p.ext.code
	if !cd.info.useCustomCode {
		value = newGeneratedCode()
		for st.codeTaken(cd, value) {
			value = newGeneratedCode()
		}
	}
	uc := &userCode{code: value, cardID: cd.id, openid: openid, outerStr: p.ext.outerStr, status: codeNormal, received: now}
	if cd.info.date.typ == dateFixTerm {
		start := now
		if p.ext.hasFixedBegin {
			start = time.Unix(p.ext.fixedBegin, 0)
		}
		uc.begin, uc.end = termWindow(cd.info.date, start, p.ext.hasFixedBegin)
	}
	st.addCode(uc)
	if p.ext.nonce != "" {
		if st.nonces[cd.id] == nil {
			st.nonces[cd.id] = map[string]bool{}
		}
		st.nonces[cd.id][p.ext.nonce] = true
	}
	cd.quantity--
	cd.received[openid]++
	enc := st.newEncryptCode(cd.id, value)
	ev := newEvent("user_get_card", openid, now)
	ev.CardID, ev.UserCardCode, ev.OuterStr = cd.id, value, p.ext.outerStr
	st.emit(ev)
	if cd.quantity == 0 {
		st.emitSkuRemind(cd, now)
	}
	return addedCard{CardID: cd.id, CardExt: p.raw, Code: enc, IsSuccess: true}
}

// newEncryptCode registers a fresh encrypt_code for a code.
func (st *state) newEncryptCode(cardID, code string) string {
	enc := randomToken(36) // 48 URL-safe characters
	for _, taken := st.encrypted[enc]; taken; _, taken = st.encrypted[enc] {
		enc = randomToken(36)
	}
	st.encrypted[enc] = codeRef{cardID: cardID, code: code}
	return enc
}

// emitSkuRemind pushes card_sku_remind: a receipt took the card's stock to 0
// (§8.5; the Detail wording is unconfirmed).
func (st *state) emitSkuRemind(cd *card, now time.Time) {
	ev := newEvent("card_sku_remind", st.px.systemOpenID, now)
	ev.CardID = cd.id
	ev.Detail = "the card's quantity is equal to 0"
	st.emit(ev)
}
