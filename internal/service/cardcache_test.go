package service_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

// countingCards counts the reads that reach the real store underneath, and can
// hold each read's answer until released.
type countingCards struct {
	service.CardStore
	reads atomic.Int64
	gate  chan struct{} // when not nil, each read waits for a value
}

func (c *countingCards) GetCard(ctx context.Context, id string) (service.Card, error) {
	card, err := c.CardStore.GetCard(ctx, id)
	c.reads.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	return card, err
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCardCacheEnv(t *testing.T) (*service.CardCache, *countingCards, *fakeClock) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: ":memory:"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	counting := &countingCards{CardStore: st}
	clock := &fakeClock{t: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	return service.NewCardCache(counting, 2*time.Second, clock.now), counting, clock
}

func testCard(id, title string) service.Card {
	return service.Card{CardID: id, CardType: "GROUPON", Title: title, BrandName: "Bean",
		LogoURL: "https://mmbiz.qpic.cn/logo.png", Color: "Color010", Status: service.CardVerifyOK,
		Quantity: 10, TotalQuantity: 10, DateInfo: service.DateInfo{Type: service.DatePermanent}}
}

func mustGet(t *testing.T, c service.CardReader, id string) service.Card {
	t.Helper()
	card, err := c.GetCard(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCard(%s): %v", id, err)
	}
	return card
}

func TestCardCacheServesFromMemoryWithinTTL(t *testing.T) {
	cache, counting, clock := newCardCacheEnv(t)
	ctx := context.Background()
	if err := counting.CardStore.UpsertCard(ctx, testCard("pA", "first")); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if got := mustGet(t, cache, "pA").Title; got != "first" {
			t.Fatalf("title = %q, want first", got)
		}
	}
	if n := counting.reads.Load(); n != 1 {
		t.Errorf("store reads for 10 gets within the TTL = %d, want 1", n)
	}

	// Another replica changes the card: seen once the TTL has passed.
	if err := counting.CardStore.UpsertCard(ctx, testCard("pA", "changed elsewhere")); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Second)
	if got := mustGet(t, cache, "pA").Title; got != "first" {
		t.Errorf("within the TTL title = %q, want the kept first", got)
	}
	clock.add(time.Second)
	if got := mustGet(t, cache, "pA").Title; got != "changed elsewhere" {
		t.Errorf("after the TTL title = %q, want changed elsewhere", got)
	}
	if n := counting.reads.Load(); n != 2 {
		t.Errorf("store reads = %d, want 2", n)
	}
}

func TestCardCacheWriterChangesAreSeenAtOnce(t *testing.T) {
	cache, counting, _ := newCardCacheEnv(t)
	ctx := context.Background()
	w := cache.Writer()
	if err := w.UpsertCard(ctx, testCard("pB", "draft")); err != nil {
		t.Fatal(err)
	}
	mustGet(t, cache, "pB")
	changed := testCard("pB", "draft")
	changed.Status = service.CardVerifyFail
	if err := w.UpsertCard(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, cache, "pB").Status; got != service.CardVerifyFail {
		t.Errorf("status after a write through Writer = %s, want %s", got, service.CardVerifyFail)
	}
	// The writer's own reads never come from memory: a read-modify-write
	// starts from the stored row.
	before := counting.reads.Load()
	mustGet(t, w, "pB")
	if counting.reads.Load() != before+1 {
		t.Error("Writer().GetCard was served from memory; want the store")
	}
}

func TestCardCacheDoesNotKeepMissingCards(t *testing.T) {
	cache, counting, _ := newCardCacheEnv(t)
	ctx := context.Background()
	if _, err := cache.GetCard(ctx, "pNew"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("GetCard(unknown) = %v, want ErrNotFound", err)
	}
	// Created by another replica a moment later: issuable here at once.
	if err := counting.CardStore.UpsertCard(ctx, testCard("pNew", "new")); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, cache, "pNew").Title; got != "new" {
		t.Errorf("title = %q, want new", got)
	}
}

func TestCardCacheOneReadForConcurrentMisses(t *testing.T) {
	cache, counting, _ := newCardCacheEnv(t)
	ctx := context.Background()
	if err := counting.CardStore.UpsertCard(ctx, testCard("pHot", "hot")); err != nil {
		t.Fatal(err)
	}
	counting.gate = make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := cache.GetCard(ctx, "pHot"); err != nil {
				errs <- err
			}
		})
	}
	// Let the one read through once it has started.
	for counting.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(counting.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := counting.reads.Load(); n != 1 {
		t.Errorf("store reads for 50 concurrent misses = %d, want 1", n)
	}
}

func TestCardCacheLoadOverlappingAWriteIsNotKept(t *testing.T) {
	cache, counting, _ := newCardCacheEnv(t)
	ctx := context.Background()
	if err := counting.CardStore.UpsertCard(ctx, testCard("pRace", "old")); err != nil {
		t.Fatal(err)
	}
	counting.gate = make(chan struct{}, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = cache.GetCard(ctx, "pRace") // reads while the write below lands
	}()
	for counting.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := cache.Writer().UpsertCard(ctx, testCard("pRace", "new")); err != nil {
		t.Fatal(err)
	}
	counting.gate <- struct{}{}
	<-done
	counting.gate <- struct{}{}
	if got := mustGet(t, cache, "pRace").Title; got != "new" {
		t.Errorf("title = %q, want new: a load that overlapped a write was kept", got)
	}
}

func TestCardCacheReadAfterAWriteDoesNotJoinAnOlderLoad(t *testing.T) {
	cache, counting, _ := newCardCacheEnv(t)
	ctx := context.Background()
	if err := counting.CardStore.UpsertCard(ctx, testCard("pJoin", "old")); err != nil {
		t.Fatal(err)
	}
	counting.gate = make(chan struct{}, 2)
	go func() { _, _ = cache.GetCard(ctx, "pJoin") }() // holds the old row, not yet answered
	for counting.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := cache.Writer().UpsertCard(ctx, testCard("pJoin", "new")); err != nil {
		t.Fatal(err)
	}
	after := make(chan service.Card, 1)
	go func() {
		card, err := cache.GetCard(ctx, "pJoin") // starts after the write returned
		if err != nil {
			t.Error(err)
		}
		after <- card
	}()
	time.Sleep(20 * time.Millisecond) // let it reach the cache while the old load is still held
	counting.gate <- struct{}{}
	counting.gate <- struct{}{}
	if got := (<-after).Title; got != "new" {
		t.Errorf("title = %q, want new: a read that began after the write joined a load that began before it", got)
	}
}
