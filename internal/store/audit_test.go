package store_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

func testAudit(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for i, action := range []string{"card.create", "user.create", "code.consume"} {
		e := service.AuditEntry{At: base.Add(time.Duration(i) * time.Minute), Actor: "boss", Role: service.RoleAdmin,
			Action: action, Target: "t" + action, Result: "ok", RequestID: "r1"}
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := s.ListAudit(ctx, service.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Action != "code.consume" || got[2].Action != "card.create" {
		t.Fatalf("entries = %+v, want 3 newest first", got)
	}
	if want := base.Add(2 * time.Minute); !got[0].At.Equal(want) || got[0].Role != service.RoleAdmin || got[0].Target != "tcode.consume" {
		t.Errorf("newest = %+v, want at %v with role and target", got[0], want)
	}
	page, _, err := s.ListAudit(ctx, service.Page{Offset: 1, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].Action != "user.create" {
		t.Errorf("offset 1 count 1 = %+v, want user.create", page)
	}
}

// An entry with values longer than their columns is kept, cut by characters:
// a target of multi-byte characters is not split inside one.
func testAuditTruncates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	long := strings.Repeat("券", 200) // 3 bytes each
	e := service.AuditEntry{At: base.Add(time.Hour), Actor: strings.Repeat("a", 100), Role: service.RoleAdmin,
		Action: "code.consume", Target: long, Result: strings.Repeat("r", 100), RequestID: strings.Repeat("q", 300)}
	if err := s.AppendAudit(ctx, e); err != nil {
		t.Fatalf("append a long entry: %v", err)
	}
	got, _, err := s.ListAudit(ctx, service.Page{Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Action != "code.consume" {
		t.Fatalf("entries = %+v, want the long entry", got)
	}
	g := got[0]
	if n := utf8.RuneCountInString(g.Target); n != 128 || !utf8.ValidString(g.Target) || !strings.HasPrefix(g.Target, strings.Repeat("券", 127)) {
		t.Errorf("target = %q (%d characters), want 128 whole characters", g.Target, n)
	}
	if utf8.RuneCountInString(g.Actor) != 64 || utf8.RuneCountInString(g.Result) != 64 || utf8.RuneCountInString(g.RequestID) != 128 {
		t.Errorf("actor %d, result %d, request id %d characters; want 64, 64, 128", utf8.RuneCountInString(g.Actor),
			utf8.RuneCountInString(g.Result), utf8.RuneCountInString(g.RequestID))
	}
	if err := s.AppendAudit(ctx, service.AuditEntry{Actor: "boss", Role: service.RoleAdmin, Action: "x", Target: "bad\xffbyte"}); err != nil {
		t.Errorf("append a target with invalid UTF-8: %v", err)
	}
}
