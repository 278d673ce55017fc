package cache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestSetFirstKeepsTheFirstValue(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if v, err := s.SetFirst(ctx, "k", "a", time.Minute); err != nil || v != "a" {
			t.Fatalf("SetFirst(k, a) on a new key = %q, %v; want a", v, err)
		}
		if v, err := s.SetFirst(ctx, "k", "b", time.Minute); err != nil || v != "a" {
			t.Fatalf("SetFirst(k, b) = %q, %v; want the first value a", v, err)
		}
		if v, ok := mustGet(t, ctx, s, "k"); !ok || v != "a" {
			t.Errorf("Get(k) = %q, %v; want a", v, ok)
		}
		if _, err := s.SetFirst(ctx, "k", "b", 0); err == nil {
			t.Error("SetFirst with ttl 0: no error")
		}
	})
}

func TestSetFirstExpires(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		if _, err := s.SetFirst(ctx, "k", "a", 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if v, err := s.SetFirst(ctx, "k", "b", time.Minute); err != nil || v != "b" {
			t.Errorf("SetFirst after the first value expired = %q, %v; want b", v, err)
		}
	})
}

func TestSetFirstConcurrentCallersAgree(t *testing.T) {
	contract(t, func(t *testing.T, ctx context.Context, s kv) {
		const n = 20
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := s.SetFirst(ctx, "race", fmt.Sprint(i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			}()
		}
		wg.Wait()
		for i, v := range got {
			if v != got[0] {
				t.Fatalf("caller %d saw %q, caller 0 saw %q: want one first value for all", i, v, got[0])
			}
		}
	})
}
