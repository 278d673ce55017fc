package store

import (
	"context"
	"fmt"
	"path"

	"github.com/pressly/goose/v3"

	"github.com/wxcoupon/coupon/migrations"
)

// Migrate brings the schema up to the newest embedded migration; when it is
// already there it does nothing. Each migration applied is logged.
func (s *Store) Migrate(ctx context.Context) error {
	dir, gooseDialect := migrations.MySQL, goose.DialectMySQL
	if s.dialect == DialectSQLite {
		dir, gooseDialect = migrations.SQLite, goose.DialectSQLite3
	}
	fsys, err := migrations.Dir(dir)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	// Not verbose: goose stays quiet and the results are logged below. The
	// provider is not closed, since that would close the store's pool.
	p, err := goose.NewProvider(gooseDialect, s.sqlDB, fsys,
		goose.WithSlog(s.log), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "migration applied", "dialect", s.dialect,
			"version", r.Source.Version, "file", path.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}
