package store

import (
	"context"
	"errors"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

type eventRow struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	DedupeKey  string    `gorm:"column:dedupe_key"`
	Event      string    `gorm:"column:event"`
	CardID     string    `gorm:"column:card_id"`
	Code       string    `gorm:"column:code"`
	OpenID     string    `gorm:"column:openid"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	ReceivedAt time.Time `gorm:"column:received_at"`
}

func (eventRow) TableName() string { return "card_events" }

var _ service.EventStore = (*Store)(nil)

// SeenEvent reports whether an event with this dedupe key is stored.
func (s *Store) SeenEvent(ctx context.Context, key string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&eventRow{}).Where("dedupe_key = ?", key).Count(&n).Error; err != nil {
		return false, wrapf(err, "seen event")
	}
	return n > 0, nil
}

// RecordEvent stores an event once per dedupe key.
func (s *Store) RecordEvent(ctx context.Context, e service.CardEvent) (bool, error) {
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = now()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = e.ReceivedAt
	}
	row := eventRow{DedupeKey: e.Key, Event: e.Type, CardID: e.CardID, Code: e.Code, OpenID: e.OpenID,
		CreatedAt: dbTime(e.CreatedAt), ReceivedAt: dbTime(e.ReceivedAt)}
	err := wrapf(s.db.WithContext(ctx).Create(&row).Error, "record event %s", e.Type)
	if errors.Is(err, service.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// CountEvents counts a card's events of one type.
func (s *Store) CountEvents(ctx context.Context, cardID, eventType string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&eventRow{}).Where("card_id = ? AND event = ?", cardID, eventType).Count(&n).Error
	return n, wrapf(err, "count events")
}
