package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wxcoupon/coupon/internal/service"
)

// deadlockRetries is how many times a transaction that MySQL chose as a deadlock
// victim is run again.
const deadlockRetries = 5

// RecordCode stores the code for its holder. A new (card, code) pair is inserted
// and the card's local stock, if the card is in the catalogue, drops by one (never
// below zero) in the same transaction; created is true. For a pair already
// recorded, holder, status and outer_str (and consumed_at, when given) are
// updated, received_at is kept, and created is false. Concurrent calls for the
// same pair create it exactly once. An empty status means issued; a zero
// ReceivedAt means now.
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
	var (
		stored  codeRow
		created bool
	)
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			row := fromCode(c)
			// MySQL: ON DUPLICATE KEY UPDATE id = id; SQLite: ON CONFLICT DO NOTHING.
			// Either way a row is affected only when this call inserted it.
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil {
				return res.Error
			}
			created = res.RowsAffected == 1
			if created {
				err := tx.Exec("UPDATE cards SET quantity = quantity - 1 WHERE card_id = ? AND quantity > 0",
					c.CardID).Error
				if err != nil {
					return err
				}
			} else {
				set := map[string]any{
					"openid":     row.OpenID,
					"status":     row.Status,
					"outer_str":  row.OuterStr,
					"updated_at": row.UpdatedAt,
				}
				if row.ConsumedAt != nil {
					set["consumed_at"] = *row.ConsumedAt
				}
				err := tx.Model(&codeRow{}).Where("card_id = ? AND code = ?", c.CardID, c.Code).
					Updates(set).Error
				if err != nil {
					return err
				}
			}
			return tx.Where("card_id = ? AND code = ?", c.CardID, c.Code).Take(&stored).Error
		})
	})
	if err != nil {
		return service.IssuedCode{}, false, wrapf(err, "record code %s of card %s", c.Code, c.CardID)
	}
	return toCode(stored, ""), created, nil
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

// ListCodesByOpenID returns the codes openid holds, newest first, each with its
// card's title (empty when the card is not in the catalogue); status filters when
// not empty.
func (s *Store) ListCodesByOpenID(ctx context.Context, openid string, status service.CodeStatus) ([]service.IssuedCode, error) {
	q := s.db.WithContext(ctx).Table("issued_codes AS c").
		Select("c.*, COALESCE(k.title, '') AS title").
		Joins("LEFT JOIN cards AS k ON k.card_id = c.card_id").
		Where("c.openid = ?", openid)
	if status != "" {
		q = q.Where("c.status = ?", string(status))
	}
	var rows []codeWithTitle
	if err := q.Order("c.received_at DESC").Order("c.id DESC").Scan(&rows).Error; err != nil {
		return nil, wrapf(err, "list codes of %s", openid)
	}
	out := make([]service.IssuedCode, 0, len(rows))
	for _, r := range rows {
		out = append(out, toCode(r.Row, r.Title))
	}
	return out, nil
}
