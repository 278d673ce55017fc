package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Session is a signed-in principal's token.
type Session struct {
	Token     string
	ExpiresIn int64 // seconds
	Subject   string
	Role      Role
}

// Auth signs in mini-program users and merchants.
type Auth struct {
	mini   MiniProgramAuth
	admins AdminStore
	tokens TokenIssuer
	log    *slog.Logger
	// dummyHash keeps a login for an unknown user as slow as one with a wrong
	// password, so timing does not tell which usernames exist.
	dummyHash []byte
}

// NewAuth wires the sign-in logic.
func NewAuth(mini MiniProgramAuth, admins AdminStore, tokens TokenIssuer, log *slog.Logger) *Auth {
	h, _ := bcrypt.GenerateFromPassword([]byte("not-a-password"), bcrypt.DefaultCost)
	return &Auth{mini: mini, admins: admins, tokens: tokens, log: log, dummyHash: h}
}

// UserLogin exchanges a wx.login code for a user token.
func (a *Auth) UserLogin(ctx context.Context, loginCode string) (Session, error) {
	loginCode = strings.TrimSpace(loginCode)
	if loginCode == "" {
		return Session{}, Invalid("code", "code is required: pass the code from wx.login")
	}
	openid, err := a.mini.OpenID(ctx, loginCode)
	if err != nil {
		return Session{}, fmt.Errorf("user login: %w", err)
	}
	return a.issue(openid, RoleUser)
}

// AdminLogin checks a merchant's password and returns a token for their role.
func (a *Auth) AdminLogin(ctx context.Context, username, password string) (Session, error) {
	if username == "" {
		return Session{}, Invalid("username", "username is required")
	}
	if password == "" {
		return Session{}, Invalid("password", "password is required")
	}
	u, err := a.admins.GetAdmin(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		return Session{}, Errorf(KindUnauthenticated, "wrong username or password")
	case err != nil:
		return Session{}, fmt.Errorf("admin login %s: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return Session{}, Errorf(KindUnauthenticated, "wrong username or password")
	}
	return a.issue(u.Username, u.Role)
}

// EnsureAdmin creates the bootstrap admin unless that username exists already.
func (a *Auth) EnsureAdmin(ctx context.Context, username, password string) (bool, error) {
	if _, err := a.admins.GetAdmin(ctx, username); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("ensure admin %s: %w", username, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return false, fmt.Errorf("hash password: %w", err)
	}
	_, err = a.admins.CreateAdmin(ctx, AdminUser{Username: username, PasswordHash: string(hash), Role: RoleAdmin})
	if errors.Is(err, ErrConflict) { // another replica created it first
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ensure admin %s: %w", username, err)
	}
	return true, nil
}

func (a *Auth) issue(subject string, role Role) (Session, error) {
	tok, ttl, err := a.tokens.Issue(subject, role)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: tok, ExpiresIn: int64(ttl.Seconds()), Subject: subject, Role: role}, nil
}
