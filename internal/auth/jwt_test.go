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
	valid := jwt.MapClaims{"iss": "wxcoupon", "sub": "o1", "role": "admin", "exp": now.Add(time.Hour).Unix()}
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
