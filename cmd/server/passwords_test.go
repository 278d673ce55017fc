package main

import (
	"strings"
	"testing"
)

// Passwords are 8–128 characters (api.md), counted as characters: longer than
// bcrypt's 72 bytes they still count in full.
func TestLongPasswordsCountInFull(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	admin := s.adminLogin(t, "boss", "boss-password")

	// 100 characters, 300 bytes of UTF-8: far past bcrypt's 72 bytes.
	long := strings.Repeat("券", 100)
	createUser(t, s, admin, "till-long", long, "clerk")
	if _, role := merchantLogin(t, s, "till-long", long); role != "clerk" {
		t.Fatalf("role = %q, want clerk", role)
	}
	// The same first 72 bytes (24 characters) and then something else is another password.
	for _, wrong := range []string{strings.Repeat("券", 24), strings.Repeat("券", 99) + "卡"} {
		r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": "till-long", "password": wrong})
		if r.status != 401 {
			t.Fatalf("login with %d characters of another password = %d %s, want 401", len([]rune(wrong)), r.status, r.body)
		}
	}

	// 128 characters are accepted, 129 are not; 8 汉字 are 8 characters.
	createUser(t, s, admin, "till-128", strings.Repeat("a", 128), "clerk")
	createUser(t, s, admin, "till-han", strings.Repeat("卡", 8), "clerk")
	r := call(t, "POST", s.base+"/admin/v1/users", admin,
		map[string]string{"username": "till-129", "password": strings.Repeat("a", 129), "role": "clerk"})
	mustStatus(t, r, 400)
	if r.errCode() != "invalid_argument" || !strings.Contains(string(r.body), `"password"`) {
		t.Fatalf("129 characters: %s, want invalid_argument naming password", r.body)
	}
	r = call(t, "POST", s.base+"/admin/v1/users", admin,
		map[string]string{"username": "till-7", "password": strings.Repeat("卡", 7), "role": "clerk"})
	mustStatus(t, r, 400)
}

// Guessing the old password with a signed-in token is throttled like logins:
// after 10 wrong guesses even the right one is refused (429) for a while,
// while the account still signs in normally.
func TestOldPasswordGuessesThrottled(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	admin := s.adminLogin(t, "boss", "boss-password")
	createUser(t, s, admin, "till-guess", "till-password", "clerk")
	token, _ := merchantLogin(t, s, "till-guess", "till-password")

	change := func(old string) reply {
		return call(t, "POST", s.base+"/admin/v1/auth/password", token,
			map[string]string{"old_password": old, "new_password": "new-till-password"})
	}
	for i := 0; i < 10; i++ {
		mustStatus(t, change("guess-"+strings.Repeat("x", i)), 403)
	}
	r := change("till-password")
	mustStatus(t, r, 429)
	if r.errCode() != "rate_limited" {
		t.Fatalf("after 10 wrong guesses: %s, want rate_limited", r.body)
	}
	// Signing in from another client is slowed, not blocked.
	merchantLogin(t, s, "till-guess", "till-password")
}
