package callback_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

// header is the common part of the events below, in the official sample's
// spacing.
func header(event string) string {
	return `<xml>
  <ToUserName> <![CDATA[gh_fc0a06a20993]]> </ToUserName>
  <FromUserName> <![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]> </FromUserName>
  <CreateTime> 1472551036 </CreateTime>
  <MsgType> <![CDATA[event]]> </MsgType>
  <Event> <![CDATA[` + event + `]]> </Event>
`
}

func base(event string) callback.Event {
	return callback.Event{ToUserName: "gh_fc0a06a20993", FromUserName: "oZI8Fj040-be6rlDohc6gkoPOQTQ",
		CreateTime: 1472551036, MsgType: "event", Event: event}
}

// eventCases are the §8.5 event types in WeChat's shape with what they parse to.
func eventCases() []struct {
	name string
	xml  string
	want callback.Event
} {
	with := func(e callback.Event, set func(*callback.Event)) callback.Event { set(&e); return e }
	return []struct {
		name string
		xml  string
		want callback.Event
	}{
		{"§8.5 user_get_card sample", sampleUserGetCard, with(base("user_get_card"), func(e *callback.Event) {
			e.CreateTime, e.CardID, e.UserCardCode, e.OuterStr = 1472551036, "pZI8Fjwsy5fVPRBeD78J4RmqVvBc", "226009850808", "12b"
		})},
		{"§10 card_pass_check", vecMsg, callback.Event{ToUserName: "gh_test", FromUserName: "oUser", CreateTime: 1700000000,
			MsgType: "event", Event: "card_pass_check", CardID: "pCardId"}},
		{"card_pass_check", header("card_pass_check") + `<CardId><![CDATA[pCard]]></CardId><RefuseReason><![CDATA[]]></RefuseReason></xml>`,
			with(base("card_pass_check"), func(e *callback.Event) { e.CardID = "pCard" })},
		{"card_not_pass_check", header("card_not_pass_check") + `<CardId><![CDATA[pCard]]></CardId>
  <RefuseReason><![CDATA[logo 不清晰]]></RefuseReason></xml>`,
			with(base("card_not_pass_check"), func(e *callback.Event) { e.CardID, e.RefuseReason = "pCard", "logo 不清晰" })},
		{"user_get_card with a gift", header("user_get_card") + `<CardId><![CDATA[pCard]]></CardId>
  <IsGiveByFriend>1</IsGiveByFriend>
  <UserCardCode><![CDATA[226009850809]]></UserCardCode>
  <FriendUserName><![CDATA[oGiver]]></FriendUserName>
  <OuterId>7</OuterId>
  <OldUserCardCode><![CDATA[226009850808]]></OldUserCardCode>
  <OuterStr><![CDATA[]]></OuterStr>
  <IsRestoreMemberCard>0</IsRestoreMemberCard>
  <IsRecommendByFriend>1</IsRecommendByFriend>
  <UnionId><![CDATA[uUnion]]></UnionId>
</xml>`, with(base("user_get_card"), func(e *callback.Event) {
			e.CardID, e.IsGiveByFriend, e.UserCardCode, e.FriendUserName = "pCard", 1, "226009850809", "oGiver"
			e.OuterID, e.OldUserCardCode, e.IsRecommendByFriend, e.UnionID = 7, "226009850808", 1, "uUnion"
		})},
		{"user_gifting_card", header("user_gifting_card") + `<CardId><![CDATA[pCard]]></CardId>
  <UserCardCode><![CDATA[226009850808]]></UserCardCode>
  <IsReturnBack>0</IsReturnBack>
  <FriendUserName><![CDATA[oReceiver]]></FriendUserName>
  <IsChatRoom>1</IsChatRoom>
</xml>`, with(base("user_gifting_card"), func(e *callback.Event) {
			e.CardID, e.UserCardCode, e.FriendUserName, e.IsChatRoom = "pCard", "226009850808", "oReceiver", 1
		})},
		{"user_del_card", header("user_del_card") + `<CardId><![CDATA[pCard]]></CardId><UserCardCode><![CDATA[226009850808]]></UserCardCode></xml>`,
			with(base("user_del_card"), func(e *callback.Event) { e.CardID, e.UserCardCode = "pCard", "226009850808" })},
		{"user_consume_card", header("user_consume_card") + `<CardId><![CDATA[pCard]]></CardId>
  <UserCardCode><![CDATA[226009850808]]></UserCardCode>
  <ConsumeSource><![CDATA[FROM_API]]></ConsumeSource>
  <LocationName><![CDATA[]]></LocationName>
  <StaffOpenId><![CDATA[oStaff]]></StaffOpenId>
  <VerifyCode><![CDATA[]]></VerifyCode>
  <RemarkAmount><![CDATA[]]></RemarkAmount>
  <OuterStr><![CDATA[xxxxx]]></OuterStr>
  <LocationId>493</LocationId>
</xml>`, with(base("user_consume_card"), func(e *callback.Event) {
			e.CardID, e.UserCardCode, e.ConsumeSource, e.StaffOpenID = "pCard", "226009850808", "FROM_API", "oStaff"
			e.OuterStr, e.LocationID = "xxxxx", 493
		})},
		{"card_sku_remind", header("card_sku_remind") + `<CardId><![CDATA[pCard]]></CardId><Detail><![CDATA[the card's quantity is equal to 0]]></Detail></xml>`,
			with(base("card_sku_remind"), func(e *callback.Event) { e.CardID, e.Detail = "pCard", "the card's quantity is equal to 0" })},
		{"user_view_card", header("user_view_card") + `<CardId><![CDATA[pCard]]></CardId><UserCardCode><![CDATA[226009850808]]></UserCardCode><OuterStr><![CDATA[12b]]></OuterStr></xml>`,
			with(base("user_view_card"), func(e *callback.Event) { e.CardID, e.UserCardCode, e.OuterStr = "pCard", "226009850808", "12b" })},
		{"user_enter_session_from_card", header("user_enter_session_from_card") + `<CardId><![CDATA[pCard]]></CardId><UserCardCode><![CDATA[226009850808]]></UserCardCode></xml>`,
			with(base("user_enter_session_from_card"), func(e *callback.Event) { e.CardID, e.UserCardCode = "pCard", "226009850808" })},
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	for _, tt := range eventCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := callback.ParseEvent([]byte(tt.xml))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseEvent =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseEventTolerates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xml  string
		want callback.Event
	}{
		{"XML declaration and comments", `<?xml version="1.0" encoding="UTF-8"?><!-- pushed --><xml><MsgType>event</MsgType><!-- x --><Event>user_del_card</Event></xml>
`, callback.Event{MsgType: "event", Event: "user_del_card"}},
		{"plain text instead of CDATA, with entities", `<xml><MsgType>event</MsgType><Event>user_del_card</Event><CardId>a&amp;b&#x4e2d;&lt;</CardId></xml>`,
			callback.Event{MsgType: "event", Event: "user_del_card", CardID: "a&b中<"}},
		{"tabs and newlines around integers and CDATA", "<xml><MsgType>\n\t<![CDATA[event]]>\r\n</MsgType><Event><![CDATA[ user_del_card ]]></Event><CreateTime>\t 42 \n</CreateTime></xml>",
			callback.Event{MsgType: "event", Event: "user_del_card", CreateTime: 42}},
		{"empty integers", `<xml><MsgType>event</MsgType><Event>user_get_card</Event><OuterId></OuterId><IsGiveByFriend> </IsGiveByFriend></xml>`,
			callback.Event{MsgType: "event", Event: "user_get_card"}},
		{"unknown fields, nested ones too", `<xml><MsgType>event</MsgType><Event>update_member_card</Event><NotAField>3</NotAField><Extra><A><B>1</B></A></Extra><Extra/></xml>`,
			callback.Event{MsgType: "event", Event: "update_member_card"}},
		{"fields in any order", `<xml><Event>user_del_card</Event><UserCardCode>1</UserCardCode><MsgType>event</MsgType></xml>`,
			callback.Event{MsgType: "event", Event: "user_del_card", UserCardCode: "1"}},
		{"a message that is not an event", `<xml><MsgType>text</MsgType><Content>hi</Content></xml>`,
			callback.Event{MsgType: "text"}},
		{"negative integer", `<xml><MsgType>event</MsgType><Event>x</Event><OuterId>-1</OuterId></xml>`,
			callback.Event{MsgType: "event", Event: "x", OuterID: -1}},
		{"32 levels", "<xml><MsgType>event</MsgType><Event>x</Event>" + strings.Repeat("<a>", 31) + strings.Repeat("</a>", 31) + "</xml>",
			callback.Event{MsgType: "event", Event: "x"}},
		{"self-closing fields", `<xml><MsgType>event</MsgType><Event>x</Event><CardId/></xml>`,
			callback.Event{MsgType: "event", Event: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := callback.ParseEvent([]byte(tt.xml))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseEvent =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// malformedCases are bodies both parsers must refuse with ErrMalformed.
func malformedCases() []struct{ name, xml string } {
	return []struct{ name, xml string }{
		{"empty", ``},
		{"white space", " \n"},
		{"not XML", `success`},
		{"JSON", `{"MsgType":"event"}`},
		{"unclosed root", `<xml><MsgType>event</MsgType>`},
		{"unclosed field", `<xml><MsgType>event</xml>`},
		{"mismatched tags", `<xml><MsgType>event</Event></xml>`},
		{"unterminated CDATA", `<xml><MsgType><![CDATA[event</MsgType></xml>`},
		{"two roots", `<xml><MsgType>event</MsgType></xml><xml></xml>`},
		{"text after the root", `<xml><MsgType>event</MsgType></xml>trailing`},
		{"text before the root", `junk<xml><MsgType>event</MsgType></xml>`},
		{"DOCTYPE with an internal entity", `<!DOCTYPE xml [<!ENTITY e "event">]><xml><MsgType>&e;</MsgType></xml>`},
		{"DOCTYPE with an external entity", `<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><MsgType>&e;</MsgType></xml>`},
		{"DOCTYPE alone", `<!DOCTYPE xml><xml><MsgType>event</MsgType></xml>`},
		{"undeclared entity", `<xml><MsgType>event&nbsp;</MsgType></xml>`},
		{"bad character reference", `<xml><MsgType>&#0;</MsgType></xml>`},
		{"GBK declared", `<?xml version="1.0" encoding="GBK"?><xml><MsgType>event</MsgType></xml>`},
		{"invalid UTF-8", "<xml><MsgType>ev\xffent</MsgType></xml>"},
		{"control character", "<xml><MsgType>ev\x01ent</MsgType></xml>"},
		{"unquoted attribute", `<xml a=b><MsgType>event</MsgType></xml>`},
		{"deeply nested", strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000)},
		{"deeply nested, unclosed", strings.Repeat("<a>", 300_000)},
		{"33 levels", "<xml><MsgType>event</MsgType><Event>x</Event>" + strings.Repeat("<a>", 32) + strings.Repeat("</a>", 32) + "</xml>"},
		{"known field twice", `<xml><MsgType>event</MsgType><MsgType>event</MsgType><Event>x</Event><Encrypt>AA</Encrypt><Encrypt>BB</Encrypt><ToUserName/><ToUserName/></xml>`},
		{"known field with child elements", `<xml><MsgType><a>event</a></MsgType><Encrypt><a>AA</a></Encrypt></xml>`},
	}
}

func TestParseEventRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, xml string
		wantErr   error
	}{
		{"no MsgType", `<xml><Event>user_del_card</Event></xml>`, callback.ErrMalformed},
		{"event without Event", `<xml><MsgType>event</MsgType><CardId>p</CardId></xml>`, callback.ErrMalformed},
		{"event with an empty Event", `<xml><MsgType>event</MsgType><Event><![CDATA[ ]]></Event></xml>`, callback.ErrMalformed},
		{"CreateTime not a number", `<xml><MsgType>event</MsgType><Event>x</Event><CreateTime>soon</CreateTime></xml>`, callback.ErrMalformed},
		{"CreateTime in CDATA with junk", `<xml><MsgType>event</MsgType><Event>x</Event><CreateTime><![CDATA[12a]]></CreateTime></xml>`, callback.ErrMalformed},
		{"CreateTime past int64", `<xml><MsgType>event</MsgType><Event>x</Event><CreateTime>9223372036854775808</CreateTime></xml>`, callback.ErrMalformed},
		{"IsGiveByFriend a float", `<xml><MsgType>event</MsgType><Event>x</Event><IsGiveByFriend>1.0</IsGiveByFriend></xml>`, callback.ErrMalformed},
		{"over MaxBody", `<xml><MsgType>event</MsgType><Event>x</Event>` + strings.Repeat(" ", callback.MaxBody) + `</xml>`, callback.ErrTooLarge},
	}
	for _, m := range malformedCases() {
		tests = append(tests, struct {
			name, xml string
			wantErr   error
		}{m.name, m.xml, callback.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := callback.ParseEvent([]byte(tt.xml))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseEvent error = %v, want %v", err, tt.wantErr)
			}
			if got != (callback.Event{}) {
				t.Errorf("ParseEvent = %+v, want the zero Event", got)
			}
		})
	}
}

func TestParseEventAtMaxBody(t *testing.T) {
	t.Parallel()
	head := `<xml><MsgType>event</MsgType><Event>x</Event>`
	body := head + strings.Repeat(" ", callback.MaxBody-len(head)-len("</xml>")) + "</xml>"
	if len(body) != callback.MaxBody {
		t.Fatalf("body is %d bytes", len(body))
	}
	if _, err := callback.ParseEvent([]byte(body)); err != nil {
		t.Errorf("ParseEvent(MaxBody bytes): %v", err)
	}
}

func TestEventXML(t *testing.T) {
	t.Parallel()
	e := callback.Event{ToUserName: "gh_test", FromUserName: "oUser", CreateTime: 1700000000,
		MsgType: "event", Event: "card_pass_check", CardID: "pCardId"}
	if got, want := string(e.XML()), vecMsg; got != want {
		t.Errorf("XML =\n%s\nwant (§10)\n%s", got, want)
	}
	e.MsgType = ""
	if got, want := string(e.XML()), vecMsg; got != want {
		t.Errorf("XML with no MsgType =\n%s\nwant\n%s", got, want)
	}
}

func TestEventXMLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range eventCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := tt.want.XML()
			got, err := callback.ParseEvent(x)
			if err != nil {
				t.Fatalf("ParseEvent(XML): %v\n%s", err, x)
			}
			if got != tt.want {
				t.Errorf("ParseEvent(XML) =\n%+v\nwant\n%+v\nXML: %s", got, tt.want, x)
			}
		})
	}
}

func TestEventXMLRoundTripAllFields(t *testing.T) {
	t.Parallel()
	full := func(event string) callback.Event {
		return callback.Event{ToUserName: "gh_a", FromUserName: "oA", CreateTime: 1, MsgType: "event", Event: event,
			CardID: "pA", UserCardCode: "123", IsGiveByFriend: 1, FriendUserName: "oB", OuterID: 2, OldUserCardCode: "122",
			OuterStr: "ch", IsRestoreMemberCard: 1, IsRecommendByFriend: 1, UnionID: "uA", IsReturnBack: 1, IsChatRoom: 1,
			ConsumeSource: "FROM_MP", LocationName: "门店", StaffOpenID: "oS", VerifyCode: "v", RemarkAmount: "5",
			LocationID: 3, RefuseReason: "r", Detail: "d"}
	}
	tests := []struct {
		event string
		keep  func(callback.Event) callback.Event // the fields the event carries
	}{
		{"card_pass_check", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, RefuseReason: e.RefuseReason}
		}},
		{"card_not_pass_check", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, RefuseReason: e.RefuseReason}
		}},
		{"user_get_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, IsGiveByFriend: e.IsGiveByFriend, UserCardCode: e.UserCardCode, FriendUserName: e.FriendUserName,
				OuterID: e.OuterID, OldUserCardCode: e.OldUserCardCode, OuterStr: e.OuterStr, IsRestoreMemberCard: e.IsRestoreMemberCard,
				IsRecommendByFriend: e.IsRecommendByFriend, UnionID: e.UnionID}
		}},
		{"user_gifting_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, UserCardCode: e.UserCardCode, IsReturnBack: e.IsReturnBack, FriendUserName: e.FriendUserName, IsChatRoom: e.IsChatRoom}
		}},
		{"user_del_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, UserCardCode: e.UserCardCode}
		}},
		{"user_consume_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, UserCardCode: e.UserCardCode, ConsumeSource: e.ConsumeSource, LocationName: e.LocationName,
				StaffOpenID: e.StaffOpenID, VerifyCode: e.VerifyCode, RemarkAmount: e.RemarkAmount, OuterStr: e.OuterStr,
				LocationID: e.LocationID, OuterID: e.OuterID}
		}},
		{"card_sku_remind", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, Detail: e.Detail}
		}},
		{"user_view_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, UserCardCode: e.UserCardCode, OuterStr: e.OuterStr}
		}},
		{"user_enter_session_from_card", func(e callback.Event) callback.Event {
			return callback.Event{ToUserName: e.ToUserName, FromUserName: e.FromUserName, CreateTime: e.CreateTime, MsgType: e.MsgType, Event: e.Event,
				CardID: e.CardID, UserCardCode: e.UserCardCode}
		}},
		{"update_member_card", func(e callback.Event) callback.Event { return e }}, // no known layout: every field
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			x := full(tt.event).XML()
			got, err := callback.ParseEvent(x)
			if err != nil {
				t.Fatalf("ParseEvent(XML): %v\n%s", err, x)
			}
			if want := tt.keep(full(tt.event)); got != want {
				t.Errorf("ParseEvent(XML) =\n%+v\nwant\n%+v\nXML: %s", got, want, x)
			}
		})
	}
}

func TestEventXMLShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		e         callback.Event
		want, not []string
	}{
		{"user_get_card writes empty strings and zeros, no UnionId when empty",
			callback.Event{MsgType: "event", Event: "user_get_card", CardID: "p"},
			[]string{"<FriendUserName><![CDATA[]]></FriendUserName>", "<OuterId>0</OuterId>", "<IsGiveByFriend>0</IsGiveByFriend>"},
			[]string{"UnionId", "Detail", "IsChatRoom"}},
		{"user_del_card leaves out fields of other events",
			callback.Event{MsgType: "event", Event: "user_del_card", CardID: "p", Detail: "d", OuterStr: "o", IsChatRoom: 1},
			[]string{"<CardId><![CDATA[p]]></CardId><UserCardCode><![CDATA[]]></UserCardCode></xml>"},
			[]string{"Detail", "OuterStr", "IsChatRoom"}},
		{"user_consume_card writes LocationId only when set",
			callback.Event{MsgType: "event", Event: "user_consume_card"},
			[]string{"<OuterStr><![CDATA[]]></OuterStr></xml>"},
			[]string{"LocationId", "OuterId"}},
		{"]]> in a value", callback.Event{MsgType: "event", Event: "card_sku_remind", Detail: "a]]>b"},
			[]string{"<Detail><![CDATA[a]]]]><![CDATA[>b]]></Detail>"}, nil},
		{"characters XML cannot carry", callback.Event{MsgType: "event", Event: "card_sku_remind", Detail: "a\x00b\xffc"},
			[]string{"<Detail><![CDATA[a\uFFFDb\uFFFDc]]></Detail>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := tt.e.XML()
			for _, w := range tt.want {
				if !bytes.Contains(x, []byte(w)) {
					t.Errorf("XML %s lacks %s", x, w)
				}
			}
			for _, n := range tt.not {
				if bytes.Contains(x, []byte(n)) {
					t.Errorf("XML %s has %s", x, n)
				}
			}
			if _, err := callback.ParseEvent(x); err != nil {
				t.Errorf("ParseEvent(XML): %v", err)
			}
		})
	}
}

func TestDedupeKey(t *testing.T) {
	t.Parallel()
	card := func(id, code string) callback.Event {
		return callback.Event{FromUserName: "oUser", CreateTime: 1700000000, MsgType: "event", Event: "user_get_card", CardID: id, UserCardCode: code}
	}
	first, err := callback.ParseEvent([]byte(sampleUserGetCard))
	if err != nil {
		t.Fatal(err)
	}
	retry, err := callback.ParseEvent([]byte(strings.ReplaceAll(sampleUserGetCard, "  ", "")))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := first.DedupeKey(), retry.DedupeKey(); a != b {
		t.Errorf("the same event delivered twice: keys %s and %s, want equal", a, b)
	}
	if a := first.DedupeKey(); len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("key %q, want 64 lower-case hex digits", a)
	}

	distinct := []callback.Event{
		card("pA", "1"), card("pB", "2"), card("pC", "3"), // three cards added in one second
		card("pA", "2"),
		func() callback.Event { e := card("pA", "1"); e.Event = "user_del_card"; return e }(),
		func() callback.Event { e := card("pA", "1"); e.CreateTime++; return e }(),
		func() callback.Event { e := card("pA", "1"); e.FromUserName = "oOther"; return e }(),
		card("pA1", ""), card("pA", "1\x00"), // separators cannot be forged
	}
	seen := map[string]int{}
	for i, e := range distinct {
		k := e.DedupeKey()
		if j, dup := seen[k]; dup {
			t.Errorf("events %d and %d share the key %s:\n%+v\n%+v", j, i, k, distinct[j], e)
		}
		seen[k] = i
	}
}
