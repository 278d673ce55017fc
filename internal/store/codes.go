package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wxcoupon/coupon/internal/service"
)

// deadlockRetries is how many times a transaction that MySQL chose as a deadlock
// victim is run again.
const deadlockRetries = 5

// RecordCode stores the code for its holder. A new (card, code) pair is inserted
// and the card's local stock, if the card is in the catalogue, drops by one
// (never below zero) within stockFlushEvery; created is true. For a pair
// already recorded, holder, status and outer_str (when not empty) and
// consumed_at (when given and the code was not consumed already) are updated
// when they differ, a final status is kept, received_at is kept, and created
// is false. Concurrent calls for the same pair
// create it exactly once. An empty status means issued; a zero ReceivedAt means
// now.
//
// Each step is one statement, so no lock outlives it, and the row returned is
// built from what was read and written rather than read back: a repeat (the
// common case: decrypt is idempotent and WeChat retries pushes) is one read,
// plus an update only when something changed; a first receipt is two reads
// (the code, the card's sync generation) and the insert. The count off the
// card's local stock, which only mirrors WeChat's, is written in batches
// (stock.go): reads see it within stockFlushEvery.
func (s *Store) RecordCode(ctx context.Context, c service.IssuedCode) (service.IssuedCode, bool, error) {
	if c.CardID == "" || c.Code == "" {
		return service.IssuedCode{}, false, errors.New("record code: empty card id or code")
	}
	t := now()
	if c.Status == "" {
		c.Status = service.CodeIssued
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = t
	}
	c.UpdatedAt = t
	row := fromCode(c)
	stored, created, err := s.recordCode(ctx, row)
	if err != nil {
		return service.IssuedCode{}, false, wrapf(err, "record code %s of card %s", c.Code, c.CardID)
	}
	return toCode(stored, ""), created, nil
}

func (s *Store) recordCode(ctx context.Context, row codeRow) (codeRow, bool, error) {
	existing, found, err := s.findCode(ctx, row.CardID, row.Code)
	if err != nil {
		return codeRow{}, false, err
	}
	if !found {
		// The generation the receipt counts under is read before the insert
		// (stock.go): a failure leaves nothing half done.
		gen, known, err := s.syncGen(ctx, row.CardID)
		if err != nil {
			return codeRow{}, false, err
		}
		var created bool
		err = s.retryDeadlock(ctx, func() error {
			// MySQL: ON DUPLICATE KEY UPDATE id = id; SQLite: ON CONFLICT DO NOTHING.
			// Either way a row is affected only when this call inserted it.
			res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			created = res.Error == nil && res.RowsAffected == 1
			return res.Error
		})
		if err != nil {
			return codeRow{}, false, err
		}
		if created {
			if known {
				s.stock.add(stockKey{cardID: row.CardID, gen: gen}, 1)
			}
			return row, true, nil
		}
		// A concurrent call inserted it between our read and our insert.
		if existing, found, err = s.findCode(ctx, row.CardID, row.Code); err != nil {
			return codeRow{}, false, err
		}
		if !found {
			return codeRow{}, false, errors.New("row neither inserted nor found")
		}
	}
	// A code never goes back from a final status (a consumption that landed
	// after the caller read WeChat's state, say); the UPDATE checks it again
	// against the row as it is then.
	if service.CodeStatus(existing.Status).Final() && !service.CodeStatus(row.Status).Final() {
		row.Status = existing.Status
	}
	// What a caller does not know (an empty outer_str) does not clear what was
	// recorded, and a consumption keeps its first time, as in SetCodeStatus.
	if row.OuterStr == "" {
		row.OuterStr = existing.OuterStr
	}
	if existing.Status == string(service.CodeConsumed) && existing.ConsumedAt != nil {
		row.ConsumedAt = nil
	}
	unchanged := existing.OpenID == row.OpenID && existing.Status == row.Status && existing.OuterStr == row.OuterStr &&
		(row.ConsumedAt == nil || existing.ConsumedAt != nil && existing.ConsumedAt.Equal(*row.ConsumedAt))
	if unchanged {
		return existing, false, nil
	}
	set := map[string]any{"openid": row.OpenID, "status": row.Status, "outer_str": row.OuterStr, "updated_at": row.UpdatedAt}
	guarded := !service.CodeStatus(row.Status).Final()
	if guarded {
		set["status"] = gorm.Expr("CASE WHEN status IN ? THEN status ELSE ? END", finalStatuses, row.Status)
	}
	if row.ConsumedAt != nil {
		set["consumed_at"] = *row.ConsumedAt
		existing.ConsumedAt = row.ConsumedAt
	}
	err = s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Model(&codeRow{}).Where("card_id = ? AND code = ?", row.CardID, row.Code).
			Updates(set).Error
	})
	if err != nil {
		return codeRow{}, false, err
	}
	if guarded {
		// The guard may have kept a status set meanwhile: return the row as stored.
		stored, found, err := s.findCode(ctx, row.CardID, row.Code)
		if err == nil && !found {
			err = gorm.ErrRecordNotFound
		}
		return stored, false, err
	}
	existing.OpenID, existing.Status, existing.OuterStr, existing.UpdatedAt = row.OpenID, row.Status, row.OuterStr, row.UpdatedAt
	return existing, false, nil
}

// finalStatuses are the statuses a code never leaves (service.CodeStatus.Final).
var finalStatuses = []string{string(service.CodeConsumed), string(service.CodeUnavailable), string(service.CodeDeleted)}

// findCode reads the row of (cardID, code); found is false when there is none.
func (s *Store) findCode(ctx context.Context, cardID, code string) (codeRow, bool, error) {
	var row codeRow
	err := s.db.WithContext(ctx).Where("card_id = ? AND code = ?", cardID, code).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return codeRow{}, false, nil
	}
	if err != nil {
		return codeRow{}, false, err
	}
	return row, true, nil
}

// retryDeadlock runs fn, a whole transaction, again while MySQL reports it was
// rolled back as a deadlock victim.
func (s *Store) retryDeadlock(ctx context.Context, fn func() error) error {
	var err error
	for attempt := range deadlockRetries {
		if err = fn(); !isDeadlock(err) {
			return err
		}
		s.log.DebugContext(ctx, "deadlock, retrying transaction", "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// GetCode returns service.ErrNotFound when the code was never recorded.
func (s *Store) GetCode(ctx context.Context, cardID, code string) (service.IssuedCode, error) {
	var row codeRow
	err := s.db.WithContext(ctx).Where("card_id = ? AND code = ?", cardID, code).Take(&row).Error
	if err != nil {
		return service.IssuedCode{}, wrapf(err, "get code %s of card %s", code, cardID)
	}
	return toCode(row, ""), nil
}

// codeOrder is the order of code lists: newest receipt first, then the
// latest insert (indexes (openid, received_at) and (card_id, received_at, id),
// (card_id, status, received_at); InnoDB appends id to each).
var codeOrder = listOrder{time: "c.received_at", key: "c.id", numericKey: true}

// ListCodesByOpenID returns the codes openid holds, newest first, each with its
// card's title (empty when the card is not in the catalogue); status filters when
// not empty. p.All returns every code; otherwise p selects a page, and next is
// the cursor of its last row when more follow.
func (s *Store) ListCodesByOpenID(ctx context.Context, openid string, status service.CodeStatus, p service.Page) ([]service.IssuedCode, *service.Cursor, error) {
	q := s.codesWithTitle(ctx).Where("c.openid = ?", openid)
	if status != "" {
		q = q.Where("c.status = ?", string(status))
	}
	q, count, err := codeOrder.paged(q, p)
	if err != nil {
		return nil, nil, err
	}
	rows, err := scanCodeRows(q)
	if err != nil {
		return nil, nil, wrapf(err, "list codes of %s", openid)
	}
	out, nxt := codePage(rows, count)
	return out, nxt, nil
}

// ListCodesByCard returns a page of a card's codes, newest first (received_at,
// then insertion order), each with the card's title (empty when the card is not in
// the catalogue), how many codes match the filter, and the cursor of the page's
// last row when more follow. Status filters when not empty. Count 0 means
// DefaultPageSize; counts above MaxPageSize are capped. The total is counted
// only for a page without p.After (0 otherwise): counting is a scan of every
// matching index entry, which the pages after the first do not repeat. The
// total and the page are read by two statements, as in ListCards.
func (s *Store) ListCodesByCard(ctx context.Context, cardID string, status service.CodeStatus, p service.Page) ([]service.IssuedCode, int64, *service.Cursor, error) {
	var total int64
	if p.After == nil {
		cq := s.db.WithContext(ctx).Model(&codeRow{}).Where("card_id = ?", cardID)
		if status != "" {
			cq = cq.Where("status = ?", string(status))
		}
		if err := cq.Count(&total).Error; err != nil {
			return nil, 0, nil, wrapf(err, "count codes of card %s", cardID)
		}
	}
	q := s.codesWithTitle(ctx).Where("c.card_id = ?", cardID)
	if status != "" {
		q = q.Where("c.status = ?", string(status))
	}
	q, count, err := codeOrder.paged(q, p)
	if err != nil {
		return nil, 0, nil, err
	}
	rows, err := scanCodeRows(q)
	if err != nil {
		return nil, 0, nil, wrapf(err, "list codes of card %s", cardID)
	}
	out, nxt := codePage(rows, count)
	return out, total, nxt, nil
}

// codesWithTitle selects issued codes (as c) joined with their card's title.
func (s *Store) codesWithTitle(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("issued_codes AS c").
		Select("c.*, COALESCE(k.title, '') AS title").
		Joins("LEFT JOIN cards AS k ON k.card_id = c.card_id")
}

func scanCodeRows(q *gorm.DB) ([]codeWithTitle, error) {
	var rows []codeWithTitle
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// codePage turns the rows read for a page of count (one more when another
// page follows) into the page and the cursor of its last row.
func codePage(rows []codeWithTitle, count int) ([]service.IssuedCode, *service.Cursor) {
	nxt := next(len(rows), count, func() service.Cursor {
		r := rows[count-1].Row
		return service.Cursor{At: r.ReceivedAt, Key: idKey(r.ID)}
	})
	if nxt != nil {
		rows = rows[:count]
	}
	out := make([]service.IssuedCode, 0, len(rows))
	for _, r := range rows {
		out = append(out, toCode(r.Row, r.Title))
	}
	return out, nxt
}

// SetCodeStatus moves a recorded code to status and returns the row as this call
// left it. updated_at is the store's clock. When status is consumed, consumed_at
// becomes at (a zero at means now), unless the code is already consumed with a
// consumed_at, which is then kept: repeated or concurrent consumptions agree on
// the first time. Other statuses leave consumed_at as it is (the last time the
// code was consumed). Holder, outer_str and received_at are never touched. The
// change is one UPDATE evaluated against the row as it is when the row lock is
// taken, so concurrent calls serialise instead of overwriting one another. It
// returns service.ErrNotFound when the code was never recorded; which transitions
// are allowed is the caller's business.
func (s *Store) SetCodeStatus(ctx context.Context, cardID, code string, status service.CodeStatus, at time.Time) (service.IssuedCode, error) {
	if !status.Valid() {
		return service.IssuedCode{}, fmt.Errorf("set code %s of card %s: unknown status %q", code, cardID, status)
	}
	if at.IsZero() {
		at = now()
	}
	at = dbTime(at)
	t := now()
	var stored codeRow
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			if status == service.CodeConsumed {
				// consumed_at is assigned before status: MySQL evaluates a single-table
				// UPDATE's assignments left to right, so the CASE must see the old status
				// (SQLite always does).
				err = tx.Exec(`UPDATE issued_codes
SET consumed_at = CASE WHEN status = ? AND consumed_at IS NOT NULL THEN consumed_at ELSE ? END,
    status = ?, updated_at = ?
WHERE card_id = ? AND code = ?`,
					string(service.CodeConsumed), at, string(status), t, cardID, code).Error
			} else {
				err = tx.Exec("UPDATE issued_codes SET status = ?, updated_at = ? WHERE card_id = ? AND code = ?",
					string(status), t, cardID, code).Error
			}
			if err != nil {
				return err
			}
			// Not RowsAffected: MySQL counts only rows that changed, and a repeated
			// call within the same millisecond changes nothing.
			return tx.Where("card_id = ? AND code = ?", cardID, code).Take(&stored).Error
		})
	})
	if err != nil {
		return service.IssuedCode{}, wrapf(err, "set code %s of card %s to %s", code, cardID, status)
	}
	return toCode(stored, ""), nil
}

// MoveCode sets the status of a recorded code to to in one statement, only
// while its status is one of from and, when holder is not empty, openid is
// holder; otherwise, or when the code was never recorded, nothing changes.
func (s *Store) MoveCode(ctx context.Context, cardID, code, holder string, to service.CodeStatus, from ...service.CodeStatus) error {
	if !to.Valid() {
		return fmt.Errorf("move code %s of card %s: unknown status %q", code, cardID, to)
	}
	if len(from) == 0 {
		return nil
	}
	froms := make([]string, len(from))
	for i, f := range from {
		froms[i] = string(f)
	}
	err := s.retryDeadlock(ctx, func() error {
		q := s.db.WithContext(ctx).Model(&codeRow{}).Where("card_id = ? AND code = ? AND status IN ?", cardID, code, froms)
		if holder != "" {
			q = q.Where("openid = ?", holder)
		}
		return q.Updates(map[string]any{"status": string(to), "updated_at": now()}).Error
	})
	return wrapf(err, "move code %s of card %s to %s", code, cardID, to)
}

// ChangeCode re-keys a recorded code of cardID from oldCode to newCode in one
// statement; the row keeps its id, holder, status, outer_str and times (updated_at
// becomes now). It returns service.ErrNotFound when oldCode was never recorded for
// the card and service.ErrConflict when newCode already is (then nothing
// changes). Re-keying a recorded code to itself changes nothing and succeeds.
func (s *Store) ChangeCode(ctx context.Context, cardID, oldCode, newCode string) error {
	if cardID == "" || oldCode == "" || newCode == "" {
		return errors.New("change code: empty card id or code")
	}
	if oldCode == newCode {
		_, err := s.GetCode(ctx, cardID, oldCode)
		return err
	}
	t := now()
	err := s.retryDeadlock(ctx, func() error {
		res := s.db.WithContext(ctx).Exec("UPDATE issued_codes SET code = ?, updated_at = ? WHERE card_id = ? AND code = ?",
			newCode, t, cardID, oldCode)
		if res.Error != nil {
			return res.Error
		}
		// The code differs, so a matched row always changes and is counted.
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		return nil
	})
	return wrapf(err, "change code %s of card %s to %s", oldCode, cardID, newCode)
}

// CountCodes reports how many codes of cardID are recorded, whatever their status,
// and how many of them are consumed, from one statement. A card with no codes
// (or unknown) has zero of both.
func (s *Store) CountCodes(ctx context.Context, cardID string) (service.CodeCounts, error) {
	var c service.CodeCounts
	err := s.db.WithContext(ctx).Raw(
		"SELECT COUNT(*), COUNT(CASE WHEN status = ? THEN 1 END) FROM issued_codes WHERE card_id = ?",
		string(service.CodeConsumed), cardID).Row().Scan(&c.Issued, &c.Consumed)
	if err != nil {
		return service.CodeCounts{}, wrapf(err, "count codes of card %s", cardID)
	}
	return c, nil
}
