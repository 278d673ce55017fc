package store

import (
	"context"
	"fmt"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

var _ service.RetentionStore = (*Store)(nil)

// retainedTime is the indexed time column each retained table is pruned by.
var retainedTime = map[service.RetainedTable]string{
	service.RetainCardEvents:       "received_at", // idx_card_events_received_at
	service.RetainIdempotencyKeys:  "created_at",  // idx_idempotency_keys_created_at
	service.RetainPayNotifications: "received_at", // idx_wechatpay_notifications_received_at
	service.RetainAudit:            "at",          // idx_audit_entries_at
}

// PruneBatch deletes up to limit rows of table older than before, oldest
// first. It is one autocommitted statement that walks the time index from its
// start, so it locks only the rows it deletes (and the gap after the last),
// all older than before: current writes, which are newer, do not wait on it.
// Concurrent calls delete disjoint rows or wait for each other briefly.
func (s *Store) PruneBatch(ctx context.Context, table service.RetainedTable, before time.Time, limit int) (int64, error) {
	col, ok := retainedTime[table]
	if !ok {
		return 0, fmt.Errorf("prune: no retention rule for table %q", table)
	}
	if limit <= 0 {
		return 0, nil
	}
	var stmt string
	if s.dialect == DialectSQLite {
		// SQLite's DELETE takes no LIMIT in the usual builds; every retained
		// table has a rowid.
		stmt = fmt.Sprintf("DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s WHERE %s < ? ORDER BY %s LIMIT ?)", table, table, col, col)
	} else {
		stmt = fmt.Sprintf("DELETE FROM %s WHERE %s < ? ORDER BY %s LIMIT ?", table, col, col)
	}
	var n int64
	err := s.retryDeadlock(ctx, func() error {
		res := s.db.WithContext(ctx).Exec(stmt, dbTime(before), limit)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, wrapf(err, "prune %s", table)
	}
	return n, nil
}
