package auth

import (
	"fmt"
	"testing"
	"time"
)

// fill makes v full: expired of its tokens past their expiry, the rest valid.
func fill(v *verifiedTokens, expired int, now time.Time) {
	v.m = make(map[string]verifiedToken, maxVerified)
	for i := range maxVerified {
		exp := now.Add(time.Hour)
		if i < expired {
			exp = now.Add(-time.Second)
		}
		v.m[fmt.Sprintf("tok%05d", i)] = verifiedToken{p: Principal{Subject: "s"}, expires: exp}
	}
}

func TestFullSweepThatFreesLittleClears(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var v verifiedTokens
	fill(&v, maxVerified/4-1, now) // a sweep would free just under a quarter
	v.put("new", Principal{Subject: "n"}, now.Add(time.Hour), now)
	if len(v.m) != 1 {
		t.Fatalf("after put into a full map freeing < 1/4: %d entries, want 1 (cleared, then the new one)", len(v.m))
	}
	if _, ok := v.get("new", now); !ok {
		t.Error("new token not remembered")
	}
}

func TestFullSweepThatFreesEnoughKeepsValid(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var v verifiedTokens
	fill(&v, maxVerified/4, now) // exactly a quarter expired
	v.put("new", Principal{Subject: "n"}, now.Add(time.Hour), now)
	if want := maxVerified - maxVerified/4 + 1; len(v.m) != want {
		t.Fatalf("after put into a full map freeing 1/4: %d entries, want %d", len(v.m), want)
	}
	for i := maxVerified / 4; i < maxVerified; i++ {
		if _, ok := v.get(fmt.Sprintf("tok%05d", i), now); !ok {
			t.Fatalf("valid token %d forgotten", i)
		}
	}
	// The next puts, up to a quarter of the bound, fit without a sweep.
	for i := range maxVerified/4 - 1 {
		v.put(fmt.Sprintf("more%05d", i), Principal{Subject: "m"}, now.Add(time.Hour), now)
	}
	if len(v.m) != maxVerified {
		t.Errorf("after filling again: %d entries, want %d", len(v.m), maxVerified)
	}
}
