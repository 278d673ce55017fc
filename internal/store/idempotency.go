package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// idemRow is a row of idempotency_keys.
type idemRow struct {
	Scope     string    `gorm:"column:scope;primaryKey"`
	Key       string    `gorm:"column:idem_key;primaryKey"`
	BodyHash  string    `gorm:"column:body_hash"`
	State     string    `gorm:"column:state"`
	Result    string    `gorm:"column:result"`
	CreatedAt time.Time `gorm:"column:created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

func (idemRow) TableName() string { return "idempotency_keys" }

func toIdemKey(r idemRow) service.IdempotencyKey {
	return service.IdempotencyKey{Scope: r.Scope, Key: r.Key, BodyHash: r.BodyHash,
		State: service.IdempotencyState(r.State), Result: r.Result, CreatedAt: r.CreatedAt.UTC()}
}

var _ service.IdempotencyStore = (*Store)(nil)

// ClaimKey drops the scope's keys older than notBefore, then inserts k; the
// primary key makes exactly one of concurrent claims win. It returns the row
// that holds the key and whether this call inserted it.
func (s *Store) ClaimKey(ctx context.Context, k service.IdempotencyKey, notBefore time.Time) (service.IdempotencyKey, bool, error) {
	db := s.db.WithContext(ctx)
	if err := db.Where("scope = ? AND created_at < ?", k.Scope, dbTime(notBefore)).Delete(&idemRow{}).Error; err != nil {
		return service.IdempotencyKey{}, false, wrapf(err, "expire idempotency keys")
	}
	t := now()
	if k.CreatedAt.IsZero() {
		k.CreatedAt = t
	}
	row := idemRow{Scope: k.Scope, Key: k.Key, BodyHash: k.BodyHash, State: string(k.State), Result: k.Result,
		CreatedAt: dbTime(k.CreatedAt), UpdatedAt: t}
	err := db.Create(&row).Error
	if err == nil {
		return toIdemKey(row), true, nil
	}
	if !isDuplicate(err) {
		return service.IdempotencyKey{}, false, wrapf(err, "claim idempotency key")
	}
	held, err := s.GetKey(ctx, k.Scope, k.Key)
	if errors.Is(err, service.ErrNotFound) {
		// Released between our insert and our read: the caller may retry.
		return service.IdempotencyKey{}, false, fmt.Errorf("claim idempotency key: released meanwhile: %w", service.ErrUnavailable)
	}
	return held, false, err
}

// GetKey returns the row holding (scope, key), or service.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, scope, key string) (service.IdempotencyKey, error) {
	var row idemRow
	err := s.db.WithContext(ctx).Where("scope = ? AND idem_key = ?", scope, key).Take(&row).Error
	if err != nil {
		return service.IdempotencyKey{}, wrapf(err, "get idempotency key")
	}
	return toIdemKey(row), nil
}

// FinishKey records the outcome of a claimed key.
func (s *Store) FinishKey(ctx context.Context, scope, key string, state service.IdempotencyState, result string) error {
	err := s.db.WithContext(ctx).Model(&idemRow{}).Where("scope = ? AND idem_key = ?", scope, key).
		Updates(map[string]any{"state": string(state), "result": result, "updated_at": now()}).Error
	return wrapf(err, "finish idempotency key")
}

// ReleaseKey removes a claimed key.
func (s *Store) ReleaseKey(ctx context.Context, scope, key string) error {
	err := s.db.WithContext(ctx).Where("scope = ? AND idem_key = ?", scope, key).Delete(&idemRow{}).Error
	return wrapf(err, "release idempotency key")
}
