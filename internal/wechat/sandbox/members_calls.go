package sandbox

import (
	"encoding/json"
)

// card/membercard/activate, updateuser and userinfo/get (§13.3, §13.8,
// §13.9, rules of §13.13).

type activateRequest struct {
	MembershipNumber string       `json:"membership_number"`
	Code             string       `json:"code"`
	CardID           string       `json:"card_id"`
	BackgroundPicURL string       `json:"background_pic_url"`
	BeginTime        *json.Number `json:"activate_begin_time"`
	EndTime          *json.Number `json:"activate_end_time"`
	InitBonus        *json.Number `json:"init_bonus"`
	InitBonusRecord  string       `json:"init_bonus_record"`
	InitBalance      *json.Number `json:"init_balance"`
	InitCustom1      *string      `json:"init_custom_field_value1"`
	InitCustom2      *string      `json:"init_custom_field_value2"`
	InitCustom3      *string      `json:"init_custom_field_value3"`
}

// membercardActivate is POST card/membercard/activate (接口激活). The code
// must be a NORMAL code of a member card; re-activation succeeds and
// overwrites what it gives, init_* included (emulator decision, §13.13 1).
func (c *call) membercardActivate() any {
	var req activateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Code == "" || req.MembershipNumber == "" {
		return wxErr(41011, "code and membership_number are required")
	}
	if len(req.MembershipNumber) > 20 || len(req.Code) > 20 {
		return wxErr(45021, "membership_number and code: at most 20 bytes")
	}
	if len(req.BackgroundPicURL) > 128 || len(req.InitBonusRecord) > 32 {
		return wxErr(45021, "background_pic_url ≤ 128 bytes, init_bonus_record ≤ 32 bytes")
	}
	custom := []*string{req.InitCustom1, req.InitCustom2, req.InitCustom3}
	for _, v := range custom {
		if v != nil && len(*v) > 12 {
			return wxErrf(45021, "init_custom_field_value %q over 12 bytes", *v)
		}
	}
	bonus, hasBonus, err := wholeNumber(req.InitBonus, "init_bonus")
	if err != nil {
		return err
	}
	balance, hasBalance, err := wholeNumber(req.InitBalance, "init_balance")
	if err != nil {
		return err
	}
	begin, _, err := wholeNumber(req.BeginTime, "activate_begin_time")
	if err != nil {
		return err
	}
	end, _, err := wholeNumber(req.EndTime, "activate_end_time")
	if err != nil {
		return err
	}
	if bonus < 0 || balance < 0 {
		return wxErr(40097, "init_bonus and init_balance may not be negative")
	}
	return c.locked(func(st *state) any {
		uc, _, s, err := st.memberCard(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		if hasBonus && bonus != 0 && !s.supplyBonus {
			return wxErr(43011, "card has supply_bonus false")
		}
		if hasBalance && balance != 0 && !s.supplyBalance {
			return wxErr(43010, "card has supply_balance false")
		}
		m := st.memberOf(uc)
		if !m.activated {
			m.activatedAt = c.now
		}
		m.activated = true
		m.number = req.MembershipNumber
		if req.BackgroundPicURL != "" {
			m.backgroundP = req.BackgroundPicURL
		}
		if begin != 0 || end != 0 {
			m.begin, m.end = begin, end
		}
		if hasBonus {
			m.history = append(m.history, historyEntry{kind: "bonus", delta: bonus - m.bonus, total: bonus, record: req.InitBonusRecord, at: c.now})
			m.bonus = bonus
		}
		if hasBalance {
			m.history = append(m.history, historyEntry{kind: "balance", delta: balance - m.balance, total: balance, at: c.now})
			m.balance = balance
		}
		for i, v := range custom {
			if v != nil {
				m.custom[i] = *v
			}
		}
		return ok
	})
}

type notifyOptional struct {
	Bonus   *bool `json:"is_notify_bonus"`
	Balance *bool `json:"is_notify_balance"`
	Custom1 *bool `json:"is_notify_custom_field1"`
	Custom2 *bool `json:"is_notify_custom_field2"`
	Custom3 *bool `json:"is_notify_custom_field3"`
}

type updateUserRequest struct {
	Code             string          `json:"code"`
	CardID           string          `json:"card_id"`
	BackgroundPicURL string          `json:"background_pic_url"`
	Bonus            *json.Number    `json:"bonus"`
	AddBonus         *json.Number    `json:"add_bonus"`
	RecordBonus      string          `json:"record_bonus"`
	Balance          *json.Number    `json:"balance"`
	AddBalance       *json.Number    `json:"add_balance"`
	RecordBalance    string          `json:"record_balance"`
	Custom1          *string         `json:"custom_field_value1"`
	Custom2          *string         `json:"custom_field_value2"`
	Custom3          *string         `json:"custom_field_value3"`
	Notify           *notifyOptional `json:"notify_optional"`
}

type updateUserReply struct {
	okBody
	ResultBonus   int64  `json:"result_bonus"`
	ResultBalance int64  `json:"result_balance"`
	OpenID        string `json:"openid"`
}

// change is one of points or balance in an updateuser call: total beats add
// (§13.8), so a retry carrying the same total changes nothing.
type change struct {
	total, add         int64
	hasTotal, hasAdd   bool
	kind, record, flag string
}

func (ch change) present() bool { return ch.hasTotal || ch.hasAdd }

// next is the new total from cur; the figure for the notification is add
// when given, else the effective delta.
func (ch change) next(cur int64) (total, notified int64) {
	total = cur + ch.add
	if ch.hasTotal {
		total = ch.total
	}
	notified = total - cur
	if ch.hasAdd {
		notified = ch.add
	}
	return total, notified
}

func readChange(kind string, total, add *json.Number, record string) (change, *wxError) {
	ch := change{kind: kind, record: record}
	var err *wxError
	if ch.total, ch.hasTotal, err = wholeNumber(total, kind); err != nil {
		return ch, err
	}
	if ch.add, ch.hasAdd, err = wholeNumber(add, "add_"+kind); err != nil {
		return ch, err
	}
	if len(record) > 42 {
		return ch, wxErrf(45021, "record_%s is %d bytes, limit 42", kind, len(record))
	}
	return ch, nil
}

// membercardUpdateUser is POST card/membercard/updateuser. Decisions of
// §13.13 4: allowed on non-activated cards, a negative resulting total is
// 40097, points need supply_bonus (43011) and balance supply_balance
// (43010); it pushes update_member_card with the effective deltas unless
// Options.NoMemberUpdatePush.
func (c *call) membercardUpdateUser() any {
	var req updateUserRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Code == "" {
		return wxErr(41011, "code is required")
	}
	bonus, err := readChange("bonus", req.Bonus, req.AddBonus, req.RecordBonus)
	if err != nil {
		return err
	}
	balance, err := readChange("balance", req.Balance, req.AddBalance, req.RecordBalance)
	if err != nil {
		return err
	}
	custom := []*string{req.Custom1, req.Custom2, req.Custom3}
	for _, v := range custom {
		if v != nil && len(*v) > 12 {
			return wxErrf(45021, "custom_field_value %q over 12 bytes", *v)
		}
	}
	if len(req.BackgroundPicURL) > 128 {
		return wxErr(45021, "background_pic_url over 128 bytes")
	}
	notify := notifyOptional{}
	if req.Notify != nil {
		notify = *req.Notify
	}
	flag := func(p *bool, def bool) bool {
		if p == nil {
			return def
		}
		return *p
	}
	return c.locked(func(st *state) any {
		uc, _, s, err := st.memberCard(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		if bonus.present() && !s.supplyBonus {
			return wxErr(43011, "card has supply_bonus false")
		}
		if balance.present() && !s.supplyBalance {
			return wxErr(43010, "card has supply_balance false")
		}
		m := st.memberOf(uc)
		newBonus, addBonus := bonus.next(m.bonus)
		newBalance, addBalance := balance.next(m.balance)
		if newBonus < 0 || newBalance < 0 {
			return wxErrf(40097, "a total may not go below zero (bonus %d, balance %d)", newBonus, newBalance)
		}
		dBonus, dBalance := newBonus-m.bonus, newBalance-m.balance
		if bonus.present() {
			m.history = append(m.history, historyEntry{kind: "bonus", delta: dBonus, total: newBonus, record: bonus.record, at: c.now})
			if flag(notify.Bonus, true) {
				m.outbox = append(m.outbox, notice{Kind: "bonus", Add: addBonus, Total: newBonus, Record: bonus.record})
			}
		}
		if balance.present() {
			m.history = append(m.history, historyEntry{kind: "balance", delta: dBalance, total: newBalance, record: balance.record, at: c.now})
			if flag(notify.Balance, true) {
				m.outbox = append(m.outbox, notice{Kind: "balance", Add: addBalance, Total: newBalance, Record: balance.record})
			}
		}
		m.bonus, m.balance = newBonus, newBalance
		customFlags := []*bool{notify.Custom1, notify.Custom2, notify.Custom3}
		for i, v := range custom {
			if v == nil {
				continue
			}
			m.custom[i] = *v
			if flag(customFlags[i], false) {
				m.outbox = append(m.outbox, notice{Kind: "custom_field" + string(rune('1'+i)), Value: *v})
			}
		}
		if req.BackgroundPicURL != "" {
			m.backgroundP = req.BackgroundPicURL
		}
		if (dBonus != 0 || dBalance != 0) && !c.e.noMemberUpdatePush {
			ev := newEvent("update_member_card", uc.openid, c.now)
			ev.CardID, ev.UserCardCode, ev.ModifyBonus, ev.ModifyBalance = uc.cardID, uc.code, dBonus, dBalance
			st.emit(ev)
		}
		return updateUserReply{okBody: ok, ResultBonus: m.bonus, ResultBalance: m.balance, OpenID: uc.openid}
	})
}

type formField struct {
	Name      string   `json:"name"`
	Value     string   `json:"value"`
	ValueList []string `json:"value_list"`
}

// formAnswers is a submitted form as activatetempinfo/get and userinfo/get
// show it.
type formAnswers struct {
	CommonFieldList []formField `json:"common_field_list"`
	CustomFieldList []formField `json:"custom_field_list"`
}

type userInfoReply struct {
	okBody
	OpenID           string       `json:"openid"`
	Nickname         string       `json:"nickname"`
	MembershipNumber string       `json:"membership_number"`
	Bonus            int64        `json:"bonus"`
	Balance          int64        `json:"balance"`
	Sex              string       `json:"sex"`
	UserInfo         formAnswers  `json:"user_info"`
	UserCardStatus   string       `json:"user_card_status"`
	HasActive        bool         `json:"has_active"`
	CustomValues     [3]string    `json:"custom_field_values"` // emulator extra, for tests
	Notices          []notice     `json:"notices"`             // emulator extra: the outbox (§13.13)
	History          []historyOut `json:"history"`             // emulator extra
}

type historyOut struct {
	Kind   string `json:"kind"`
	Delta  int64  `json:"delta"`
	Total  int64  `json:"total"`
	Record string `json:"record"`
	At     int64  `json:"at"`
}

// membercardUserInfo is POST card/membercard/userinfo/get; both card_id and
// code are required (41011). A card with auto_activate is active from
// receipt. Beside WeChat's fields it returns the emulator's outbox and
// history (§13.13) so tests can see the notifications.
func (c *call) membercardUserInfo() any {
	var req codeRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.CardID == "" || req.Code == "" {
		return wxErr(41011, "card_id and code are required")
	}
	return c.locked(func(st *state) any {
		uc, _, s, err := st.memberCard(req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		m := st.memberOf(uc)
		r := userInfoReply{
			okBody: ok, OpenID: uc.openid, Nickname: "user-" + uc.openid, MembershipNumber: m.number,
			Bonus: m.bonus, Balance: m.balance, Sex: "MALE", UserCardStatus: uc.status,
			HasActive: m.activated || s.mode == modeAuto, CustomValues: m.custom,
			UserInfo: formAnswers{CommonFieldList: []formField{}, CustomFieldList: []formField{}},
			Notices:  append([]notice{}, m.outbox...), History: []historyOut{},
		}
		if m.form != nil {
			r.UserInfo = *m.form
		}
		for _, h := range m.history {
			r.History = append(r.History, historyOut{Kind: h.kind, Delta: h.delta, Total: h.total, Record: h.record, At: h.at.Unix()})
		}
		return r
	})
}
