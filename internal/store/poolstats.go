package store

import "database/sql"

// SQLDB is the connection pool under the store, for its statistics (the
// metrics' go_sql_*). Queries go through the store's methods, never through it.
func (s *Store) SQLDB() *sql.DB { return s.sqlDB }
