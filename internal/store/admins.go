package store

import (
	"context"

	"github.com/wxcoupon/coupon/internal/service"
)

// CreateAdmin stores a merchant account and returns it with its id; a zero
// CreatedAt means now. It returns service.ErrConflict when the username exists.
func (s *Store) CreateAdmin(ctx context.Context, u service.AdminUser) (service.AdminUser, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now()
	}
	row := fromAdmin(u)
	row.ID = 0
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return service.AdminUser{}, wrapf(err, "create admin %s", u.Username)
	}
	return toAdmin(row), nil
}

// GetAdmin returns service.ErrNotFound when there is no such user.
func (s *Store) GetAdmin(ctx context.Context, username string) (service.AdminUser, error) {
	var row adminRow
	if err := s.db.WithContext(ctx).Where("username = ?", username).Take(&row).Error; err != nil {
		return service.AdminUser{}, wrapf(err, "get admin %s", username)
	}
	return toAdmin(row), nil
}
