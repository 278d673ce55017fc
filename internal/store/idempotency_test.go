package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

// Idempotency keys: one claim wins, also concurrently; the holder's row is
// returned to the others; a finished key keeps its result; an expired key is
// replaced; a released key can be claimed again.
func testIdempotencyKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	k := service.IdempotencyKey{Scope: "card.create", Key: "k1", BodyHash: "h1", State: service.IdemPending, CreatedAt: base}
	notBefore := base.Add(-time.Hour)

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			held, claimed, err := s.ClaimKey(ctx, k, notBefore)
			if err != nil {
				t.Errorf("claim: %v", err)
				return
			}
			if held.BodyHash != "h1" || held.State != service.IdemPending {
				t.Errorf("held = %+v, want the pending claim", held)
			}
			if claimed {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("claims won = %d, want 1", wins)
	}
	if err := s.FinishKey(ctx, "card.create", "k1", service.IdemDone, "pCard1"); err != nil {
		t.Fatal(err)
	}
	other := k
	other.BodyHash = "h2"
	held, claimed, err := s.ClaimKey(ctx, other, notBefore)
	if err != nil || claimed || held.State != service.IdemDone || held.Result != "pCard1" || held.BodyHash != "h1" {
		t.Errorf("claim of a finished key = %+v, %v, %v; want the done row with pCard1", held, claimed, err)
	}
	// A day later the key is free again.
	later := k
	later.CreatedAt = base.Add(25 * time.Hour)
	held, claimed, err = s.ClaimKey(ctx, later, base.Add(time.Hour))
	if err != nil || !claimed || held.State != service.IdemPending {
		t.Errorf("claim of an expired key = %+v, %v, %v; want a new claim", held, claimed, err)
	}
	if err := s.ReleaseKey(ctx, "card.create", "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetKey(ctx, "card.create", "k1"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("get a released key = %v, want not found", err)
	}
	if _, claimed, err := s.ClaimKey(ctx, k, notBefore); err != nil || !claimed {
		t.Errorf("claim after release = %v, %v; want claimed", claimed, err)
	}
	// Keys are case-sensitive and scoped.
	if _, claimed, err := s.ClaimKey(ctx, service.IdempotencyKey{Scope: "card.create", Key: "K1", BodyHash: "h", State: service.IdemPending}, notBefore); err != nil || !claimed {
		t.Errorf("claim of K1 = %v, %v; want its own claim", claimed, err)
	}
	if _, claimed, err := s.ClaimKey(ctx, service.IdempotencyKey{Scope: "other", Key: "k1", BodyHash: "h", State: service.IdemPending}, notBefore); err != nil || !claimed {
		t.Errorf("claim in another scope = %v, %v; want its own claim", claimed, err)
	}
}
