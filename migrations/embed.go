// Package migrations holds the versioned SQL schema of the service, one directory
// per database dialect, embedded into the binary. The store applies it with goose.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

// FS holds mysql/*.sql and sqlite/*.sql: the same schema, numbered alike, each
// written in its dialect.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS

// Dialects whose migrations FS holds, as directory names.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Dir returns the migrations of one dialect ("mysql" or "sqlite") with the SQL
// files at its root, as goose expects them.
func Dir(dialect string) (fs.FS, error) {
	switch dialect {
	case MySQL, SQLite:
		return fs.Sub(FS, dialect)
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q: want %q or %q", dialect, MySQL, SQLite)
}
