package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CardCache keeps catalogue cards read on the card-ext path in process memory
// for a short time: every card-ext request reads the same few cards, and a
// database round trip per card was most of that request's cost
// (docs/benchmarks.md). Writes made through Writer in this process drop the
// card at once; a change made by another replica is seen within the TTL.
// Cards that are not found are not kept, so a new card is issuable at once.
type CardCache struct {
	store CardStore
	ttl   time.Duration
	now   func() time.Time
	loads singleflight.Group

	mu    sync.RWMutex
	cards map[string]cachedCard
	// gen counts invalidations, so that a load that read the row before a
	// write does not put the old row back.
	gen uint64
}

type cachedCard struct {
	card    Card
	expires time.Time
}

// NewCardCache serves GetCard from memory for ttl after each read of store.
func NewCardCache(store CardStore, ttl time.Duration, now func() time.Time) *CardCache {
	if now == nil {
		now = time.Now
	}
	return &CardCache{store: store, ttl: ttl, now: now, cards: make(map[string]cachedCard)}
}

// GetCard returns the card from memory while it is fresh, else from the store.
// The Card shares its Definition with the cache: callers must not modify it.
func (c *CardCache) GetCard(ctx context.Context, cardID string) (Card, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.cards[cardID]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.card, nil
	}
	// One read per card at a time however many requests missed together; the
	// read is not tied to the first caller's cancellation.
	ch := c.loads.DoChan(cardID, func() (any, error) {
		c.mu.RLock()
		gen := c.gen
		c.mu.RUnlock()
		card, err := c.store.GetCard(context.WithoutCancel(ctx), cardID)
		if err != nil {
			return Card{}, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.cards[cardID] = cachedCard{card: card, expires: c.now().Add(c.ttl)}
		}
		c.mu.Unlock()
		return card, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Card{}, res.Err
		}
		return res.Val.(Card), nil
	case <-ctx.Done():
		return Card{}, errors.Join(ErrUnavailable, ctx.Err())
	}
}

// forget drops cardID, so the next GetCard reads the store: a load already
// under way (it may have read the old row) is neither kept nor joined.
func (c *CardCache) forget(cardID string) {
	c.mu.Lock()
	delete(c.cards, cardID)
	c.gen++
	c.loads.Forget(cardID)
	c.mu.Unlock()
}

// Writer is the catalogue as the services that change it see it: reads go to
// the store (a read-modify-write must not start from a cached row) and every
// UpsertCard and SetCardStatus drops the card from the cache.
func (c *CardCache) Writer() CardStore { return cardWriter{CardStore: c.store, cache: c} }

type cardWriter struct {
	CardStore
	cache *CardCache
}

func (w cardWriter) UpsertCard(ctx context.Context, card Card) error {
	err := w.CardStore.UpsertCard(ctx, card)
	// Dropped on failure too: the write may have happened.
	w.cache.forget(card.CardID)
	return err
}

func (w cardWriter) SetCardStatus(ctx context.Context, cardID string, status CardStatus, at time.Time) error {
	err := w.CardStore.SetCardStatus(ctx, cardID, status, at)
	w.cache.forget(cardID) // on failure too, as in UpsertCard
	return err
}
