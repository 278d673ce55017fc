package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Catalogue manages card templates: creation on the provider and the local copy.
type Catalogue struct {
	cards    CardStore
	counts   CardCounter
	provider CardProvider
	log      *slog.Logger
	now      func() time.Time
}

// NewCatalogue wires the catalogue.
func NewCatalogue(cards CardStore, counts CardCounter, provider CardProvider, log *slog.Logger, now func() time.Time) *Catalogue {
	if now == nil {
		now = time.Now
	}
	return &Catalogue{cards: cards, counts: counts, provider: provider, log: log, now: now}
}

// Issuable lists the cards users can receive now.
func (c *Catalogue) Issuable(ctx context.Context) ([]Card, error) {
	cards, err := c.cards.ListIssuableCards(ctx, c.now())
	if err != nil {
		return nil, fmt.Errorf("list issuable cards: %w", err)
	}
	return cards, nil
}

// Create checks a card definition, creates the card on the provider and records it
// in the catalogue with the status the provider reports.
func (c *Catalogue) Create(ctx context.Context, body []byte) (Card, error) {
	def, card, err := parseCardDefinition(body, c.now())
	if err != nil {
		return Card{}, err
	}
	id, err := c.provider.CreateCard(ctx, def)
	if err != nil {
		return Card{}, fmt.Errorf("create card: %w", err)
	}
	card.CardID = id
	// The provider's copy carries the review status and the stock it counts; when
	// it cannot be read now, keep what was submitted (status: under review) so the
	// created card is never lost, and let a later sync correct it.
	if got, err := c.provider.GetCard(ctx, id); err == nil {
		card = got
	} else {
		c.log.WarnContext(ctx, "card created but not read back; catalogue keeps the submitted definition",
			"card_id", id, "err", err)
	}
	now := c.now()
	card.CreatedAt, card.UpdatedAt = now, now
	if err := c.cards.UpsertCard(ctx, card); err != nil {
		return Card{}, fmt.Errorf("record card %s: %w", id, err)
	}
	return card, nil
}
