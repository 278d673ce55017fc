package store

import (
	"database/sql"
	"fmt"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// migrationDB is where goose runs. On MySQL it is a pool of its own without
// the store's 10 s read and write timeouts: a migration that builds an index
// on a large table (00012 on ten million codes: minutes) would otherwise be
// cut off by the client while the server goes on altering, and the version
// table would never record it. The context still bounds it. SQLite uses the
// store's own pool. done releases what was opened.
func (s *Store) migrationDB() (*sql.DB, func(), error) {
	if s.dialect != DialectMySQL || s.mysqlCfg == nil {
		return s.sqlDB, func() {}, nil
	}
	mc := s.mysqlCfg.Clone()
	mc.ReadTimeout, mc.WriteTimeout = 0, 0
	connector, err := mysqldrv.NewConnector(mc)
	if err != nil {
		return nil, nil, fmt.Errorf("connector: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(2) // goose's session lock holds one, the migrations may use another
	return db, func() { db.Close() }, nil
}
