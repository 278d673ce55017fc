package store_test

import (
	"context"
	"testing"
	"time"

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
	got, err := s.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Action != "code.consume" || got[2].Action != "card.create" {
		t.Fatalf("entries = %+v, want 3 newest first", got)
	}
	if want := base.Add(2 * time.Minute); !got[0].At.Equal(want) || got[0].Role != service.RoleAdmin || got[0].Target != "tcode.consume" {
		t.Errorf("newest = %+v, want at %v with role and target", got[0], want)
	}
	page, err := s.ListAudit(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].Action != "user.create" {
		t.Errorf("offset 1 count 1 = %+v, want user.create", page)
	}
}
