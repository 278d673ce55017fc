package auth

import (
	"sync"
	"time"
)

// maxVerified bounds the tokens remembered as verified (a few hundred bytes
// each).
const maxVerified = 8192

// verifiedTokens remembers tokens that passed Verify until they expire. A
// client sends the same token with every request, and decoding its claims
// was a fifth of a card-ext request's CPU (docs/benchmarks.md); the signature
// and claims of an identical string cannot have changed. Revocation of
// merchant tokens is not decided here: the admin routes compare the
// remembered principal's version with the account's on every request.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	p       Principal
	expires time.Time
}

func (v *verifiedTokens) get(token string, now time.Time) (Principal, bool) {
	v.mu.RLock()
	e, ok := v.m[token]
	v.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return Principal{}, false
	}
	return e.p, true
}

func (v *verifiedTokens) put(token string, p Principal, expires time.Time, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[string]verifiedToken)
	}
	if len(v.m) >= maxVerified {
		for k, e := range v.m {
			if !now.Before(e.expires) {
				delete(v.m, k)
			}
		}
		// Freed less than a quarter: start again rather than grow, or sweep
		// the whole map again within a few puts. So a sweep comes at most
		// once per maxVerified/4 puts; a forgotten token is verified afresh.
		if maxVerified-len(v.m) < maxVerified/4 {
			clear(v.m)
		}
	}
	v.m[token] = verifiedToken{p: p, expires: expires}
}
