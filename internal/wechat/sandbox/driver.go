package sandbox

import "time"

// Driver endpoints (sandbox/*): not WeChat's, they let tests and a local
// front end play the WeChat client and steer the emulator. add-card is in
// addcard.go, faults in faults.go, pushes and repush in pushes.go.

type loginReply struct {
	okBody
	Code string `json:"code"`
}

// sandboxLogin is POST sandbox/login {"openid"}: plays wx.login, a one-time
// js_code for that openid, valid 5 minutes, for sns/jscode2session.
func (c *call) sandboxLogin() any {
	var req struct {
		OpenID string `json:"openid"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.OpenID == "" {
		return wxErr(41011, "openid is required")
	}
	code := randomString(32, urlSafe[:62]) // wx.login codes are 32 letters and digits
	return c.locked(func(st *state) any {
		st.jsCodes[code] = &jsCode{openid: req.OpenID, expires: c.now.Add(jsCodeLifetime)}
		return loginReply{okBody: ok, Code: code}
	})
}

type statsReply struct {
	okBody
	Calls map[string]int `json:"calls"`
}

// sandboxStats is GET sandbox/stats: calls received per WeChat path
// (without the leading slash), faulted ones included.
func (c *call) sandboxStats() any {
	return c.locked(func(st *state) any {
		calls := make(map[string]int, len(st.calls))
		for k, v := range st.calls {
			calls[k] = v
		}
		return statsReply{okBody: ok, Calls: calls}
	})
}

// sandboxExpire is POST sandbox/expire {"what": "access_token"|"api_ticket"}:
// everything of that kind issued so far expires now. Expired tokens answer
// 42001; expired api_tickets no longer validate cardExt signatures.
func (c *call) sandboxExpire() any {
	var req struct {
		What string `json:"what"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		switch req.What {
		case "access_token":
			st.tokens.revokeAll()
		case "api_ticket":
			st.cardTickets.revokeAll()
		case "":
			return wxErr(41011, "what is required: access_token or api_ticket")
		default:
			return wxErrf(40097, "what %q: want access_token or api_ticket", req.What)
		}
		return ok
	})
}

// sandboxReset is POST sandbox/reset: forget all state, pushes included:
// pending review timers stop, queued pushes are dropped and the one in
// flight is cancelled. The WeChat Pay emulator under the same root forgets
// its state too.
func (c *call) sandboxReset() any {
	c.e.pay.Reset()
	return c.locked(func(st *state) any {
		st.stopReviews()
		st.stopPushes()
		*st = *newState(st.px)
		return ok
	})
}

type heldCodeRequest struct {
	OpenID string `json:"openid"`
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// sandboxDeleteCard is POST sandbox/delete-card {"openid","card_id","code"}:
// the holder deletes the card from the wallet (state DELETE) and WeChat
// pushes user_del_card. card_id may be left out for a generated code. A
// code that openid does not hold is 40056; deleting twice is 40127. A code
// in any other state can be deleted (the wallet lets users remove used and
// expired cards too).
func (c *call) sandboxDeleteCard() any {
	var req heldCodeRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.OpenID == "" || req.Code == "" {
		return wxErr(41011, "openid and code are required")
	}
	return c.locked(func(st *state) any {
		uc, err := st.heldCode(req.OpenID, req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if uc.status == codeDelete {
			return wxErrf(40127, "code %s is already deleted", uc.code)
		}
		uc.status = codeDelete
		ev := newEvent("user_del_card", uc.openid, c.now)
		ev.CardID, ev.UserCardCode = uc.cardID, uc.code
		st.emit(ev)
		return ok
	})
}

// heldCode finds a code held by openid; one held by someone else is 40056,
// as WeChat reports codes the user does not hold.
func (st *state) heldCode(openid, code, cardID string, now time.Time) (*userCode, *wxError) {
	uc, _, err := st.findCode(code, cardID, now)
	if err != nil {
		return nil, err
	}
	if uc.openid != openid {
		return nil, wxErrf(40056, "code %s is not held by %s", code, openid)
	}
	return uc, nil
}

type giftReply struct {
	okBody
	Code        string `json:"code"`         // the receiver's code
	EncryptCode string `json:"encrypt_code"` // for card/code/decrypt, as wx.addCard would return
}

// sandboxGiftCard is POST sandbox/gift-card
// {"from_openid","to_openid","card_id","code"}: a user gifts a NORMAL code
// to a friend, who accepts at once (§5.6). WeChat pushes user_gifting_card
// from the giver, then user_get_card to the receiver with IsGiveByFriend 1
// and OldUserCardCode. A WeChat-generated code is replaced by a new one (the
// old one is then 40056); a custom code moves as it is (the merchant may
// re-key it with card/code/update). The receiver's code keeps the giver's
// validity window and has no outer_str (unconfirmed). Cards with
// can_give_friend false cannot be gifted (the client hides the button; the
// driver answers 40078).
func (c *call) sandboxGiftCard() any {
	var req struct {
		From   string `json:"from_openid"`
		To     string `json:"to_openid"`
		CardID string `json:"card_id"`
		Code   string `json:"code"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	switch {
	case req.From == "" || req.To == "" || req.Code == "":
		return wxErr(41011, "from_openid, to_openid and code are required")
	case req.From == req.To:
		return wxErr(40097, "from_openid and to_openid are the same user")
	}
	return c.locked(func(st *state) any {
		uc, err := st.heldCode(req.From, req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		cd := st.cards[uc.cardID]
		if cd.info.noGift {
			return wxErrf(40078, "card %s has can_give_friend false", cd.id)
		}
		old := uc.code
		gifting := newEvent("user_gifting_card", req.From, c.now)
		gifting.CardID, gifting.UserCardCode, gifting.FriendUserName = cd.id, old, req.To
		st.emit(gifting)

		if !cd.info.useCustomCode {
			value := newGeneratedCode()
			for st.codeTaken(cd, value) {
				value = newGeneratedCode()
			}
			st.removeCode(uc)
			uc.code = value
			st.addCode(uc)
		}
		uc.openid, uc.outerStr = req.To, ""
		got := newEvent("user_get_card", req.To, c.now)
		got.CardID, got.UserCardCode, got.IsGiveByFriend = cd.id, uc.code, 1
		got.FriendUserName, got.OldUserCardCode = req.From, old
		st.emit(got)
		return giftReply{okBody: ok, Code: uc.code, EncryptCode: st.newEncryptCode(cd.id, uc.code)}
	})
}
