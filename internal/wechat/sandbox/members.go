package sandbox

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"
)

// Member cards (§13): the member state of a user card, the template's
// member settings read from the card object, and the creation rules of
// §13.1 the emulator enforces. The calls are in members_calls.go, the form
// and tickets in members_form.go.

// Activation modes (§13.2), derived from the template with §13.1's
// precedence: auto_activate beats activate_url, activate_url beats
// wx_activate; a wx_activate card is jump-type when wx_activate_after_submit
// is true or wx_activate_after_submit_url is non-empty.
const (
	modeNone    = ""
	modeAuto    = "auto"
	modeAPI     = "api"
	modeOneClik = "one_click"
	modeJump    = "jump"
)

// ticketLifetime is how long an activate_ticket reads (§13.13: lifetime
// undocumented; the emulator's choice, 30 minutes).
const ticketLifetime = 30 * time.Minute

// member is the member state of one user card (§13.13).
type member struct {
	activated   bool
	activatedAt time.Time
	number      string
	bonus       int64
	balance     int64
	custom      [3]string
	backgroundP string
	begin, end  int64
	form        *formAnswers // the submitted one-click form, if any
	history     []historyEntry
	outbox      []notice // template messages that "would be sent"
}

type historyEntry struct {
	kind   string // bonus | balance
	delta  int64
	total  int64
	record string
	at     time.Time
}

// notice is one template message WeChat would have sent the holder.
type notice struct {
	Kind   string `json:"kind"` // bonus | balance | custom_field1..3
	Add    int64  `json:"add"`
	Total  int64  `json:"total"`
	Record string `json:"record,omitempty"`
	Value  string `json:"value,omitempty"`
}

// memberOf is uc's member state, made on first use.
func (st *state) memberOf(uc *userCode) *member {
	m := st.members[uc]
	if m == nil {
		m = &member{}
		st.members[uc] = m
	}
	return m
}

// memberSettings are the member_card fields the calls depend on.
type memberSettings struct {
	supplyBonus, supplyBalance bool
	mode                       string
	afterSubmitURL             string
	appBrandUser, appBrandPass string
}

func objBool(obj map[string]any, key string) bool { b, _ := obj[key].(bool); return b }

func objString(obj map[string]any, key string) string { s, _ := obj[key].(string); return s }

// settings reads a member card's settings; ok is false for other types.
func (cd *card) settings() (memberSettings, bool) {
	if cd.cardType != "MEMBER_CARD" {
		return memberSettings{}, false
	}
	o := cd.object
	s := memberSettings{
		supplyBonus: objBool(o, "supply_bonus"), supplyBalance: objBool(o, "supply_balance"),
		afterSubmitURL: objString(o, "wx_activate_after_submit_url"),
		appBrandUser:   objString(o, "activate_app_brand_user_name"),
		appBrandPass:   objString(o, "activate_app_brand_pass"),
	}
	switch {
	case objBool(o, "auto_activate"):
		s.mode = modeAuto
	case objString(o, "activate_url") != "":
		s.mode = modeAPI
	case objBool(o, "wx_activate"):
		s.mode = modeOneClik
		if objBool(o, "wx_activate_after_submit") || s.afterSubmitURL != "" {
			s.mode = modeJump
		}
	case s.appBrandUser != "":
		s.mode = modeAPI
	}
	return s, true
}

// memberCard finds a member card's code: 40056 unknown, 72003 not a member
// card.
func (st *state) memberCard(code, cardID string, now time.Time) (*userCode, *card, memberSettings, *wxError) {
	uc, cd, err := st.findCode(code, cardID, now)
	if err != nil {
		return nil, nil, memberSettings{}, err
	}
	s, isMember := cd.settings()
	if !isMember {
		return nil, nil, memberSettings{}, wxErrf(72003, "card %s is %s", cd.id, cd.cardType)
	}
	return uc, cd, s, nil
}

// checkMemberCreate applies §13.1's creation rules the emulator enforces:
// the header-cell limit (40124, an empty custom_field object counts) and the
// account's permissions (43010 stored value, 43011 points).
func (e *Emulator) checkMemberCreate(def *cardDef) *wxError {
	if def.cardType != "MEMBER_CARD" {
		return nil
	}
	o := def.object
	cells := 0
	for _, k := range []string{"supply_bonus", "supply_balance"} {
		if objBool(o, k) {
			cells++
		}
	}
	for _, k := range []string{"custom_field1", "custom_field2", "custom_field3"} {
		if _, has := o[k]; has {
			cells++
		}
	}
	switch {
	case cells > 3:
		return wxErrf(40124, "%d header cells (points, balance, custom_field1..3), limit 3", cells)
	case objBool(o, "supply_balance") && e.noStoredValue:
		return wxErr(43010, "the account has no stored-value permission")
	case objBool(o, "supply_bonus") && e.noBonus:
		return wxErr(43011, "the account has no points permission")
	}
	return nil
}

// wholeNumber reads an optional JSON integer; a fraction or anything else is
// -1 (the observation of §13.8 with "bonus":100.0000).
func wholeNumber(n *json.Number, field string) (int64, bool, *wxError) {
	if n == nil {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(string(*n), 10, 64)
	if err != nil {
		return 0, false, wxErrf(-1, "%s %s is not a JSON integer", field, *n)
	}
	return v, true, nil
}

// newTicket is an activate_ticket: opaque standard base64 of 108 characters
// (81 bytes), the observed length (§13.13).
func newTicket() string {
	b := make([]byte, 81)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// encryptCardID is the card's encrypt_card_id of geturl: 64 characters of
// standard base64 (48 bytes), stable per card.
func (st *state) encryptCardID(cardID string) string {
	if enc, has := st.encCardIDs[cardID]; has {
		return enc
	}
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	enc := base64.StdEncoding.EncodeToString(b)
	st.encCardIDs[cardID] = enc
	return enc
}

// biz is base64 of the account's decimal id (§13.7), derived from the appid.
func (e *Emulator) biz() string {
	sum := sha1.Sum([]byte(e.appID))
	id := binary.BigEndian.Uint32(sum[:4])
	return base64.StdEncoding.EncodeToString([]byte(strconv.FormatUint(uint64(id), 10)))
}
