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
func (s *Store) UpsertCard(ctx context.Context, c service.Card) error {
	if c.CardID == "" {
		return errors.New("upsert card: empty card id")
	}
	// The row written is the whole truth about the card, stock included (the
	// provider's figure, or a row read through this Store, which counted the
	// ledger): counts received before it are dropped once it is written.
	s.stock.writing.Lock()
	defer s.stock.writing.Unlock()
	before := s.stock.count(c.CardID)
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
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "card_id"}},
		DoUpdates: clause.AssignmentColumns([]string{
			"card_type", "title", "brand_name", "logo_url", "color", "status",
			"quantity", "total_quantity", "date_info", "bind_openid", "use_custom_code",
			"get_limit", "definition", "updated_at",
		}),
	}).Create(&row).Error
	if err != nil {
		return wrapf(err, "upsert card %s", c.CardID)
	}
	s.stock.written(c.CardID, before)
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
	return s.counted(c), nil
}

// ListCards returns a page of cards, newest first, and how many match the filter.
// Count 0 means DefaultPageSize; counts above MaxPageSize are capped.
func (s *Store) ListCards(ctx context.Context, f service.CardFilter) ([]service.Card, int64, error) {
	offset, count := page(f.Offset, f.Count)
	filtered := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&cardRow{})
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		return q
	}
	var total int64
	if err := filtered().Count(&total).Error; err != nil {
		return nil, 0, wrapf(err, "count cards")
	}
	var rows []cardRow
	err := filtered().Order("created_at DESC").Order("card_id DESC").
		Offset(offset).Limit(count).Find(&rows).Error
	if err != nil {
		return nil, 0, wrapf(err, "list cards")
	}
	cards, err := toCards(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list cards: %w", err)
	}
	for i := range cards {
		cards[i] = s.counted(cards[i])
	}
	return cards, total, nil
}

// ListIssuableCards returns the cards that passed review, have stock and are in
// date at the time given, newest first.
func (s *Store) ListIssuableCards(ctx context.Context, at time.Time) ([]service.Card, error) {
	var rows []cardRow
	err := s.db.WithContext(ctx).
		Where("status = ? AND quantity > 0", string(service.CardVerifyOK)).
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
		if c = s.counted(c); c.Issuable(at) {
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
