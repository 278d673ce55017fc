package main

import (
	"strings"
	"testing"
	"time"
)

type auditJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Result string    `json:"result"`
}

// Every merchant write is in the audit trail, newest first, with who did it,
// in which role, to what, and how it ended; reads are not.
func TestMerchantAuditTrail(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	// Real logins here: the audit names who signed in.
	m.admin = m.adminLogin(t, prodAdminUser, prodAdminPassword)
	m.clerk, _ = merchantLogin(t, m.server, clerkUser, clerkPassword) // startMerchant created the account
	card := m.createCard(t, m.admin, nil)
	custom := m.createCard(t, m.admin, map[string]any{"use_custom_code": true, "title": "自定义码券"})
	user := m.userLogin(t, "oAudited")
	sold := m.receive(t, user, "oAudited", card, "")
	refunded := m.receive(t, user, "oAudited", card, "")
	m.receive(t, user, "oAudited", custom, "AUD0001")

	mustStatus(t, call(t, "PATCH", m.base+"/admin/v1/cards/"+card, m.admin, map[string]any{"base_info": map[string]any{"notice": "审计测试"}}), 200)
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/cards/"+card+"/stock", m.admin, map[string]any{"delta": 5}), 200)
	wantError(t, call(t, "POST", m.base+"/admin/v1/cards/"+card+"/stock", m.admin, map[string]any{"delta": -1000}), 400, "invalid_argument", "delta")
	m.lookUpOK(t, m.clerk, card, sold)
	mustStatus(t, m.consume(t, m.clerk, card, sold), 200)
	wantWeChatError(t, m.consume(t, m.clerk, card, sold), 409, "conflict", 40099)
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/codes/"+refunded+"/unavailable", m.admin, map[string]any{"card_id": card, "reason": "退款"}), 200)
	mustStatus(t, call(t, "PUT", m.base+"/admin/v1/codes/AUD0001", m.admin, map[string]any{"card_id": custom, "new_code": "AUD0002"}), 200)
	r := upload(t, m.base+"/admin/v1/images?kind=logo", m.admin, "file", "logo.png", pngImage(t))
	mustStatus(t, r, 200)
	var img struct {
		URL string `json:"url"`
	}
	r.decode(t, &img)
	wantError(t, upload(t, m.base+"/admin/v1/images?kind=logo", m.admin, "file", "logo.png", []byte("text")), 415, "unsupported_media_type", "")
	mustStatus(t, call(t, "DELETE", m.base+"/admin/v1/cards/"+card, m.admin, nil), 200)
	m.cards(t, "")
	m.card(t, card)

	r = call(t, "GET", m.base+"/admin/v1/audit?count=100", m.admin, nil)
	mustStatus(t, r, 200)
	var audit struct {
		Entries []auditJSON `json:"entries"`
	}
	r.decode(t, &audit)
	admin, clerk := prodAdminUser, clerkUser
	want := []auditJSON{ // newest first
		{Actor: admin, Role: "admin", Action: "card.delete", Target: card, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "image.upload", Target: "", Result: "unsupported_media_type"},
		{Actor: admin, Role: "admin", Action: "image.upload", Target: img.URL, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "code.update", Target: "AUD0001", Result: "ok"},
		{Actor: admin, Role: "admin", Action: "code.unavailable", Target: refunded, Result: "ok"},
		{Actor: clerk, Role: "clerk", Action: "code.consume", Target: sold, Result: "conflict"},
		{Actor: clerk, Role: "clerk", Action: "code.consume", Target: sold, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "card.stock", Target: card, Result: "invalid_argument"},
		{Actor: admin, Role: "admin", Action: "card.stock", Target: card, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "card.update", Target: card, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "card.create", Target: custom, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "card.create", Target: card, Result: "ok"},
		{Actor: admin, Role: "admin", Action: "user.create", Target: clerkUser, Result: "ok"},
	}
	if len(audit.Entries) != len(want) {
		t.Errorf("audit has %d entries, want %d (writes only): %s", len(audit.Entries), len(want), r.body)
	}
	for i := 0; i < len(want) && i < len(audit.Entries); i++ {
		got := audit.Entries[i]
		if got.At.IsZero() || time.Since(got.At) > time.Minute {
			t.Errorf("entry %d at %v, want a recent time", i, got.At)
		}
		if i > 0 && got.At.After(audit.Entries[i-1].At) {
			t.Errorf("entry %d (%v) is newer than entry %d (%v): want newest first", i, got.At, i-1, audit.Entries[i-1].At)
		}
		got.At = time.Time{}
		if got != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got, want[i])
		}
	}
	for _, e := range audit.Entries {
		if strings.Contains(e.Action, "get") || strings.Contains(e.Action, "list") || strings.Contains(e.Action, "lookup") {
			t.Errorf("a read is audited: %+v", e)
		}
	}
	if r := call(t, "GET", m.base+"/admin/v1/audit", m.clerk, nil); r.status != 403 {
		t.Errorf("clerk reading the audit = %d, want 403", r.status)
	}
}
