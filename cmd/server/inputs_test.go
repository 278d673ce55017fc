package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// card-ext signs only what the merchant would: a fixed-term card's start
// between 30 days ago and 10 minutes ahead, and custom codes of 1–20
// characters of 0-9 A-Z a-z _ -. Refusals name the field.
func TestCardExtRefusesWhatItMustNotSign(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	term := m.createCard(t, m.admin, map[string]any{"title": "领取后生效", "date_info": map[string]any{
		"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 0}})
	custom := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "自定义码"})
	user := m.userLogin(t, "oInputs")
	now := time.Now().Unix()

	for _, tt := range []struct {
		name  string
		cards []map[string]any
		field string // "" when the request is good
	}{
		{"start a day ago", []map[string]any{{"card_id": term, "fixed_begintimestamp": now - 86400}}, ""},
		{"start five minutes ahead", []map[string]any{{"card_id": term, "fixed_begintimestamp": now + 300}}, ""},
		{"start a year ahead", []map[string]any{{"card_id": term, "fixed_begintimestamp": now + 365*86400}}, "cards[0].fixed_begintimestamp"},
		{"start an hour ahead", []map[string]any{{"card_id": term, "fixed_begintimestamp": now + 3600}}, "cards[0].fixed_begintimestamp"},
		{"start 31 days ago", []map[string]any{{"card_id": term, "fixed_begintimestamp": now - 31*86400}}, "cards[0].fixed_begintimestamp"},
		{"start negative", []map[string]any{{"card_id": term, "fixed_begintimestamp": -5}}, "cards[0].fixed_begintimestamp"},
		{"code of every allowed kind", []map[string]any{{"card_id": custom, "code": "Ab_-09"}}, ""},
		{"code of 20", []map[string]any{{"card_id": custom, "code": strings.Repeat("7", 20)}}, ""},
		{"code of 21", []map[string]any{{"card_id": custom, "code": strings.Repeat("7", 21)}}, "cards[0].code"},
		{"code with a control character", []map[string]any{{"card_id": custom, "code": "AB\x01CD"}}, "cards[0].code"},
		{"code with a newline", []map[string]any{{"card_id": custom, "code": "AB\nCD"}}, "cards[0].code"},
		{"code with a space", []map[string]any{{"card_id": custom, "code": "AB CD"}}, "cards[0].code"},
		{"code with a Chinese character", []map[string]any{{"card_id": custom, "code": "券001"}}, "cards[0].code"},
		{"second card's code", []map[string]any{{"card_id": custom, "code": "OK001"}, {"card_id": custom, "code": "x|y"}}, "cards[1].code"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", m.base+"/api/v1/card-ext", user, map[string]any{"cards": tt.cards})
			if tt.field == "" {
				mustStatus(t, r, 200)
				return
			}
			wantError(t, r, 400, "invalid_argument", tt.field)
		})
	}
}

// An audit entry is kept when its target is longer than the column: cut to
// 128 whole characters.
func TestAuditKeepsLongTargets(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	long := strings.Repeat("券", 150)
	r := call(t, "POST", m.base+"/admin/v1/codes/"+url.PathEscape(long)+"/consume", m.clerk, map[string]any{"card_id": "pSomeCard"})
	wantError(t, r, 400, "invalid_argument", "code")

	r = call(t, "GET", m.base+"/admin/v1/audit", m.admin, nil)
	mustStatus(t, r, 200)
	var audit struct {
		Entries []auditJSON `json:"entries"`
	}
	r.decode(t, &audit)
	var consumes []auditJSON // the clerk's account creation is audited too
	for _, e := range audit.Entries {
		if e.Action == "code.consume" {
			consumes = append(consumes, e)
		}
	}
	if len(consumes) != 1 {
		t.Fatalf("audit = %s, want one consume entry", r.body)
	}
	e := consumes[0]
	if e.Action != "code.consume" || e.Result != "invalid_argument" || !utf8.ValidString(e.Target) ||
		utf8.RuneCountInString(e.Target) != 128 || !strings.HasPrefix(e.Target, strings.Repeat("券", 127)) {
		t.Errorf("audit entry = %+v, want code.consume with the target cut to 128 characters", e)
	}
}
