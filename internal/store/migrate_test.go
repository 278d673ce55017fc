package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// Replicas started at once with AUTO_MIGRATE=true each migrate the same fresh
// database: every one must succeed and the schema end at the newest version,
// each migration applied once.
func TestMigrateConcurrentReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.MySQLDSN(t)
	const replicas = 6
	stores := make([]*store.Store, replicas)
	for i := range stores {
		s, err := store.Open(ctx, store.Config{MySQLDSN: dsn}, nil)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	start := make(chan struct{})
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Migrate(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Migrate: %v", i, err)
		}
	}
	checkAllApplied(t, stores[0])
}

func checkAllApplied(t *testing.T, s *store.Store) {
	t.Helper()
	status, err := s.MigrationStatus(context.Background())
	if err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	if len(status) < 4 {
		t.Fatalf("MigrationStatus: %d migrations, want at least the 4 that exist", len(status))
	}
	for i, m := range status {
		if !m.Applied || m.AppliedAt.IsZero() {
			t.Errorf("migration %d (%s): applied %v at %v, want applied", m.Version, m.File, m.Applied, m.AppliedAt)
		}
		if i > 0 && m.Version <= status[i-1].Version {
			t.Errorf("migration %d listed after %d, want oldest first", m.Version, status[i-1].Version)
		}
	}
}

// Status on a database not migrated yet lists every migration as pending.
func TestMigrationStatusPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, cfg := range map[string]store.Config{
		"mysql":  {MySQLDSN: testenv.MySQLDSN(t)},
		"sqlite": {SQLitePath: filepath.Join(t.TempDir(), "coupon.db")},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := store.Open(ctx, cfg, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			status, err := s.MigrationStatus(ctx)
			if err != nil {
				t.Fatalf("MigrationStatus: %v", err)
			}
			if len(status) < 4 {
				t.Fatalf("MigrationStatus: %d migrations, want at least 4", len(status))
			}
			for _, m := range status {
				if m.Applied {
					t.Errorf("migration %d: applied before Migrate", m.Version)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			checkAllApplied(t, s)
		})
	}
}
