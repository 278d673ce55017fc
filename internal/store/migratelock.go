package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrationLockName is the MySQL user lock that replicas migrating one database
// take in turn. GET_LOCK names are server-wide, so the database's name is part
// of it: two databases on one server do not wait for each other.
const migrationLockName = "coupon.migrate."

// migrationLockWait bounds how long a replica waits while another one migrates;
// a migration that takes longer (a big ALTER) should run as the migrate job.
const migrationLockWait = 5 * time.Minute

// migrationLock is goose's session locker for MySQL: GET_LOCK on the one
// connection goose runs the migrations on, so that replicas started at once
// with AUTO_MIGRATE=true apply them one after another instead of colliding on
// the version table. The lock belongs to the connection: if the process dies,
// the server frees it when the connection drops.
type migrationLock struct{ wait time.Duration }

func (l migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var got sql.NullInt64
	err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT(?, DATABASE()), ?)",
		migrationLockName, int(l.wait/time.Second)).Scan(&got)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("migration lock: another instance held it for more than %s", l.wait)
	}
	return nil
}

func (l migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "DO RELEASE_LOCK(CONCAT(?, DATABASE()))", migrationLockName); err != nil {
		return fmt.Errorf("migration unlock: %w", err)
	}
	return nil
}
