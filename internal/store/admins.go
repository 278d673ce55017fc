package store

import (
	"context"
	"time"

	"gorm.io/gorm"

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

// ListAdmins returns every merchant account, by username.
func (s *Store) ListAdmins(ctx context.Context) ([]service.AdminUser, error) {
	var rows []adminRow
	if err := s.db.WithContext(ctx).Order("username").Find(&rows).Error; err != nil {
		return nil, wrapf(err, "list admins")
	}
	out := make([]service.AdminUser, len(rows))
	for i, r := range rows {
		out[i] = toAdmin(r)
	}
	return out, nil
}

// UpdateAdmin applies ch and bumps the token version. The active admins are
// locked (in id order, so concurrent calls queue rather than deadlock) before
// the last-admin rule is checked, so two calls demoting the last two admins
// cannot both pass.
func (s *Store) UpdateAdmin(ctx context.Context, username string, ch service.AdminChange) (service.AdminUser, error) {
	var stored adminRow
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			target, admins, err := s.lockForChange(tx, username)
			if err != nil {
				return err
			}
			losesAdmin := (ch.Role != nil && *ch.Role != service.RoleAdmin) || (ch.Disabled != nil && *ch.Disabled)
			if losesAdmin && isLastAdmin(target, admins) {
				return service.ErrLastAdmin
			}
			set := map[string]any{"token_version": gorm.Expr("token_version + 1")}
			if ch.PasswordHash != nil {
				set["password_hash"] = *ch.PasswordHash
			}
			if ch.Role != nil {
				set["role"] = string(*ch.Role)
			}
			if ch.Disabled != nil {
				set["disabled"] = *ch.Disabled
			}
			if err := tx.Model(&adminRow{}).Where("id = ?", target.ID).Updates(set).Error; err != nil {
				return err
			}
			return tx.Where("id = ?", target.ID).Take(&stored).Error
		})
	})
	if err != nil {
		return service.AdminUser{}, wrapf(err, "update admin %s", username)
	}
	return toAdmin(stored), nil
}

// DeleteAdmin removes a merchant account, never the last active admin.
func (s *Store) DeleteAdmin(ctx context.Context, username string) error {
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			target, admins, err := s.lockForChange(tx, username)
			if err != nil {
				return err
			}
			if isLastAdmin(target, admins) {
				return service.ErrLastAdmin
			}
			return tx.Where("id = ?", target.ID).Delete(&adminRow{}).Error
		})
	})
	return wrapf(err, "delete admin %s", username)
}

// RecordLogin sets the account's last_login_at.
func (s *Store) RecordLogin(ctx context.Context, username string, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&adminRow{}).Where("username = ?", username).
		Update("last_login_at", dbTime(at)).Error
	return wrapf(err, "record login of %s", username)
}

// lockForChange locks the active admins, then the target row, always in that
// order, and returns the target and the ids of the active admins (locking
// reads see the latest committed rows). SQLite has no row locks; its one
// connection runs these transactions one at a time.
func (s *Store) lockForChange(tx *gorm.DB, username string) (adminRow, []int64, error) {
	forUpdate := ""
	if s.dialect == DialectMySQL {
		forUpdate = " FOR UPDATE"
	}
	var admins []int64
	if err := tx.Raw("SELECT id FROM admin_users WHERE role = ? AND disabled = ? ORDER BY id"+forUpdate,
		string(service.RoleAdmin), false).Scan(&admins).Error; err != nil {
		return adminRow{}, nil, err
	}
	var target adminRow
	err := tx.Raw("SELECT * FROM admin_users WHERE username = ?"+forUpdate, username).Scan(&target).Error
	if err != nil {
		return adminRow{}, nil, err
	}
	if target.ID == 0 {
		return adminRow{}, nil, gorm.ErrRecordNotFound
	}
	return target, admins, nil
}

// isLastAdmin reports whether target is the only active admin.
func isLastAdmin(target adminRow, admins []int64) bool {
	return len(admins) == 1 && admins[0] == target.ID
}
