package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

func mustCreateAdmin(t *testing.T, s *store.Store, name string, role service.Role) service.AdminUser {
	t.Helper()
	u, err := s.CreateAdmin(context.Background(), service.AdminUser{Username: name, PasswordHash: "h", Role: role})
	if err != nil {
		t.Fatalf("CreateAdmin %s: %v", name, err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

func testAdminChanges(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAdmin(t, s, "root", service.RoleAdmin)
	mustCreateAdmin(t, s, "till", service.RoleClerk)

	u, err := s.UpdateAdmin(ctx, "till", service.AdminChange{PasswordHash: ptr("h2")})
	if err != nil {
		t.Fatalf("UpdateAdmin password: %v", err)
	}
	if u.PasswordHash != "h2" || u.TokenVersion != 1 || u.Role != service.RoleClerk || u.Disabled {
		t.Errorf("after password change: %+v, want hash h2, version 1, clerk, enabled", u)
	}
	u, err = s.UpdateAdmin(ctx, "till", service.AdminChange{Disabled: ptr(true)})
	if err != nil || !u.Disabled || u.TokenVersion != 2 {
		t.Errorf("disable: %+v, %v; want disabled, version 2", u, err)
	}
	if _, err := s.UpdateAdmin(ctx, "nobody", service.AdminChange{Disabled: ptr(true)}); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("update unknown = %v, want ErrNotFound", err)
	}
	// The only active admin stays one.
	for name, ch := range map[string]service.AdminChange{
		"demote":  {Role: ptr(service.RoleClerk)},
		"disable": {Disabled: ptr(true)},
	} {
		if _, err := s.UpdateAdmin(ctx, "root", ch); !errors.Is(err, service.ErrLastAdmin) || !errors.Is(err, service.ErrConflict) {
			t.Errorf("%s the last admin = %v, want ErrLastAdmin", name, err)
		}
	}
	if err := s.DeleteAdmin(ctx, "root"); !errors.Is(err, service.ErrLastAdmin) {
		t.Errorf("delete the last admin = %v, want ErrLastAdmin", err)
	}
	// A disabled admin does not count: promoting the disabled clerk leaves root the only active one.
	if _, err := s.UpdateAdmin(ctx, "till", service.AdminChange{Role: ptr(service.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAdmin(ctx, "root"); !errors.Is(err, service.ErrLastAdmin) {
		t.Errorf("delete root beside a disabled admin = %v, want ErrLastAdmin", err)
	}
	if _, err := s.UpdateAdmin(ctx, "till", service.AdminChange{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAdmin(ctx, "root"); err != nil {
		t.Errorf("delete root beside another active admin = %v", err)
	}
	if _, err := s.GetAdmin(ctx, "root"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("root after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteAdmin(ctx, "root"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("delete twice = %v, want ErrNotFound", err)
	}

	at := time.Date(2026, 2, 3, 4, 5, 6, 789_000_000, time.UTC)
	if err := s.RecordLogin(ctx, "till", at); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListAdmins(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListAdmins = %+v, %v; want till alone", list, err)
	}
	if got := list[0]; got.Username != "till" || got.LastLoginAt == nil || !got.LastLoginAt.Equal(at) || got.Role != service.RoleAdmin {
		t.Errorf("listed %+v, want till, admin, last login %s", got, at)
	}
}

// Two admins demoted, disabled or deleted at the same time: exactly one of the
// two changes passes, and one active admin remains. Each round races the
// survivor of the last round against a new admin.
func testLastAdminConcurrent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	ops := []func(string) error{
		func(n string) error {
			_, err := s.UpdateAdmin(ctx, n, service.AdminChange{Role: ptr(service.RoleClerk)})
			return err
		},
		func(n string) error {
			_, err := s.UpdateAdmin(ctx, n, service.AdminChange{Disabled: ptr(true)})
			return err
		},
		func(n string) error { return s.DeleteAdmin(ctx, n) },
	}
	cur := mustCreateAdmin(t, s, "first", service.RoleAdmin).Username
	for round := 0; round < 12; round++ {
		next := mustCreateAdmin(t, s, fmt.Sprintf("round%d", round), service.RoleAdmin).Username
		names := []string{cur, next}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, n := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = ops[(round+i)%len(ops)](n)
			}()
		}
		wg.Wait()
		var survivors []string
		for i, err := range errs {
			switch {
			case err == nil:
			case errors.Is(err, service.ErrLastAdmin):
				survivors = append(survivors, names[i])
			default:
				t.Fatalf("round %d, %s: %v", round, names[i], err)
			}
		}
		if len(survivors) != 1 {
			t.Fatalf("round %d: changes to %v gave %v, want exactly one refused as the last admin", round, names, errs)
		}
		cur = survivors[0]
		if u, err := s.GetAdmin(ctx, cur); err != nil || u.Role != service.RoleAdmin || u.Disabled {
			t.Fatalf("round %d: survivor %s = %+v, %v; want an active admin", round, cur, u, err)
		}
	}
}
