package service

import (
	"context"
	"errors"
	"fmt"
)

// UserChange is what an admin changes in an account; nil fields stay.
type UserChange struct {
	Password *string
	Role     *Role
	Disabled *bool
}

// ListUsers returns every merchant account.
func (a *Auth) ListUsers(ctx context.Context) ([]AdminUser, error) {
	us, err := a.admins.ListAdmins(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// UpdateUser changes an account. Any change ends the account's existing
// tokens (its token version is bumped); the last active admin cannot be
// demoted or disabled.
func (a *Auth) UpdateUser(ctx context.Context, username string, ch UserChange) (AdminUser, error) {
	if ch.Password == nil && ch.Role == nil && ch.Disabled == nil {
		return AdminUser{}, Invalid("", "nothing to change: give password, role or disabled")
	}
	var sc AdminChange
	if ch.Role != nil {
		if *ch.Role != RoleAdmin && *ch.Role != RoleClerk {
			return AdminUser{}, Invalid("role", "role: admin or clerk")
		}
		sc.Role = ch.Role
	}
	if ch.Password != nil {
		hash, err := hashPassword("password", *ch.Password)
		if err != nil {
			return AdminUser{}, err
		}
		sc.PasswordHash = &hash
	}
	sc.Disabled = ch.Disabled
	u, err := a.admins.UpdateAdmin(ctx, username, sc)
	a.sessions.forget(username)
	if err != nil {
		return AdminUser{}, accountError(username, err)
	}
	return u, nil
}

// DeleteUser removes an account (its tokens end); never the last active admin.
func (a *Auth) DeleteUser(ctx context.Context, username string) error {
	err := a.admins.DeleteAdmin(ctx, username)
	a.sessions.forget(username)
	if err != nil {
		return accountError(username, err)
	}
	return nil
}

// ChangeOwnPassword replaces the caller's password after checking the old
// one; the caller's other tokens end and the returned session is the new one.
// Wrong old passwords are throttled like failed logins: a stolen token must
// not become a way to guess the password without limit.
func (a *Auth) ChangeOwnPassword(ctx context.Context, username, oldPassword, newPassword string) (Session, error) {
	if oldPassword == "" {
		return Session{}, Invalid("old_password", "old_password is required")
	}
	guess, user := "login:pair:"+username+"|old_password", "login:user:"+username
	if err := a.checkThrottle(ctx, guess, user); err != nil {
		return Session{}, err
	}
	u, err := a.admins.GetAdmin(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return Session{}, Errorf(KindUnauthenticated, "this account no longer exists")
	}
	if err != nil {
		return Session{}, fmt.Errorf("change password of %s: %w", username, err)
	}
	if !passwordMatches([]byte(u.PasswordHash), oldPassword) {
		_ = a.loginFailed(ctx, guess, user)
		return Session{}, &Error{Kind: KindForbidden, Message: "old_password is wrong",
			Details: map[string]any{"field": "old_password"}}
	}
	hash, err := hashPassword("new_password", newPassword)
	if err != nil {
		return Session{}, err
	}
	u, err = a.admins.UpdateAdmin(ctx, username, AdminChange{PasswordHash: &hash})
	a.sessions.forget(username)
	if err != nil {
		return Session{}, accountError(username, err)
	}
	return a.issue(u.Username, u.Role, u.TokenVersion)
}

func accountError(username string, err error) error {
	switch {
	case errors.Is(err, ErrLastAdmin):
		return &Error{Kind: KindConflict, Message: "the last active admin cannot be demoted, disabled or deleted",
			Details: map[string]any{"username": username}, Err: err}
	case errors.Is(err, ErrNotFound):
		return &Error{Kind: KindNotFound, Message: fmt.Sprintf("no user %s", username), Err: err}
	}
	return fmt.Errorf("change user %s: %w", username, err)
}
