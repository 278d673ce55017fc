package sandbox

import (
	"time"
)

// User codes: card/code/decrypt, get, consume, update, unavailable (§5) and
// the user-card state machine of §5.6.

const (
	codeNormal      = "NORMAL"
	codeConsumed    = "CONSUMED"
	codeExpire      = "EXPIRE"
	codeGifting     = "GIFTING"
	codeGiftTimeout = "GIFT_TIMEOUT"
	codeDelete      = "DELETE"
	codeUnavailable = "UNAVAILABLE"
)

// userCode is one code in one user's wallet.
type userCode struct {
	code     string
	cardID   string
	openid   string
	outerStr string
	status   string
	received time.Time
	begin    int64 // FIX_TERM window, fixed at receipt (seconds)
	end      int64
}

// codeRef is what an encrypt_code stands for.
type codeRef struct {
	cardID string
	code   string
}

// utc8 is the zone WeChat's day boundaries are in.
var utc8 = time.FixedZone("UTC+8", 8*3600)

// termWindow is a FIX_TERM code's validity (§5.2; rounding unconfirmed, the
// doc's suggested emulation): the effective day D is the start day plus
// fixed_begin_term days, begin is 00:00:00 of D, end is 23:59:59 of day
// D + max(fixed_term, 1) − 1 (fixed_term 0 = the day of receipt only), all
// UTC+8, capped by end_timestamp. start is the receipt time, or the cardExt's
// fixed_begintimestamp, which then is the effective day itself.
func termWindow(d dateInfo, start time.Time, explicitStart bool) (begin, end int64) {
	t := start.In(utc8)
	offset := int(d.fixedBeginTerm)
	if explicitStart {
		offset = 0
	}
	day := time.Date(t.Year(), t.Month(), t.Day()+offset, 0, 0, 0, 0, utc8)
	last := time.Date(day.Year(), day.Month(), day.Day()+int(max(d.fixedTerm, 1)), 0, 0, 0, 0, utc8).Add(-time.Second)
	begin, end = day.Unix(), last.Unix()
	if d.end > 0 && end > d.end {
		end = d.end
	}
	return begin, end
}

// window is a code's [begin, end] in seconds; end 0 means no end.
func (uc *userCode) window(cd *card) (begin, end int64) {
	switch cd.info.date.typ {
	case dateFixTimeRange:
		return cd.info.date.begin, cd.info.date.end
	case dateFixTerm:
		return uc.begin, uc.end
	}
	return uc.received.Unix(), 0
}

// refresh applies what time has done: a NORMAL code past its end expires.
func (uc *userCode) refresh(cd *card, now time.Time) {
	if _, end := uc.window(cd); uc.status == codeNormal && end > 0 && now.Unix() > end {
		uc.status = codeExpire
	}
}

// abnormal is the errcode for acting on a code in status s (§5.2; 40099 vs
// 40127 per state is unconfirmed, this is the doc's default), 0 for NORMAL.
func abnormal(s string) int {
	switch s {
	case codeNormal:
		return 0
	case codeConsumed:
		return 40099
	}
	return 40127
}

// findCode looks a code up, in card cardID when given. Without card_id a
// code held for several cards (custom codes) is 41012; with a single match
// the emulator is lenient even for custom-code cards, where WeChat asks for
// card_id (what it answers without is unconfirmed).
func (st *state) findCode(code, cardID string, now time.Time) (*userCode, *card, *wxError) {
	if code == "" {
		return nil, nil, wxErr(41013, "no code")
	}
	var found *userCode
	for _, uc := range st.codes[code] {
		if cardID != "" && uc.cardID != cardID {
			continue
		}
		if found != nil {
			return nil, nil, wxErrf(41012, "code %s exists for several cards; give card_id", code)
		}
		found = uc
	}
	if found == nil {
		return nil, nil, wxErrf(40056, "no code %s (card_id %q)", code, cardID)
	}
	cd := st.cards[found.cardID]
	st.refreshCard(cd, now)
	found.refresh(cd, now)
	return found, cd, nil
}

// addCode indexes a code under its (new) value.
func (st *state) addCode(uc *userCode) {
	st.codes[uc.code] = append(st.codes[uc.code], uc)
	st.cards[uc.cardID].used[uc.code] = true
}

// removeCode drops uc from the index (its value changed or it moved away).
func (st *state) removeCode(uc *userCode) {
	list := st.codes[uc.code]
	for i, x := range list {
		if x == uc {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(st.codes, uc.code)
	} else {
		st.codes[uc.code] = list
	}
}

// codeTaken reports whether value can not become a code of cd: a value is
// used once per card (also after it was re-keyed away), and generated codes
// are unique across the account.
func (st *state) codeTaken(cd *card, value string) bool {
	if cd.used[value] {
		return true
	}
	return !cd.info.useCustomCode && len(st.codes[value]) > 0
}

type codeRequest struct {
	Code         string `json:"code"`
	CardID       string `json:"card_id"`
	CheckConsume *bool  `json:"check_consume"`
}

type decryptReply struct {
	okBody
	Code string `json:"code"`
}

// codeDecrypt is POST card/code/decrypt. encrypt_codes are opaque random
// URL-safe strings mapped to the code they were issued for.
func (c *call) codeDecrypt() any {
	var req struct {
		EncryptCode string `json:"encrypt_code"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.EncryptCode == "" {
		return wxErr(41011, "no encrypt_code")
	}
	return c.locked(func(st *state) any {
		ref, found := st.encrypted[req.EncryptCode]
		if !found {
			return wxErr(40075, "unknown encrypt_code")
		}
		return decryptReply{okBody: ok, Code: ref.code}
	})
}

type codeCard struct {
	CardID    string `json:"card_id"`
	BeginTime int64  `json:"begin_time"`
	EndTime   int64  `json:"end_time"`
}

type codeGetReply struct {
	okBody
	Card           codeCard `json:"card"`
	OpenID         string   `json:"openid"`
	CanConsume     bool     `json:"can_consume"`
	OuterStr       string   `json:"outer_str"`
	UserCardStatus string   `json:"user_card_status"`
}

// codeGet is POST card/code/get. check_consume defaults to true (the
// server-side default is unconfirmed): abnormal states are then errors.
func (c *call) codeGet() any {
	var req codeRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	check := req.CheckConsume == nil || *req.CheckConsume
	return c.locked(func(st *state) any {
		uc, cd, err := st.findCode(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); check && code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		begin, end := uc.window(cd)
		now := c.now.Unix()
		return codeGetReply{
			okBody:         ok,
			Card:           codeCard{CardID: uc.cardID, BeginTime: begin, EndTime: end},
			OpenID:         uc.openid,
			CanConsume:     uc.status == codeNormal && now >= begin && (end == 0 || now <= end),
			OuterStr:       uc.outerStr,
			UserCardStatus: uc.status,
		}
	})
}

type consumeReply struct {
	okBody
	Card struct {
		CardID string `json:"card_id"`
	} `json:"card"`
	OpenID string `json:"openid"`
}

// codeConsume is POST card/code/consume (核销), NORMAL → CONSUMED, once;
// pushes user_consume_card with ConsumeSource FROM_API.
// Before the code's begin time it is 40147 (when exactly WeChat says so is
// unconfirmed).
func (c *call) codeConsume() any {
	var req codeRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		uc, cd, err := st.findCode(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		if begin, _ := uc.window(cd); c.now.Unix() < begin {
			return wxErrf(40147, "code %s is valid from %d", uc.code, begin)
		}
		uc.status = codeConsumed
		ev := newEvent("user_consume_card", uc.openid, c.now)
		ev.CardID, ev.UserCardCode, ev.ConsumeSource, ev.OuterStr = uc.cardID, uc.code, "FROM_API", uc.outerStr
		st.emit(ev)
		var r consumeReply
		r.okBody, r.Card.CardID, r.OpenID = ok, uc.cardID, uc.openid
		return r
	})
}

// codeUpdate is POST card/code/update: a NORMAL code gets a new value; the
// old one is then unknown (40056). A new value already in use is 40116
// (WeChat's errcode unconfirmed: 40056 or 40116). No event: the merchant
// made the change itself.
func (c *call) codeUpdate() any {
	var req struct {
		CardID  string `json:"card_id"`
		Code    string `json:"code"`
		NewCode string `json:"new_code"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.NewCode == "" {
		return wxErr(41011, "no new_code")
	}
	if len(req.NewCode) > 20 {
		return wxErrf(45021, "new_code is %d bytes, limit 20", len(req.NewCode))
	}
	return c.locked(func(st *state) any {
		uc, cd, err := st.findCode(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		if st.codeTaken(cd, req.NewCode) {
			return wxErrf(40116, "code %s is already in use", req.NewCode)
		}
		st.removeCode(uc)
		uc.code = req.NewCode
		st.addCode(uc)
		return ok
	})
}

// codeUnavailable is POST card/code/unavailable: NORMAL → UNAVAILABLE,
// irreversibly. Consumed → 40099, any other state → 40127 (unconfirmed).
// WeChat has no event for this (§8.5 lists none): the merchant made the
// change itself, so nothing is pushed.
func (c *call) codeUnavailable() any {
	var req struct {
		CardID string `json:"card_id"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		uc, _, err := st.findCode(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		uc.status = codeUnavailable
		return ok
	})
}
