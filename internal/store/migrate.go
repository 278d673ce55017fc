package store

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/wxcoupon/coupon/internal/retry"
	"github.com/wxcoupon/coupon/migrations"
)

// Migrate brings the schema up to the newest embedded migration; when it is
// already there it does nothing. Each migration applied is logged. On MySQL,
// replicas that start at once take turns (see migrationLock); SQLite is one
// process's file and needs no lock.
func (s *Store) Migrate(ctx context.Context) error {
	p, done, err := s.migrationProvider()
	if err != nil {
		return err
	}
	defer done()
	results, err := p.Up(ctx)
	// Replicas starting at once on a fresh MySQL database have been seen to
	// fail with goose's "missing zero version migration" although they take
	// turns on the lock (cause not yet found; goose retries its own version
	// table creation the same way). Up is idempotent: try again, briefly.
	for try := 1; err != nil && s.dialect == DialectMySQL && try <= 3 && ctx.Err() == nil; try++ {
		s.log.WarnContext(ctx, "migrate: retrying", "try", try, "err", err)
		if !retry.Sleep(ctx, time.Duration(try)*time.Second) {
			break
		}
		results, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "migration applied", "dialect", s.dialect,
			"version", r.Source.Version, "file", path.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// MigrationState is one embedded migration and whether the database has it.
type MigrationState struct {
	Version   int64
	File      string
	Applied   bool
	AppliedAt time.Time // zero when pending
}

// MigrationStatus lists every embedded migration, oldest first, with whether it
// is applied (goose status). It does not change the schema.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, done, err := s.migrationProvider()
	if err != nil {
		return nil, err
	}
	defer done()
	list, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status %s: %w", s.dialect, err)
	}
	out := make([]MigrationState, 0, len(list))
	for _, m := range list {
		out = append(out, MigrationState{Version: m.Source.Version, File: path.Base(m.Source.Path),
			Applied: m.State == goose.StateApplied, AppliedAt: m.AppliedAt})
	}
	return out, nil
}

// migrationProvider returns goose over the store's database and the function
// that releases what it opened.
func (s *Store) migrationProvider() (*goose.Provider, func(), error) {
	dir, gooseDialect := migrations.MySQL, goose.DialectMySQL
	if s.dialect == DialectSQLite {
		dir, gooseDialect = migrations.SQLite, goose.DialectSQLite3
	}
	fsys, err := migrations.Dir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	db, done, err := s.migrationDB()
	if err != nil {
		return nil, nil, fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	// Not verbose: goose stays quiet and the results are logged by Migrate. The
	// provider is not closed, since that would close the store's pool.
	opts := []goose.ProviderOption{goose.WithSlog(s.log), goose.WithDisableGlobalRegistry(true)}
	if s.dialect == DialectMySQL {
		opts = append(opts, goose.WithSessionLocker(migrationLock{wait: migrationLockWait}))
	}
	p, err := goose.NewProvider(gooseDialect, db, fsys, opts...)
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	return p, done, nil
}
