package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// The members' ledger. A change is one transaction of plain SQL (the hot
// path of the ledger: GORM's Create costs more CPU than the statement): lock
// the member's row reading its totals and pending entries, insert the entry
// (the unique request_id key refuses a repeat), update the total, insert the
// audit row.

// errLedgerRepeat ends a ledger transaction whose request_id is recorded.
var errLedgerRepeat = errors.New("request_id recorded")

// AddLedgerEntry applies e to its member once per request_id, serialised by
// the member's row, and appends audit (when not nil) in the same
// transaction.
func (s *Store) AddLedgerEntry(ctx context.Context, e service.LedgerEntry, audit *service.AuditEntry) (service.LedgerRecord, error) {
	var rec service.LedgerRecord
	err := s.retryDeadlock(ctx, func() error {
		rec = service.LedgerRecord{}
		return s.inTx(ctx, func(tx *sql.Tx) error { return s.addLedgerEntry(ctx, tx, e, audit, &rec) })
	})
	if errors.Is(err, errLedgerRepeat) {
		var row ledgerRow
		err = s.db.WithContext(ctx).Where("card_id = ? AND code = ? AND request_id = ?", e.CardID, e.Code, e.RequestID).Take(&row).Error
		rec = service.LedgerRecord{Entry: toEntry(row), Existing: true}
	}
	if errors.Is(err, service.ErrBelowZero) {
		return service.LedgerRecord{}, fmt.Errorf("ledger %s of %s: %w", e.Kind, e.Code, err)
	}
	if err != nil {
		return service.LedgerRecord{}, wrapf(err, "ledger %s of member %s", e.Kind, e.Code)
	}
	return rec, nil
}

func (s *Store) addLedgerEntry(ctx context.Context, tx *sql.Tx, e service.LedgerEntry, audit *service.AuditEntry, rec *service.LedgerRecord) error {
	memberID, totals, pending, err := s.lockMember(ctx, tx, e.CardID, e.Code)
	if err != nil {
		return err
	}
	column, total := "bonus", &totals.Bonus
	if e.Kind == service.LedgerBalance {
		column, total = "balance", &totals.Balance
	}
	*total += e.Delta
	if *total < 0 {
		// A repeat of a change that no longer fits answers its entry.
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM member_ledger WHERE card_id = ? AND code = ? AND request_id = ?",
			e.CardID, e.Code, e.RequestID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errLedgerRepeat
		}
		return service.ErrBelowZero
	}
	e.Total = *total
	r := fromEntry(e)
	res, err := tx.ExecContext(ctx, `INSERT INTO member_ledger (card_id, code, request_id, kind, delta, total, record, actor, status, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.CardID, r.Code, r.RequestID, r.Kind, r.Delta, r.Total, r.Record, r.Actor, r.Status, r.CreatedAt)
	if isDuplicate(err) {
		return errLedgerRepeat
	} else if err != nil {
		return err
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE members SET "+column+" = ?, version = version + 1, updated_at = ? WHERE id = ?",
		*total, now(), memberID); err != nil {
		return err
	}
	if audit != nil {
		a := toAuditRow(*audit)
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (at, actor, role, action, target, result, request_id)
VALUES (?, ?, ?, ?, ?, ?, ?)`, a.At, a.Actor, a.Role, a.Action, a.Target, a.Result, a.RequestID); err != nil {
			return err
		}
	}
	entry := toEntry(r)
	if entry.Status == service.LedgerPending {
		pending = append(pending, entry)
	}
	*rec = service.LedgerRecord{Entry: entry, Totals: totals, Pending: pending}
	return nil
}

// lockMember reads the member's totals and pending entries (in id order) and
// locks its row until tx ends (on MySQL; SQLite's one connection runs
// transactions one at a time), so the request_id check, the bound check and
// the pending entries see the latest state. Only the member's row is locked:
// whether anything is pending is a subquery, which a locking read does not
// lock (a join would lock a range of the ledger's status index, and changes
// of neighbouring members would wait on each other and deadlock), and the
// entries, pending only after a push failed, are read in a second statement.
func (s *Store) lockMember(ctx context.Context, tx *sql.Tx, cardID, code string) (int64, service.MemberTotals, []service.LedgerEntry, error) {
	q := `SELECT m.id, m.bonus, m.balance,
 EXISTS (SELECT 1 FROM member_ledger l WHERE l.card_id = m.card_id AND l.code = m.code AND l.status = ?)
FROM members m WHERE m.card_id = ? AND m.code = ?`
	if s.dialect == DialectMySQL {
		q += " FOR UPDATE"
	}
	var (
		memberID, anyPending int64
		t                    service.MemberTotals
	)
	err := tx.QueryRowContext(ctx, q, string(service.LedgerPending), cardID, code).Scan(&memberID, &t.Bonus, &t.Balance, &anyPending)
	if errors.Is(err, sql.ErrNoRows) {
		err = gorm.ErrRecordNotFound
	}
	if err != nil || anyPending == 0 {
		return memberID, t, nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, request_id, kind, delta, total, record, actor FROM member_ledger
WHERE card_id = ? AND code = ? AND status = ?`, cardID, code, string(service.LedgerPending))
	if err != nil {
		return 0, service.MemberTotals{}, nil, err
	}
	defer rows.Close()
	var pending []service.LedgerEntry
	for rows.Next() {
		e := service.LedgerEntry{CardID: cardID, Code: code, Status: service.LedgerPending}
		if err := rows.Scan(&e.ID, &e.RequestID, &e.Kind, &e.Delta, &e.Total, &e.Record, &e.Actor); err != nil {
			return 0, service.MemberTotals{}, nil, err
		}
		pending = append(pending, e)
	}
	if err := rows.Err(); err != nil {
		return 0, service.MemberTotals{}, nil, err
	}
	slices.SortFunc(pending, byID)
	return memberID, t, pending, nil
}

func byID(a, b service.LedgerEntry) int { return cmp.Compare(a.ID, b.ID) }

// PendingTotals reads the member's totals and its pending entries in one
// statement (one consistent read), so the totals cover exactly the entries
// returned and those before them.
func (s *Store) PendingTotals(ctx context.Context, cardID, code string) (service.MemberTotals, []service.LedgerEntry, error) {
	rows, err := s.sqlDB.QueryContext(ctx, `SELECT m.id, m.bonus, m.balance, l.id, l.request_id, l.kind, l.delta, l.total, l.record, l.actor
FROM members m LEFT JOIN member_ledger l ON l.card_id = m.card_id AND l.code = m.code AND l.status = ?
WHERE m.card_id = ? AND m.code = ?`, string(service.LedgerPending), cardID, code)
	if err != nil {
		return service.MemberTotals{}, nil, wrapf(err, "pending entries of member %s", code)
	}
	var memberID int64
	t, out, err := scanPending(rows, cardID, code, &memberID)
	return t, out, wrapf(err, "pending entries of member %s", code)
}

// scanPending reads the rows of a member left-joined with its pending
// entries (one row with no entry when none is pending) and closes them.
// Sorting here, not in SQL: an ORDER BY on the joined table makes MariaDB
// build a temporary table for every change.
func scanPending(rows *sql.Rows, cardID, code string, memberID *int64) (service.MemberTotals, []service.LedgerEntry, error) {
	defer rows.Close()
	var (
		t     service.MemberTotals
		out   []service.LedgerEntry
		found bool
	)
	for rows.Next() {
		var (
			id                         sql.NullInt64
			reqID, kind, record, actor sql.NullString
			delta, total               sql.NullInt64
		)
		if err := rows.Scan(memberID, &t.Bonus, &t.Balance, &id, &reqID, &kind, &delta, &total, &record, &actor); err != nil {
			return service.MemberTotals{}, nil, err
		}
		found = true
		if id.Valid {
			out = append(out, service.LedgerEntry{ID: id.Int64, CardID: cardID, Code: code, RequestID: reqID.String,
				Kind: service.LedgerKind(kind.String), Delta: delta.Int64, Total: total.Int64, Record: record.String,
				Actor: actor.String, Status: service.LedgerPending})
		}
	}
	if err := rows.Err(); err != nil {
		return service.MemberTotals{}, nil, err
	}
	if !found {
		return service.MemberTotals{}, nil, gorm.ErrRecordNotFound
	}
	slices.SortFunc(out, byID)
	return t, out, nil
}

// MarkApplied marks those of the member's entries ids that are still pending
// applied (by primary key: no range of the status index is locked, so it
// does not wait on other members' inserts).
func (s *Store) MarkApplied(ctx context.Context, cardID, code string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+4)
	args = append(args, string(service.LedgerApplied), cardID, code, string(service.LedgerPending))
	for _, id := range ids {
		args = append(args, id)
	}
	q := "UPDATE member_ledger SET status = ? WHERE card_id = ? AND code = ? AND status = ? AND id IN (?" +
		strings.Repeat(", ?", len(ids)-1) + ")"
	err := s.retryDeadlock(ctx, func() error {
		_, err := s.sqlDB.ExecContext(ctx, q, args...)
		return err
	})
	return wrapf(err, "mark ledger of member %s applied", code)
}

// GetLedgerEntry returns service.ErrNotFound when the member has no such entry.
func (s *Store) GetLedgerEntry(ctx context.Context, cardID, code string, id int64) (service.LedgerEntry, error) {
	var r ledgerRow
	if err := s.db.WithContext(ctx).Where("id = ? AND card_id = ? AND code = ?", id, cardID, code).Take(&r).Error; err != nil {
		return service.LedgerEntry{}, wrapf(err, "ledger entry %d", id)
	}
	return toEntry(r), nil
}

// ListLedger returns a page of a member's entries, newest first, and their number.
func (s *Store) ListLedger(ctx context.Context, cardID, code string, offset, count int) ([]service.LedgerEntry, int64, error) {
	offset, count = page(offset, count)
	var total int64
	q := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&ledgerRow{}).Where("card_id = ? AND code = ?", cardID, code)
	}
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, wrapf(err, "count ledger of %s", code)
	}
	var rows []ledgerRow
	if err := q().Order("id DESC").Offset(offset).Limit(count).Find(&rows).Error; err != nil {
		return nil, 0, wrapf(err, "list ledger of %s", code)
	}
	out := make([]service.LedgerEntry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out, total, nil
}
