// Package auth issues and verifies the service's JWTs (HS256 only) and carries the
// verified principal through a request's context.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wxcoupon/coupon/internal/service"
)

const issuer = "wxcoupon"

// ErrInvalidToken is returned for any token that must not be trusted: wrong
// algorithm, bad signature, expired, malformed or with an unknown role.
var ErrInvalidToken = errors.New("invalid token")

// maxClockSkew is how far a token's iat may lie ahead of this replica's clock
// (another replica issued it).
const maxClockSkew = time.Minute

// Principal is who a verified token speaks for.
type Principal struct {
	Subject string // openid for users, username for admins and clerks
	Role    service.Role
	// Version is the merchant account's token version the token was issued
	// under (0 for users); the service compares it with the account's.
	Version int64
}

type claims struct {
	Role    service.Role `json:"role"`
	Version int64        `json:"ver,omitempty"`
	jwt.RegisteredClaims
}

// JWT signs tokens with one HMAC secret and verifies them with it or with the
// previous secret (rotation).
type JWT struct {
	secret   []byte
	keys     jwt.VerificationKeySet
	userTTL  time.Duration
	adminTTL time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	verified verifiedTokens
}

// NewJWT returns a signer/verifier. Users' tokens live 2 hours, merchants' 8.
// Tokens signed with a previous secret (JWT_SECRET_PREVIOUS; empty ones are
// ignored) are still accepted until they expire, so the secret can be rotated
// one replica at a time; new tokens are always signed with secret.
func NewJWT(secret string, now func() time.Time, previous ...string) *JWT {
	if now == nil {
		now = time.Now
	}
	keys := jwt.VerificationKeySet{Keys: []jwt.VerificationKey{[]byte(secret)}}
	for _, p := range previous {
		if p != "" && p != secret {
			keys.Keys = append(keys.Keys, []byte(p))
		}
	}
	return &JWT{
		secret:   []byte(secret),
		keys:     keys,
		userTTL:  2 * time.Hour,
		adminTTL: 8 * time.Hour,
		now:      now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(now),
			// Only the canonical base64url spelling: nonzero trailing bits would
			// let many strings (each a separate remembered token) verify as one.
			jwt.WithStrictDecoding(),
		),
	}
}

// ttl is the lifetime this service gives role's tokens.
func (j *JWT) ttl(role service.Role) time.Duration {
	if role == service.RoleUser {
		return j.userTTL
	}
	return j.adminTTL
}

// Issue signs a token for subject with role and the account's token version,
// and reports its lifetime.
func (j *JWT) Issue(subject string, role service.Role, version int64) (string, time.Duration, error) {
	ttl := j.ttl(role)
	now := j.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Role:    role,
		Version: version,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	})
	s, err := tok.SignedString(j.secret)
	if err != nil {
		return "", 0, fmt.Errorf("sign token: %w", err)
	}
	return s, ttl, nil
}

// Verify checks the token and returns its principal.
func (j *JWT) Verify(token string) (Principal, error) {
	now := j.now()
	if p, ok := j.verified.get(token, now); ok {
		return p, nil
	}
	var c claims
	_, err := j.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return j.keys, nil })
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.Subject == "" || !c.Role.Valid() {
		return Principal{}, fmt.Errorf("%w: missing subject or unknown role", ErrInvalidToken)
	}
	// A correctly signed token may still claim more life than this service
	// gives (a leaked secret of an older deployment, a hand-made token):
	// exp − iat is capped at the role's lifetime, and iat is required.
	if c.IssuedAt == nil {
		return Principal{}, fmt.Errorf("%w: no iat", ErrInvalidToken)
	}
	if c.IssuedAt.After(now.Add(maxClockSkew)) {
		return Principal{}, fmt.Errorf("%w: issued in the future", ErrInvalidToken)
	}
	if c.ExpiresAt.Sub(c.IssuedAt.Time) > j.ttl(c.Role) {
		return Principal{}, fmt.Errorf("%w: lifetime above the %s maximum", ErrInvalidToken, c.Role)
	}
	p := Principal{Subject: c.Subject, Role: c.Role, Version: c.Version}
	// Expiry is required by the parser; a token with a future nbf was refused.
	j.verified.put(token, p, c.ExpiresAt.Time, now)
	return p, nil
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal a request was authenticated as.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
