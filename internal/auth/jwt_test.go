package auth_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
)

const secret = "0123456789abcdef0123456789abcdef"

func TestIssueVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	j := auth.NewJWT(secret, nil)
	for _, role := range []service.Role{service.RoleUser, service.RoleAdmin, service.RoleClerk} {
		tok, ttl, err := j.Issue("sub-"+string(role), role, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 {
			t.Errorf("ttl = %v, want > 0", ttl)
		}
		p, err := j.Verify(tok)
		if err != nil {
			t.Fatalf("verify %s: %v", role, err)
		}
		if got, want := p, (auth.Principal{Subject: "sub-" + string(role), Role: role}); got != want {
			t.Errorf("principal = %+v, want %+v", got, want)
		}
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	now := time.Now()
	j := auth.NewJWT(secret, func() time.Time { return now })
	valid := jwt.MapClaims{"iss": "wxcoupon", "sub": "o1", "role": "admin", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range valid {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	good := sign(t, jwt.SigningMethodHS256, []byte(secret), valid)
	tests := []struct {
		name  string
		token string
	}{
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid)},
		{"alg HS512", sign(t, jwt.SigningMethodHS512, []byte(secret), valid)},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), valid)},
		{"expired", sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", now.Add(-time.Minute).Unix()))},
		{"no expiry", sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", nil))},
		{"unknown role", sign(t, jwt.SigningMethodHS256, []byte(secret), with("role", "root"))},
		{"other issuer", sign(t, jwt.SigningMethodHS256, []byte(secret), with("iss", "someone"))},
		{"no iat", sign(t, jwt.SigningMethodHS256, []byte(secret), with("iat", nil))},
		{"far-future exp", sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", now.Add(10*365*24*time.Hour).Unix()))},
		{"admin lifetime over 8h", sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", now.Add(8*time.Hour+time.Second).Unix()))},
		{"iat in the future", sign(t, jwt.SigningMethodHS256, []byte(secret), func() jwt.MapClaims {
			c := with("iat", now.Add(24*time.Hour).Unix())
			c["exp"] = now.Add(25 * time.Hour).Unix()
			return c
		}())},
		{"user lifetime over 2h", sign(t, jwt.SigningMethodHS256, []byte(secret), func() jwt.MapClaims {
			c := with("role", "user")
			c["exp"] = now.Add(3 * time.Hour).Unix()
			return c
		}())},
		{"tampered payload", good[:strings.Index(good, ".")+1] + "eyJyb2xlIjoiYWRtaW4ifQ" + good[strings.LastIndex(good, "."):]},
		{"garbage", "not.a.jwt"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := j.Verify(tt.token); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
	if _, err := j.Verify(good); err != nil {
		t.Errorf("control token refused: %v", err)
	}
}

// A signature's last base64url character carries 4 bits of the 32-byte HS256
// MAC and 2 padding bits; a token whose padding bits are not zero decodes to
// the same signature but is not the token that was issued, and must not verify.
func TestNonCanonicalSignatureRefused(t *testing.T) {
	t.Parallel()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	j := auth.NewJWT(secret, nil)
	tok, _, err := j.Issue("oUser", service.RoleUser, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Verify(tok); err != nil { // canonical: verifies, and is remembered
		t.Fatal(err)
	}
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	v := strings.IndexByte(alphabet, sig[len(sig)-1])
	if len(sig) != 43 || v < 0 || v&3 != 0 {
		t.Fatalf("signature %q: want 43 canonical base64url characters", sig)
	}
	for pad := 1; pad <= 3; pad++ {
		alt := tok[:len(tok)-1] + string(alphabet[v|pad])
		altSig := alt[strings.LastIndexByte(alt, '.')+1:]
		a, errA := base64.RawURLEncoding.DecodeString(sig)
		b, errB := base64.RawURLEncoding.DecodeString(altSig)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("lenient decoding of %q and %q: %x, %v; %x, %v: want the same bytes", sig, altSig, a, errA, b, errB)
		}
		if _, err := j.Verify(alt); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("Verify(padding bits %02b) = %v, want ErrInvalidToken", pad, err)
		}
	}
	if _, err := j.Verify(tok); err != nil {
		t.Errorf("Verify(canonical) after the refusals: %v", err)
	}
}

// The lifetime cap is the role's own: a user token may live 2 hours, an
// admin's 8, and exactly that much is accepted.
func TestVerifyAcceptsFullLifetime(t *testing.T) {
	t.Parallel()
	now := time.Now()
	j := auth.NewJWT(secret, func() time.Time { return now })
	for role, ttl := range map[string]time.Duration{"user": 2 * time.Hour, "admin": 8 * time.Hour, "clerk": 8 * time.Hour} {
		tok := sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{
			"iss": "wxcoupon", "sub": "s", "role": role, "iat": now.Unix(), "exp": now.Add(ttl).Unix()})
		if _, err := j.Verify(tok); err != nil {
			t.Errorf("%s token living %s refused: %v", role, ttl, err)
		}
	}
}

// Rotation: a token signed with the previous secret verifies until it
// expires; new tokens are signed with the current one; a third secret fails.
func TestVerifyPreviousSecret(t *testing.T) {
	t.Parallel()
	const previous = "the-previous-secret-the-previous-secret"
	old := auth.NewJWT(previous, nil)
	oldTok, _, err := old.Issue("boss", service.RoleAdmin, 3)
	if err != nil {
		t.Fatal(err)
	}
	rotated := auth.NewJWT(secret, nil, previous)
	p, err := rotated.Verify(oldTok)
	if err != nil {
		t.Fatalf("token of the previous secret refused: %v", err)
	}
	if p.Subject != "boss" || p.Role != service.RoleAdmin || p.Version != 3 {
		t.Errorf("principal = %+v, want boss admin version 3", p)
	}
	newTok, _, err := rotated.Issue("boss", service.RoleAdmin, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewJWT(secret, nil).Verify(newTok); err != nil {
		t.Errorf("new token not signed with the current secret: %v", err)
	}
	if _, err := old.Verify(newTok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("new token verified with the previous secret alone: %v", err)
	}
	stranger := auth.NewJWT("a-secret-nobody-configured-here-at-all", nil)
	strangeTok, _, _ := stranger.Issue("boss", service.RoleAdmin, 3)
	if _, err := rotated.Verify(strangeTok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("token of an unknown secret = %v, want ErrInvalidToken", err)
	}
	if _, err := auth.NewJWT(secret, nil).Verify(oldTok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("previous secret accepted without being configured: %v", err)
	}
}
