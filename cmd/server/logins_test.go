package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// Tests of merchant logins and tokens (issue 10, item 4).

func loginFrom(t *testing.T, s *server, ip, user, password string) reply {
	t.Helper()
	return callFrom(t, ip, "POST", s.base+"/admin/v1/auth/login", map[string]string{"username": user, "password": password})
}

// Ten failures for boss from one address block that address for boss only:
// the owner's right password from another address still signs in, and
// "boss " (which MySQL's collation compares equal to "boss") is no way around
// the block.
func TestLockoutBlocksThePairNotTheOwner(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	const attacker, owner = "203.0.113.7", "198.51.100.20"
	for i := 0; i < 10; i++ {
		if r := loginFrom(t, s, attacker, "boss", fmt.Sprintf("guess-%d", i)); r.status != 401 {
			t.Fatalf("failure %d = %d %s, want 401", i+1, r.status, r.body)
		}
	}
	r := loginFrom(t, s, attacker, "boss", "boss-password")
	if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("right password from the blocked address = %d %s, want 429 with Retry-After", r.status, r.body)
	}
	for _, name := range []string{"boss ", " boss", "boss\t", "BOSS "} {
		if r := loginFrom(t, s, attacker, name, "boss-password"); r.status != 401 || r.errCode() != "unauthenticated" {
			t.Errorf("login as %q from the blocked address = %d %s, want 401 like a wrong password", name, r.status, r.body)
		}
	}
	// The owner, elsewhere, is slowed but let in.
	if r := loginFrom(t, s, owner, "boss", "boss-password"); r.status != 200 {
		t.Fatalf("owner's right password from another address = %d %s, want 200", r.status, r.body)
	}
	// Other usernames from the attacker's address are not blocked.
	createUser(t, s, s.adminLogin(t, "boss", "boss-password"), "till1", "till-password", "clerk")
	if r := loginFrom(t, s, attacker, "till1", "till-password"); r.status != 200 {
		t.Errorf("another user from the blocked address = %d %s, want 200", r.status, r.body)
	}
}

// Usernames that cannot exist are refused before any look-up, like a wrong
// password, and do not count against the real user.
func TestInvalidUsernamesAreWrongLogins(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	for _, name := range []string{"boss ", "bo", "boss\x00", "bo ss", "ボス", string(make([]byte, 65))} {
		r := loginFrom(t, s, "192.0.2.1", name, "boss-password")
		if r.status != 401 || r.errCode() != "unauthenticated" {
			t.Errorf("login as %q = %d %s, want 401 unauthenticated", name, r.status, r.body)
		}
	}
}

// Redis stopped mid-test: logins are still limited, per client IP and by the
// lockout, in process.
func TestLoginsLimitedWithRedisStopped(t *testing.T) {
	t.Parallel()
	redis := spareRedis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), "spare-logins:", emulator(t))
	env["REDIS_URL"] = fmt.Sprintf("redis://127.0.0.1:%d/0", redis.port)
	env["RATE_LIMIT_PER_MINUTE"] = "12"
	s := startServer(t, env)
	s.adminLogin(t, "boss", "boss-password")
	redis.stop()

	// The lockout: 10 failures, then the right password is refused (11
	// logins: within the per-IP limit of 12 whatever minute they fall in).
	for i := 0; i < 10; i++ {
		if r := loginFrom(t, s, "203.0.113.9", "boss", fmt.Sprintf("guess-%d", i)); r.status != 401 {
			t.Fatalf("failure %d with Redis down = %d %s, want 401", i+1, r.status, r.body)
		}
	}
	if r := loginFrom(t, s, "203.0.113.9", "boss", "boss-password"); r.status != 429 || r.errCode() != "rate_limited" {
		t.Fatalf("login after 10 failures with Redis down = %d %s, want 429 (the lockout held in process)", r.status, r.body)
	}

	// The per-IP limit: 12 a minute, the 13th refused. The mini-program
	// login with an unknown code is quick (no bcrypt), so all 13 fit in one
	// minute.
	if sec := time.Now().Second(); sec >= 50 {
		time.Sleep(time.Duration(61-sec) * time.Second)
	}
	userLogin := func() reply {
		return callFrom(t, "203.0.113.10", "POST", s.base+"/api/v1/auth/login", map[string]string{"code": "unknown-code"})
	}
	for i := 0; i < 12; i++ {
		if r := userLogin(); r.status != 401 {
			t.Fatalf("login %d with Redis down = %d %s, want 401", i+1, r.status, r.body)
		}
	}
	if r := userLogin(); r.status != 429 || r.errCode() != "rate_limited" {
		t.Errorf("13th login in a minute with Redis down = %d %s, want 429 (the limit held in process)", r.status, r.body)
	}
	// Another address is still served.
	if r := loginFrom(t, s, "203.0.113.11", "boss", "boss-password"); r.status != 200 {
		t.Errorf("login from another address with Redis down = %d %s, want 200", r.status, r.body)
	}
}

// signed is a token signed with secret, with the claims given.
func signed(t *testing.T, secret string, c jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// A correctly signed token that claims more life than the service gives is
// refused, as is one without iat.
func TestTokenLifetimeCapped(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	now := time.Now()
	claims := func(sub, role string, life time.Duration) jwt.MapClaims {
		return jwt.MapClaims{"iss": "wxcoupon", "sub": sub, "role": role, "iat": now.Unix(), "exp": now.Add(life).Unix()}
	}
	noIat := claims("boss", "admin", time.Hour)
	delete(noIat, "iat")
	for _, tc := range []struct {
		name, path, token string
		want              int
	}{
		{"admin, 8 hours", "/admin/v1/users", signed(t, testJWTSecret, claims("boss", "admin", 8*time.Hour)), 200},
		{"admin, 10 years", "/admin/v1/users", signed(t, testJWTSecret, claims("boss", "admin", 10*365*24*time.Hour)), 401},
		{"admin, no iat", "/admin/v1/users", signed(t, testJWTSecret, noIat), 401},
		{"user, 2 hours", "/api/v1/me/codes", signed(t, testJWTSecret, claims("oUser", "user", 2*time.Hour)), 200},
		{"user, 8 hours", "/api/v1/me/codes", signed(t, testJWTSecret, claims("oUser", "user", 8*time.Hour)), 401},
		{"user, 10 years", "/api/v1/me/codes", signed(t, testJWTSecret, claims("oUser", "user", 10*365*24*time.Hour)), 401},
	} {
		r := call(t, "GET", s.base+tc.path, tc.token, nil)
		if r.status != tc.want || (tc.want == 401 && r.errCode() != "unauthenticated") {
			t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.want)
		}
	}
}

// JWT_SECRET rotated: tokens of the previous secret are still accepted, new
// ones are signed with the new secret, and a secret never configured fails.
func TestJWTSecretRotation(t *testing.T) {
	t.Parallel()
	const newSecret = "the-new-secret-the-new-secret-the-new"
	s := replicas(t, 1, map[string]string{"JWT_SECRET": newSecret, "JWT_SECRET_PREVIOUS": testJWTSecret})[0]
	old := mintToken(t, "boss", service.RoleAdmin) // signed with the previous secret
	mustStatus(t, call(t, "GET", s.base+"/admin/v1/users", old, nil), 200)
	oldUser := mintToken(t, "oRotated", service.RoleUser)
	mustStatus(t, call(t, "GET", s.base+"/api/v1/me/codes", oldUser, nil), 200)

	stranger, _, err := auth.NewJWT("a-secret-nobody-configured-anywhere", nil).Issue("boss", service.RoleAdmin, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, "GET", s.base+"/admin/v1/users", stranger, nil); r.status != 401 {
		t.Errorf("token of an unknown secret = %d %s, want 401", r.status, r.body)
	}

	fresh := s.adminLogin(t, "boss", "boss-password")
	if _, err := auth.NewJWT(newSecret, nil).Verify(fresh); err != nil {
		t.Errorf("a new token is not signed with JWT_SECRET: %v", err)
	}
	if _, err := auth.NewJWT(testJWTSecret, nil).Verify(fresh); err == nil {
		t.Error("a new token verifies with the previous secret: it was signed with it")
	}
}
