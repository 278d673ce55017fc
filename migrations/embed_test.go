package migrations_test

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/migrations"
)

func names(t *testing.T, dialect string) []string {
	t.Helper()
	dir, err := migrations.Dir(dialect)
	if err != nil {
		t.Fatalf("Dir(%q): %v", dialect, err)
	}
	got, err := fs.Glob(dir, "*.sql")
	if err != nil {
		t.Fatalf("glob %s: %v", dialect, err)
	}
	return got
}

func TestDialectsHoldTheSameVersions(t *testing.T) {
	t.Parallel()
	mysql, sqlite := names(t, migrations.MySQL), names(t, migrations.SQLite)
	if len(mysql) == 0 {
		t.Fatalf("mysql migrations: got none, want some")
	}
	if !reflect.DeepEqual(mysql, sqlite) {
		t.Errorf("migration files:\nmysql  %v\nsqlite %v\nwant the same", mysql, sqlite)
	}
}

func TestEveryMigrationGoesUpAndDown(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{migrations.MySQL, migrations.SQLite} {
		dir, err := migrations.Dir(dialect)
		if err != nil {
			t.Fatalf("Dir(%q): %v", dialect, err)
		}
		for _, name := range names(t, dialect) {
			t.Run(dialect+"/"+name, func(t *testing.T) {
				t.Parallel()
				b, err := fs.ReadFile(dir, name)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				text := string(b)
				up, down := strings.Index(text, "-- +goose Up"), strings.Index(text, "-- +goose Down")
				if up < 0 || down < 0 || down < up {
					t.Errorf("annotations: got Up at %d, Down at %d, want both, Up first", up, down)
				}
			})
		}
	}
}

func TestDirUnknownDialect(t *testing.T) {
	t.Parallel()
	tests := []string{"postgres", "", "mysql/.."}
	for _, dialect := range tests {
		t.Run("dialect "+dialect, func(t *testing.T) {
			t.Parallel()
			if _, err := migrations.Dir(dialect); err == nil {
				t.Errorf("Dir(%q): got nil error, want one", dialect)
			}
		})
	}
}
