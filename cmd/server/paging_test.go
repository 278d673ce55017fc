package main

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

// Cursor pages over HTTP: every list walks to its last page through next,
// cursor pages are not shifted by codes received meanwhile, offset pages work
// as before, and bad paging is a 400 naming the parameter.
func TestCursorPages(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	card := m.createCard(t, m.admin, map[string]any{"get_limit": 20})
	cleo := m.userLogin(t, "oCleo")
	var codes []string // newest first
	for range 7 {
		codes = append([]string{m.receive(t, cleo, "oCleo", card, "")}, codes...)
	}
	cardURL := m.base + "/admin/v1/cards/" + card + "/codes"

	// A card's codes, three at a time: 3, 3, 1, the last page without next.
	type page struct {
		Codes []struct {
			Code string `json:"code"`
		} `json:"codes"`
		Total *int64 `json:"total"`
		Next  string `json:"next"`
	}
	get := func(u, token string) page {
		t.Helper()
		r := call(t, "GET", u, token, nil)
		mustStatus(t, r, 200)
		var p page
		r.decode(t, &p)
		return p
	}
	keys := func(p page) []string {
		var out []string
		for _, c := range p.Codes {
			out = append(out, c.Code)
		}
		return out
	}
	var walked []string
	u := cardURL + "?count=3"
	for pages := 1; ; pages++ {
		p := get(u, m.admin)
		walked = append(walked, keys(p)...)
		if pages == 1 && (p.Total == nil || *p.Total != 7) {
			t.Errorf("first page total = %v, want 7", p.Total)
		}
		if pages > 1 && p.Total != nil {
			t.Errorf("page %d (after=) carries total %d, want none", pages, *p.Total)
		}
		if p.Next == "" {
			if pages != 3 || len(p.Codes) != 1 {
				t.Errorf("last page is page %d with %d codes, want page 3 with 1", pages, len(p.Codes))
			}
			break
		}
		if pages > 3 {
			t.Fatal("the walk does not end")
		}
		u = cardURL + "?count=3&after=" + url.QueryEscape(p.Next)
	}
	if !reflect.DeepEqual(walked, codes) {
		t.Errorf("cursor pages:\ngot  %v\nwant %v", walked, codes)
	}

	// Codes received after the first page do not shift the next one.
	first := get(cardURL+"?count=3", m.admin)
	m.receive(t, cleo, "oCleo", card, "")
	m.receive(t, cleo, "oCleo", card, "")
	if got := keys(get(cardURL+"?count=3&after="+url.QueryEscape(first.Next), m.admin)); !reflect.DeepEqual(got, codes[3:6]) {
		t.Errorf("page 2 after two new codes: got %v, want %v", got, codes[3:6])
	}
	// Offset pages are as before, and say next too.
	if p := get(cardURL+"?offset=2&count=3", m.admin); p.Total == nil || *p.Total != 9 || len(p.Codes) != 3 || p.Next == "" {
		t.Errorf("offset page = %d codes, total %v, next %q; want 3 of 9 and a next", len(p.Codes), p.Total, p.Next)
	}
	if p := get(cardURL+"?offset=6&count=3", m.admin); len(p.Codes) != 3 || p.Next != "" {
		t.Errorf("last offset page = %d codes, next %q; want 3 and no next", len(p.Codes), p.Next)
	}

	// The user's own codes: all of them without paging, pages with it.
	if all := get(m.base+"/api/v1/me/codes", cleo); len(all.Codes) != 9 || all.Next != "" {
		t.Errorf("me/codes = %d codes, next %q; want all 9, no next", len(all.Codes), all.Next)
	}
	var mine []string
	u = m.base + "/api/v1/me/codes?count=4"
	for range 5 {
		p := get(u, cleo)
		mine = append(mine, keys(p)...)
		if p.Next == "" {
			break
		}
		u = m.base + "/api/v1/me/codes?count=4&after=" + url.QueryEscape(p.Next)
	}
	if len(mine) != 9 {
		t.Errorf("me/codes pages hold %d codes, want 9", len(mine))
	}

	// The audit trail and the catalogue, one row a page, to the end.
	for _, list := range []struct{ path, field string }{{"/admin/v1/audit", "entries"}, {"/admin/v1/cards", "cards"}} {
		r := call(t, "GET", m.base+list.path+"?count=100", m.admin, nil)
		mustStatus(t, r, 200)
		var whole map[string]json.RawMessage
		r.decode(t, &whole)
		var rows []json.RawMessage
		_ = json.Unmarshal(whole[list.field], &rows)
		var seen []json.RawMessage
		u := m.base + list.path + "?count=1"
		for range len(rows) + 1 {
			r := call(t, "GET", u, m.admin, nil)
			mustStatus(t, r, 200)
			var p map[string]json.RawMessage
			r.decode(t, &p)
			var part []json.RawMessage
			_ = json.Unmarshal(p[list.field], &part)
			seen = append(seen, part...)
			var next string
			_ = json.Unmarshal(p["next"], &next)
			if next == "" {
				break
			}
			u = m.base + list.path + "?count=1&after=" + url.QueryEscape(next)
		}
		if len(rows) == 0 || !reflect.DeepEqual(seen, rows) {
			t.Errorf("%s one a page: %d rows, want the %d of one page of 100 in the same order", list.path, len(seen), len(rows))
		}
	}

	// Bad paging.
	for _, q := range []string{"?after=not-a-cursor", "?offset=3&after=" + url.QueryEscape(first.Next)} {
		r := call(t, "GET", cardURL+q, m.admin, nil)
		mustStatus(t, r, 400)
		var e struct {
			Error struct {
				Code    string         `json:"code"`
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		r.decode(t, &e)
		if e.Error.Code != "invalid_argument" || e.Error.Details["field"] != "after" {
			t.Errorf("codes%s = %s, want invalid_argument on after", q, r.body)
		}
	}
}
