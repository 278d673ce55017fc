package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SessionCacheTTL bounds how long a replica keeps believing an account it
// read: a change made on another replica ends that account's tokens here
// within this time (the contract promises 5 s).
const SessionCacheTTL = 2 * time.Second

// sessions remembers each merchant account's token version, role and state
// for SessionCacheTTL, so that the admin routes check revocation without a
// database read on every request. Entries exist only for accounts that
// presented a correctly signed token, so the map stays as small as the
// accounts table.
type sessions struct {
	mu sync.Mutex
	m  map[string]sessionState
}

type sessionState struct {
	found    bool
	version  int64
	role     Role
	disabled bool
	read     time.Time
}

func (s *sessions) get(username string, now time.Time) (sessionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[username]
	if !ok || now.Sub(e.read) >= SessionCacheTTL || now.Before(e.read) {
		return sessionState{}, false
	}
	return e, true
}

func (s *sessions) put(username string, e sessionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]sessionState)
	}
	s.m[username] = e
}

// forget drops what is known of username, after a change made here.
func (s *sessions) forget(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, username)
}

// CheckSession reports whether a merchant token of username, issued with role
// under token version, still stands: the account exists, is not disabled, and
// neither its password nor its role changed since (the version would differ).
// It returns an unauthenticated error when the token was revoked.
func (a *Auth) CheckSession(ctx context.Context, username string, role Role, version int64) error {
	now := a.now()
	st, ok := a.sessions.get(username, now)
	if !ok {
		u, err := a.admins.GetAdmin(ctx, username)
		switch {
		case errors.Is(err, ErrNotFound):
			st = sessionState{found: false, read: now}
		case err != nil:
			return fmt.Errorf("check session of %s: %w", username, err)
		default:
			st = sessionState{found: true, version: u.TokenVersion, role: u.Role, disabled: u.Disabled, read: now}
		}
		a.sessions.put(username, st)
	}
	if !st.found || st.disabled || st.version != version || st.role != role {
		return Errorf(KindUnauthenticated, "this token has been revoked: sign in again")
	}
	return nil
}
