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

// Login throttling (see AdminLogin).
const (
	// LoginFailureLimit failed logins of one username from one client IP
	// within LoginWindow block that pair (the wiring builds the Throttle
	// with these).
	LoginFailureLimit = 10
	LoginWindow       = 15 * time.Minute
	// From loginSlowAfter failures of a username (from any address) in the
	// window, each further attempt waits loginFirstDelay, doubling with every
	// failure, at most loginMaxDelay: guessing from many addresses is slowed,
	// the owner's right password is never refused.
	loginSlowAfter  = 5
	loginFirstDelay = 250 * time.Millisecond
	loginMaxDelay   = 2 * time.Second
)

// Auth signs in mini-program users and merchants and manages merchant accounts.
type Auth struct {
	mini   MiniProgramAuth
	admins AdminStore
	tokens TokenIssuer
	// logins throttles failed merchant logins; nil: none.
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
	return &Auth{mini: mini, admins: admins, tokens: tokens, logins: logins, log: log, dummyHash: h,
		now: time.Now}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
// The username is checked first: one that could not exist is refused like a
// wrong password, before any throttling or look-up (MySQL's collation ignores
// trailing spaces, so "boss " would otherwise be a second lockout counter for
// boss). Failures are counted per (username, client IP), which is blocked
// after LoginFailureLimit, and per username, which only slows attempts down.
func (a *Auth) AdminLogin(ctx context.Context, username, password, clientIP string) (Session, error) {
	if password == "" {
		return Session{}, Invalid("password", "password is required")
	}
	if !usernamePattern.MatchString(username) {
		_ = passwordMatches(a.dummyHash, password)
		return Session{}, errWrongLogin()
	}
	pair, user := "login:pair:"+username+"|"+clientIP, "login:user:"+username
	if err := a.checkThrottle(ctx, pair, user); err != nil {
		return Session{}, err
	}
	u, err := a.admins.GetAdmin(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		_ = passwordMatches(a.dummyHash, password)
		return Session{}, a.loginFailed(ctx, pair, user)
	case err != nil:
		return Session{}, fmt.Errorf("admin login %s: %w", username, err)
	}
	if !passwordMatches([]byte(u.PasswordHash), password) || u.Disabled {
		return Session{}, a.loginFailed(ctx, pair, user)
	}
	if err := a.admins.RecordLogin(ctx, u.Username, a.now()); err != nil {
		a.log.WarnContext(ctx, "last login not recorded", "username", u.Username, "err", err)
	}
	return a.issue(u.Username, u.Role, u.TokenVersion)
}

func errWrongLogin() error { return Errorf(KindUnauthenticated, "wrong username or password") }

// checkThrottle refuses a blocked (username, IP) pair and makes a username
// with many recent failures wait (LoginDelay).
func (a *Auth) checkThrottle(ctx context.Context, pair, user string) error {
	if a.logins == nil {
		return nil
	}
	blocked, retry, err := a.logins.Blocked(ctx, pair)
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if blocked {
		return &Error{Kind: KindRateLimited, Message: "too many failed logins: try again later",
			Details: map[string]any{"retry_after_seconds": int(math.Ceil(retry.Seconds()))}}
	}
	n, err := a.logins.Count(ctx, user)
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if d := LoginDelay(n); d > 0 {
		if err := sleepCtx(ctx, d); err != nil {
			return fmt.Errorf("login delay: %w", err)
		}
	}
	return nil
}

// LoginDelay is how long a login waits when its username has failed
// failures times recently (as the Throttle counts them).
func LoginDelay(failures int64) time.Duration {
	if failures < loginSlowAfter {
		return 0
	}
	d := loginFirstDelay
	for i := int64(loginSlowAfter); i < failures && d < loginMaxDelay; i++ {
		d *= 2
	}
	return min(d, loginMaxDelay)
}

func (a *Auth) loginFailed(ctx context.Context, keys ...string) error {
	if a.logins != nil {
		for _, k := range keys {
			if err := a.logins.Fail(ctx, k); err != nil {
				a.log.WarnContext(ctx, "login failure not counted", "err", err)
			}
		}
	}
	return errWrongLogin()
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
	hash, err := hashPassword("ADMIN_PASSWORD", password)
	if err != nil {
		return false, err
	}
	_, err = a.admins.CreateAdmin(ctx, AdminUser{Username: username, PasswordHash: hash, Role: RoleAdmin})
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
