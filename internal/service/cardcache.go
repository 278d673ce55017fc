package service

import (
	"context"
	"time"
)

// CardCache keeps catalogue cards read on the card-ext path in process memory
// for a short time: every card-ext request reads the same few cards, and a
// database round trip per card was most of that request's cost
// (docs/benchmarks.md). Writes made through Writer in this process drop the
// card at once; a change made by another replica is seen within the TTL.
// Cards that are not found are not kept, so a new card is issuable at once.
type CardCache struct {
	store CardStore
	cache *ttlCache[Card]
}

// NewCardCache serves GetCard from memory for ttl after each read of store.
func NewCardCache(store CardStore, ttl time.Duration, now func() time.Time) *CardCache {
	return &CardCache{store: store, cache: newTTLCache[Card](ttl, now)}
}

// GetCard returns the card from memory while it is fresh, else from the store.
// The Card shares its Definition with the cache: callers must not modify it.
func (c *CardCache) GetCard(ctx context.Context, cardID string) (Card, error) {
	return c.cache.get(ctx, cardID, c.store.GetCard)
}

func (c *CardCache) forget(cardID string) { c.cache.forget(cardID) }

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
