package callback

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Event is a card event pushed by WeChat (wechat-card-api.md §8.5). Fields
// absent from an event are zero. The xml tags name the elements; the XML is
// read and written by ParseEvent and Event.XML, not by encoding/xml's
// Unmarshal.
type Event struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Event        string

	CardID              string `xml:"CardId"`
	UserCardCode        string
	IsGiveByFriend      int
	FriendUserName      string
	OuterID             int64 `xml:"OuterId"`
	OldUserCardCode     string
	OuterStr            string
	IsRestoreMemberCard int
	IsRecommendByFriend int
	UnionID             string `xml:"UnionId"`

	// user_gifting_card
	IsReturnBack int
	IsChatRoom   int

	// user_consume_card
	ConsumeSource string
	LocationName  string
	StaffOpenID   string `xml:"StaffOpenId"`
	VerifyCode    string
	RemarkAmount  string
	LocationID    int64 `xml:"LocationId"`

	// card_not_pass_check
	RefuseReason string

	// card_sku_remind
	Detail string

	// update_member_card (§13.10): the changes, points and fen
	ModifyBonus   int64
	ModifyBalance int64
}

// eventField is one field of Event on the wire.
type eventField struct {
	name  string // the element name
	index int    // the struct field index
}

// eventFields lists Event's fields in declaration order, and indexes them by
// element name.
var eventFields = sync.OnceValues(func() ([]eventField, map[string]eventField) {
	t := reflect.TypeFor[Event]()
	list := make([]eventField, 0, t.NumField())
	byName := make(map[string]eventField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("xml")
		if name == "" {
			name = f.Name
		}
		ef := eventField{name: name, index: i}
		list = append(list, ef)
		byName[name] = ef
	}
	return list, byName
})

// header are the fields every event has, in WeChat's order.
var header = []string{"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event"}

// eventLayout is the element order after the header for an event type, as
// WeChat sends it. A name ending in "?" is left out when zero. ok is false
// for event types without a known layout.
func eventLayout(event string) (names []string, ok bool) {
	switch event {
	case "card_pass_check", "card_not_pass_check":
		return []string{"CardId", "RefuseReason"}, true
	case "user_get_card":
		return []string{"CardId", "IsGiveByFriend", "UserCardCode", "FriendUserName", "OuterId",
			"OldUserCardCode", "OuterStr", "IsRestoreMemberCard", "IsRecommendByFriend", "UnionId?"}, true
	case "user_gifting_card":
		return []string{"CardId", "UserCardCode", "IsReturnBack", "FriendUserName", "IsChatRoom"}, true
	case "user_del_card", "user_enter_session_from_card":
		return []string{"CardId", "UserCardCode"}, true
	case "user_consume_card":
		return []string{"CardId", "UserCardCode", "ConsumeSource", "LocationName", "StaffOpenId",
			"VerifyCode", "RemarkAmount", "OuterStr", "LocationId?", "OuterId?"}, true
	case "card_sku_remind":
		return []string{"CardId", "Detail"}, true
	case "user_view_card":
		return []string{"CardId", "UserCardCode", "OuterStr"}, true
	}
	return nil, false
}

// ParseEvent reads a plaintext event (the body in plain mode, or what
// Decrypt returns). White space around values, CDATA or not, is trimmed, and
// an empty integer is 0. It returns ErrTooLarge over MaxBody and ErrMalformed
// for XML that is not well formed, an integer field that is not an integer,
// a missing MsgType, or a missing Event when MsgType is "event". Elements
// Event has no field for are skipped.
func ParseEvent(body []byte) (Event, error) {
	list, byName := eventFields()
	fields, err := parseFlat(body, func(name string) bool { _, ok := byName[name]; return ok })
	if err != nil {
		return Event{}, fmt.Errorf("parse event: %w", err)
	}
	var e Event
	v := reflect.ValueOf(&e).Elem()
	for _, f := range list {
		s, ok := fields[f.name]
		if !ok {
			continue
		}
		fv := v.Field(f.index)
		if fv.Kind() == reflect.String {
			fv.SetString(s)
			continue
		}
		if s == "" { // Event's other fields are int and int64
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || fv.OverflowInt(n) {
			return Event{}, fmt.Errorf("parse event: %w: %s %q is not an integer", ErrMalformed, f.name, truncate([]byte(s), 32))
		}
		fv.SetInt(n)
	}
	switch {
	case e.MsgType == "":
		return Event{}, fmt.Errorf("parse event: %w: no MsgType", ErrMalformed)
	case e.MsgType == "event" && e.Event == "":
		return Event{}, fmt.Errorf("parse event: %w: no Event", ErrMalformed)
	}
	return e, nil
}

// XML is the event in WeChat's shape, for the emulator to push: an <xml>
// root, strings in CDATA, integers bare, and only the fields that apply to
// e.Event, in WeChat's order (all of them, even when empty). An event type
// without a known layout gets the header and every non-zero field. An empty
// MsgType is written as "event".
func (e Event) XML() []byte {
	list, byName := eventFields()
	if e.MsgType == "" {
		e.MsgType = "event"
	}
	v := reflect.ValueOf(e)
	var b bytes.Buffer
	b.WriteString("<xml>")
	write := func(name string, omitZero bool) {
		fv := v.Field(byName[name].index)
		if omitZero && fv.IsZero() {
			return
		}
		if fv.Kind() == reflect.String {
			writeCDATA(&b, name, fv.String())
		} else {
			writeInt(&b, name, fv.Int())
		}
	}
	for _, name := range header {
		write(name, false)
	}
	if names, ok := eventLayout(e.Event); ok {
		for _, name := range names {
			name, optional := strings.CutSuffix(name, "?")
			write(name, optional)
		}
	} else {
		for _, f := range list[len(header):] {
			write(f.name, true)
		}
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// DedupeKey is the same for every delivery of one event and differs between
// events: a hex SHA-256 over FromUserName, CreateTime, Event, CardID and
// UserCardCode. Card events carry no MsgId, and one user can cause several
// events in a second (three cards added at once), hence the card and code.
func (e Event) DedupeKey() string {
	h := sha256.New()
	for _, part := range []string{e.FromUserName, strconv.FormatInt(e.CreateTime, 10), e.Event, e.CardID, e.UserCardCode} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}
