package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

func testEvents(t *testing.T, s *store.Store) {
	ctx := context.Background()
	e := service.CardEvent{Key: "oU|1700000000|user_view_card|pCard|", Type: "user_view_card", CardID: "pCard",
		OpenID: "oU", CreatedAt: base}
	if seen, err := s.SeenEvent(ctx, e.Key); err != nil || seen {
		t.Fatalf("SeenEvent before = %v, %v; want false", seen, err)
	}
	// WeChat's retries may arrive at once: exactly one is recorded.
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := s.RecordEvent(ctx, e)
			if err != nil {
				t.Error(err)
			}
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Errorf("recorded %d times, want 1", firsts)
	}
	if seen, err := s.SeenEvent(ctx, e.Key); err != nil || !seen {
		t.Errorf("SeenEvent after = %v, %v; want true", seen, err)
	}
	other := e
	other.Key, other.CreatedAt = "oU|1700000060|user_view_card|pCard|", base.Add(time.Minute)
	if first, err := s.RecordEvent(ctx, other); err != nil || !first {
		t.Fatalf("second view = %v, %v", first, err)
	}
	if n, err := s.CountEvents(ctx, "pCard", "user_view_card"); err != nil || n != 2 {
		t.Errorf("views = %d, %v; want 2", n, err)
	}
	if n, err := s.CountEvents(ctx, "pCard", "user_enter_session_from_card"); err != nil || n != 0 {
		t.Errorf("sessions = %d, %v; want 0", n, err)
	}
}
