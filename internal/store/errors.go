package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

	gosqlite "github.com/glebarez/go-sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// Driver error codes the store translates or retries.
const (
	mysqlDuplicateEntry = 1062 // ER_DUP_ENTRY
	mysqlDeadlock       = 1213 // ER_LOCK_DEADLOCK

	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

// wrapf gives err the context of the operation and translates what callers
// branch on: no row is service.ErrNotFound, a duplicate key service.ErrConflict
// (the driver's error stays in the chain for the log).
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	op := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, service.ErrNotFound)
	case isDuplicate(err):
		return fmt.Errorf("%s: %w: %w", op, service.ErrConflict, err)
	case isUnreachable(err):
		return fmt.Errorf("%s: %w: %w", op, service.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isDuplicate reports whether err is a unique-key violation of MySQL or SQLite.
func isDuplicate(err error) bool {
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDuplicateEntry
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPrimaryKey
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// isUnreachable reports whether err says the database could not be reached or
// the connection broke (as opposed to a query it refused): the operation did
// not happen, or its transaction was rolled back, and may be tried again later.
func isUnreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysqldrv.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// isDeadlock reports whether err is a MySQL deadlock, after which the whole
// transaction was rolled back and may be run again.
func isDeadlock(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == mysqlDeadlock
}
