package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Session is a signed-in principal's token.
type Session struct {
	Token     string
	ExpiresIn int64 // seconds
	Subject   string
	Role      Role
}

// Auth signs in mini-program users and merchants and manages merchant accounts.
type Auth struct {
	mini   MiniProgramAuth
	admins AdminStore
	tokens TokenIssuer
	// logins throttles failed merchant logins per username and per IP; nil: none.
	logins Throttle
	log    *slog.Logger
	// dummyHash keeps a login for an unknown user as slow as one with a wrong
	// password, so timing does not tell which usernames exist.
	dummyHash []byte
	sessions  sessions
	now       func() time.Time
}

// NewAuth wires the sign-in logic.
func NewAuth(mini MiniProgramAuth, admins AdminStore, tokens TokenIssuer, logins Throttle, log *slog.Logger) *Auth {
	h, _ := bcrypt.GenerateFromPassword([]byte("not-a-password"), bcrypt.DefaultCost)
	return &Auth{mini: mini, admins: admins, tokens: tokens, logins: logins, log: log, dummyHash: h, now: time.Now}
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
	return a.issue(openid, RoleUser, 0)
}

// AdminLogin checks a merchant's password and returns a token for their role.
// Failed attempts are throttled per username and per client IP.
func (a *Auth) AdminLogin(ctx context.Context, username, password, clientIP string) (Session, error) {
	if username == "" {
		return Session{}, Invalid("username", "username is required")
	}
	if password == "" {
		return Session{}, Invalid("password", "password is required")
	}
	keys := []string{"login:user:" + username, "login:ip:" + clientIP}
	if err := a.checkThrottle(ctx, keys); err != nil {
		return Session{}, err
	}
	u, err := a.admins.GetAdmin(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		return Session{}, a.loginFailed(ctx, keys)
	case err != nil:
		return Session{}, fmt.Errorf("admin login %s: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || u.Disabled {
		return Session{}, a.loginFailed(ctx, keys)
	}
	if err := a.admins.RecordLogin(ctx, u.Username, a.now()); err != nil {
		a.log.WarnContext(ctx, "last login not recorded", "username", u.Username, "err", err)
	}
	return a.issue(u.Username, u.Role, u.TokenVersion)
}

func (a *Auth) checkThrottle(ctx context.Context, keys []string) error {
	if a.logins == nil {
		return nil
	}
	for _, k := range keys {
		blocked, retry, err := a.logins.Blocked(ctx, k)
		if err != nil { // the throttle protects logins; it must not lock everyone out with the cache
			a.log.WarnContext(ctx, "login throttle unavailable", "err", err)
			return nil
		}
		if blocked {
			return &Error{Kind: KindRateLimited, Message: "too many failed logins: try again later",
				Details: map[string]any{"retry_after_seconds": int(math.Ceil(retry.Seconds()))}}
		}
	}
	return nil
}

func (a *Auth) loginFailed(ctx context.Context, keys []string) error {
	if a.logins != nil {
		for _, k := range keys {
			if err := a.logins.Fail(ctx, k); err != nil {
				a.log.WarnContext(ctx, "login throttle unavailable", "err", err)
			}
		}
	}
	return Errorf(KindUnauthenticated, "wrong username or password")
}

// EnsureAdmin creates the bootstrap admin unless that username exists already.
// An existing account is left exactly as it is (password, role, disabled): the
// accounts are managed through the API, and a restart must not undo that.
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

func (a *Auth) issue(subject string, role Role, version int64) (Session, error) {
	tok, ttl, err := a.tokens.Issue(subject, role, version)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: tok, ExpiresIn: int64(ttl.Seconds()), Subject: subject, Role: role}, nil
}
