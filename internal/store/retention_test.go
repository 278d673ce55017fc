package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// The retention job over a real database: rows older than their table's age
// go, in batches; newer ones stay; dedupe still recognises a repeat within the
// window.

func TestRetentionMySQL(t *testing.T) {
	t.Parallel()
	testRetention(t, openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)}))
}

func TestRetentionSQLite(t *testing.T) {
	t.Parallel()
	testRetention(t, openMigrated(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "coupon.db")}))
}

func testRetention(t *testing.T, s *store.Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	day := 24 * time.Hour
	// 25 rows of each kind 40 days old, 3 from 10 days ago; audit entries 500
	// and 100 days old.
	const old, recent = 25, 3
	for i := range old + recent {
		age := 40 * day
		if i >= old {
			age = 10 * day
		}
		when := now.Add(-age).Add(time.Duration(i) * time.Second)
		if _, err := s.RecordEvent(ctx, service.CardEvent{Key: fmt.Sprintf("ev%d", i), Type: "user_view_card", CardID: "pR",
			ReceivedAt: when}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ClaimKey(ctx, service.IdempotencyKey{Scope: "card.create", Key: fmt.Sprintf("k%d", i), BodyHash: "h",
			State: service.IdemDone, CreatedAt: when}, now.Add(-100*day)); err != nil {
			t.Fatal(err)
		}
		auditAge := 500 * day
		if i >= old {
			auditAge = 100 * day
		}
		if err := s.AppendAudit(ctx, service.AuditEntry{At: now.Add(-auditAge).Add(time.Duration(i) * time.Second), Actor: "a",
			Role: service.RoleAdmin, Action: fmt.Sprintf("a%d", i), Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	// Notifications are stamped with the store's clock: only recent ones.
	for i := range recent {
		if _, err := s.MarkNotification(ctx, fmt.Sprintf("n%d", i), "COUPON.SEND"); err != nil {
			t.Fatal(err)
		}
	}

	counting := &countingStore{RetentionStore: s}
	r := service.NewRetention(counting, cache.NewMemory(), service.RetentionPolicy{Dedupe: 30 * day, Audit: 400 * day,
		Batch: 10, Interval: time.Hour}, nil, func() time.Time { return now })
	deleted, err := r.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	for _, table := range []service.RetainedTable{service.RetainCardEvents, service.RetainIdempotencyKeys, service.RetainAudit} {
		if deleted[table] != old {
			t.Errorf("%s: deleted %d, want %d", table, deleted[table], old)
		}
	}
	if deleted[service.RetainPayNotifications] != 0 {
		t.Errorf("notifications: deleted %d, want 0 (all recent)", deleted[service.RetainPayNotifications])
	}
	// 25 rows in batches of 10: three batches per table of the four (the last
	// table's only batch finds nothing).
	if counting.calls != 3*3+1 {
		t.Errorf("batches: %d, want 10", counting.calls)
	}

	// What stays: the recent rows, and dedupe still knows them.
	for i := range old + recent {
		seen, err := s.SeenEvent(ctx, fmt.Sprintf("ev%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if seen != (i >= old) {
			t.Errorf("event ev%d: seen %v after pruning, want %v", i, seen, i >= old)
		}
		_, err = s.GetKey(ctx, "card.create", fmt.Sprintf("k%d", i))
		if kept := err == nil; kept != (i >= old) {
			t.Errorf("idempotency key k%d: kept %v (%v), want %v", i, kept, err, i >= old)
		}
	}
	if created, err := s.RecordEvent(ctx, service.CardEvent{Key: fmt.Sprintf("ev%d", old), Type: "user_view_card", CardID: "pR"}); err != nil || created {
		t.Errorf("a repeat within the window: created %v, %v; want recognised", created, err)
	}
	if first, err := s.MarkNotification(ctx, "n0", "COUPON.SEND"); err != nil || first {
		t.Errorf("a notification within the window: first %v, %v; want recognised", first, err)
	}
	entries, _, err := s.ListAudit(ctx, service.Page{Count: 100})
	if err != nil || len(entries) != recent {
		t.Fatalf("audit after pruning: %d entries, %v; want %d", len(entries), err, recent)
	}
	for _, e := range entries {
		if !e.At.After(now.Add(-400 * day)) {
			t.Errorf("audit entry %s at %v is older than 400 days", e.Action, e.At)
		}
	}

	// A second run finds nothing; zero ages keep everything.
	if again, err := r.RunOnce(ctx); err != nil || again[service.RetainCardEvents] != 0 || again[service.RetainAudit] != 0 {
		t.Errorf("second run: %v, %v; want nothing deleted", again, err)
	}
	keep := service.NewRetention(s, nil, service.RetentionPolicy{}, nil, func() time.Time { return now.Add(1000 * day) })
	if got, err := keep.RunOnce(ctx); err != nil || len(got) != 0 {
		t.Errorf("retention 0: %v, %v; want nothing pruned", got, err)
	}
}

// The lease lets one replica prune at a time: while one holds it, another's
// run does nothing.
func TestRetentionLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	locks := cache.NewMemory()
	unlock, ok, err := locks.TryLock(ctx, "retention:lease", time.Minute)
	if err != nil || !ok {
		t.Fatalf("TryLock: %v, %v", ok, err)
	}
	counting := &countingStore{}
	r := service.NewRetention(counting, locks, service.RetentionPolicy{Dedupe: 30 * 24 * time.Hour}, nil, nil)
	if _, err := r.RunOnce(ctx); err != nil || counting.calls != 0 {
		t.Errorf("while another replica holds the lease: %d batches, %v; want none", counting.calls, err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunOnce(ctx); err != nil || counting.calls == 0 {
		t.Errorf("lease free: %d batches, %v; want some", counting.calls, err)
	}
}

// countingStore counts batches; without a store under it, every table is empty.
type countingStore struct {
	service.RetentionStore
	calls int
}

func (c *countingStore) PruneBatch(ctx context.Context, table service.RetainedTable, before time.Time, limit int) (int64, error) {
	c.calls++
	if c.RetentionStore == nil {
		return 0, nil
	}
	return c.RetentionStore.PruneBatch(ctx, table, before, limit)
}
