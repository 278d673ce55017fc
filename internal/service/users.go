package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{3,64}$`)

// CreateUser adds a merchant account with role admin or clerk.
func (a *Auth) CreateUser(ctx context.Context, username, password string, role Role) (AdminUser, error) {
	switch {
	case !usernamePattern.MatchString(username):
		return AdminUser{}, Invalid("username", "username: 3 to 64 letters, digits or _ . @ -")
	case role != RoleAdmin && role != RoleClerk:
		return AdminUser{}, Invalid("role", "role: admin or clerk")
	}
	hash, err := hashPassword("password", password)
	if err != nil {
		return AdminUser{}, err
	}
	u, err := a.admins.CreateAdmin(ctx, AdminUser{Username: username, PasswordHash: hash, Role: role})
	if errors.Is(err, ErrConflict) {
		return AdminUser{}, &Error{Kind: KindConflict, Message: fmt.Sprintf("user %s exists", username),
			Details: map[string]any{"field": "username"}, Err: err}
	}
	if err != nil {
		return AdminUser{}, fmt.Errorf("create user %s: %w", username, err)
	}
	return u, nil
}
