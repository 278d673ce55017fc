package store

import (
	"context"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

type auditRow struct {
	ID        int64     `gorm:"column:id;primaryKey"`
	At        time.Time `gorm:"column:at"`
	Actor     string    `gorm:"column:actor"`
	Role      string    `gorm:"column:role"`
	Action    string    `gorm:"column:action"`
	Target    string    `gorm:"column:target"`
	Result    string    `gorm:"column:result"`
	RequestID string    `gorm:"column:request_id"`
}

func (auditRow) TableName() string { return "audit_entries" }

var _ service.AuditStore = (*Store)(nil)

// AppendAudit records one admin write; a zero At means now.
func (s *Store) AppendAudit(ctx context.Context, e service.AuditEntry) error {
	row := toAuditRow(e)
	return wrapf(s.db.WithContext(ctx).Create(&row).Error, "append audit %s", e.Action)
}

// toAuditRow is e as stored; a zero At means now.
func toAuditRow(e service.AuditEntry) auditRow {
	if e.At.IsZero() {
		e.At = now()
	}
	// An entry is never lost to a value longer than its column (a long path
	// parameter, a client's request id): each is cut to the column's size.
	return auditRow{At: dbTime(e.At), Actor: fitColumn(e.Actor, 64), Role: fitColumn(string(e.Role), 16),
		Action: fitColumn(e.Action, 64), Target: fitColumn(e.Target, 128), Result: fitColumn(e.Result, 64),
		RequestID: fitColumn(e.RequestID, 128)}
}

// auditOrder: newest first (index (at); InnoDB appends id).
var auditOrder = listOrder{time: "at", key: "id", numericKey: true}

// ListAudit returns a page of entries, newest first, and the cursor of the
// page's last entry when more follow.
func (s *Store) ListAudit(ctx context.Context, p service.Page) ([]service.AuditEntry, *service.Cursor, error) {
	q, count, err := auditOrder.paged(s.db.WithContext(ctx).Model(&auditRow{}), p)
	if err != nil {
		return nil, nil, err
	}
	var rows []auditRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, nil, wrapf(err, "list audit")
	}
	nxt := next(len(rows), count, func() service.Cursor {
		return service.Cursor{At: rows[count-1].At, Key: idKey(rows[count-1].ID)}
	})
	if nxt != nil {
		rows = rows[:count]
	}
	out := make([]service.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = service.AuditEntry{At: r.At.UTC(), Actor: r.Actor, Role: service.Role(r.Role), Action: r.Action,
			Target: r.Target, Result: r.Result, RequestID: r.RequestID}
	}
	return out, nxt, nil
}
