package auth_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func TestRememberedTokenStillExpires(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clock := &stepClock{t: start}
	j := auth.NewJWT(secret, clock.now)
	tok, ttl, err := j.Issue("oUser", service.RoleUser, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // the first verifies, the others are remembered
		if _, err := j.Verify(tok); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	clock.set(start.Add(ttl + time.Second))
	if _, err := j.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify after expiry = %v, want ErrInvalidToken", err)
	}
}

func TestRememberedTokenDoesNotVouchForAnother(t *testing.T) {
	t.Parallel()
	j := auth.NewJWT(secret, nil)
	tok, _, err := j.Issue("oUser", service.RoleUser, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Verify(tok); err != nil {
		t.Fatal(err)
	}
	// The same token with a character in the middle of its signature changed
	// (the last one's low bits are padding, so changing it may not change the
	// signature's bytes).
	sigStart := strings.LastIndexByte(tok, '.') + 1
	i := sigStart + (len(tok)-sigStart)/2
	other := byte('A')
	if tok[i] == 'A' {
		other = 'B'
	}
	if _, err := j.Verify(tok[:i] + string(other) + tok[i+1:]); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(tampered) = %v, want ErrInvalidToken", err)
	}
	// A verifier with another secret never saw it as valid.
	if _, err := auth.NewJWT(secret+"x", nil).Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify with another secret = %v, want ErrInvalidToken", err)
	}
}

func TestManyTokensStayVerifiable(t *testing.T) {
	t.Parallel()
	j := auth.NewJWT(secret, nil)
	const n = 9000 // more than the verifier remembers
	toks := make([]string, n)
	for i := range toks {
		tok, _, err := j.Issue(fmt.Sprintf("o%05d", i), service.RoleUser, 0)
		if err != nil {
			t.Fatal(err)
		}
		toks[i] = tok
	}
	for round := range 2 {
		for i, tok := range toks {
			p, err := j.Verify(tok)
			if err != nil || p.Subject != fmt.Sprintf("o%05d", i) {
				t.Fatalf("round %d: Verify(token %d) = %+v, %v", round, i, p, err)
			}
		}
	}
}
