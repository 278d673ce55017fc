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

// Page sizes of ListCards.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// UpsertCard inserts the card or replaces the stored one with the same CardID.
// A replaced card keeps its created_at. Zero CreatedAt / UpdatedAt mean now.
//
// c.Quantity is the provider's stock figure (a sync): it is stored as the
// figure of a new sync generation, in the same statement that resets the
// count of codes received since the last sync, so that counts from before
// this write are never applied to it (see stock.go).
func (s *Store) UpsertCard(ctx context.Context, c service.Card) error {
	if c.CardID == "" {
		return errors.New("upsert card: empty card id")
	}
	t := now()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = t
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = t
	}
	row, err := fromCard(c)
	if err != nil {
		return fmt.Errorf("upsert card %s: %w", c.CardID, err)
	}
	updates := clause.AssignmentColumns([]string{
		"card_type", "title", "brand_name", "logo_url", "color", "status",
		"quantity", "total_quantity", "date_info", "bind_openid", "use_custom_code",
		"get_limit", "definition", "updated_at",
	})
	updates = append(updates,
		clause.Assignment{Column: clause.Column{Name: "received_since_sync"}, Value: 0},
		clause.Assignment{Column: clause.Column{Name: "sync_gen"}, Value: gorm.Expr("sync_gen + 1")})
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "card_id"}},
		DoUpdates: updates,
	}).Create(&row).Error
	if err != nil {
		return wrapf(err, "upsert card %s", c.CardID)
	}
	return nil
}

// SetCardStatus changes a card's status (review results, deletion) and
// nothing else: the stock stays as the last sync and the receipts since left
// it. It returns service.ErrNotFound when the card is not in the catalogue.
func (s *Store) SetCardStatus(ctx context.Context, cardID string, status service.CardStatus, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	res := s.db.WithContext(ctx).Model(&cardRow{}).Where("card_id = ?", cardID).
		Updates(map[string]any{"status": string(status), "updated_at": dbTime(at)})
	if res.Error != nil {
		return wrapf(res.Error, "set status of card %s", cardID)
	}
	if res.RowsAffected == 0 {
		// MySQL counts changed rows only: an unchanged row is not a missing one.
		if _, known, err := s.syncGen(ctx, cardID); err != nil {
			return wrapf(err, "set status of card %s", cardID)
		} else if !known {
			return fmt.Errorf("set status of card %s: %w", cardID, service.ErrNotFound)
		}
	}
	return nil
}

// GetCard returns service.ErrNotFound when the card is not in the catalogue.
func (s *Store) GetCard(ctx context.Context, cardID string) (service.Card, error) {
	var row cardRow
	if err := s.db.WithContext(ctx).Where("card_id = ?", cardID).Take(&row).Error; err != nil {
		return service.Card{}, wrapf(err, "get card %s", cardID)
	}
	c, err := toCard(row)
	if err != nil {
		return service.Card{}, fmt.Errorf("get card %s: %w", cardID, err)
	}
	return c, nil
}

// cardOrder: newest first (indexes (created_at) and (status, created_at);
// InnoDB appends card_id).
var cardOrder = listOrder{time: "created_at", key: "card_id"}

// ListCards returns a page of cards, newest first, how many match the filter
// (counted only when f.After is nil) and the cursor of the page's last card
// when more follow. Count 0 means DefaultPageSize; counts above MaxPageSize are
// capped.
func (s *Store) ListCards(ctx context.Context, f service.CardFilter) ([]service.Card, int64, *service.Cursor, error) {
	filtered := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&cardRow{})
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		return q
	}
	var total int64
	if f.After == nil {
		if err := filtered().Count(&total).Error; err != nil {
			return nil, 0, nil, wrapf(err, "count cards")
		}
	}
	q, count, err := cardOrder.paged(filtered(), service.Page{Offset: f.Offset, Count: f.Count, After: f.After})
	if err != nil {
		return nil, 0, nil, err
	}
	var rows []cardRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, 0, nil, wrapf(err, "list cards")
	}
	nxt := next(len(rows), count, func() service.Cursor {
		return service.Cursor{At: rows[count-1].CreatedAt, Key: rows[count-1].CardID}
	})
	if nxt != nil {
		rows = rows[:count]
	}
	cards, err := toCards(rows)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("list cards: %w", err)
	}
	return cards, total, nxt, nil
}

// ListIssuableCards returns the cards that passed review, have stock and are in
// date at the time given, newest first.
func (s *Store) ListIssuableCards(ctx context.Context, at time.Time) ([]service.Card, error) {
	var rows []cardRow
	err := s.db.WithContext(ctx).
		Where("status = ? AND quantity > received_since_sync", string(service.CardVerifyOK)).
		Order("created_at DESC").Order("card_id DESC").
		Find(&rows).Error
	if err != nil {
		return nil, wrapf(err, "list issuable cards")
	}
	cards, err := toCards(rows)
	if err != nil {
		return nil, fmt.Errorf("list issuable cards: %w", err)
	}
	out := cards[:0]
	for _, c := range cards {
		if c.Issuable(at) {
			out = append(out, c)
		}
	}
	return out, nil
}

// page bounds a requested page: count 0 means DefaultPageSize, counts above
// MaxPageSize are capped, a negative offset is 0.
func page(offset, count int) (int, int) {
	switch {
	case count <= 0:
		count = DefaultPageSize
	case count > MaxPageSize:
		count = MaxPageSize
	}
	return max(offset, 0), count
}
