package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Catalogue manages card templates: creation on the provider and the local copy.
type Catalogue struct {
	cards    CardStore
	counts   CardCounter
	provider CardProvider
	keys     IdempotencyStore
	log      *slog.Logger
	now      func() time.Time
}

// NewCatalogue wires the catalogue. keys holds the Idempotency-Key of card
// creation.
func NewCatalogue(cards CardStore, counts CardCounter, provider CardProvider, keys IdempotencyStore, log *slog.Logger, now func() time.Time) *Catalogue {
	if now == nil {
		now = time.Now
	}
	return &Catalogue{cards: cards, counts: counts, provider: provider, keys: keys, log: log, now: now}
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
//
// idemKey, when not nil, is the request's Idempotency-Key: the first request
// with a key claims it (a database row, so on every replica) before calling
// the provider; a retry within IdempotencyTTL answers the first result and
// creates nothing, waits while the first is in flight, and is a conflict when
// its body differs or when the first one's outcome is unknown (the provider
// timed out: the card may exist).
//
// Once the provider has created the card its card_id is the answer, even when
// the catalogue write fails: the key keeps the card_id and a retry completes
// the catalogue, as do GET /admin/v1/cards/{card_id} and a sync.
func (c *Catalogue) Create(ctx context.Context, body []byte, idemKey *string) (Card, error) {
	if idemKey != nil {
		if err := checkIdempotencyKey(*idemKey); err != nil {
			return Card{}, err
		}
	}
	now := c.now()
	def, card, err := parseCardDefinition(body, now)
	if err != nil {
		return Card{}, err
	}
	if idemKey == nil {
		id, err := c.provider.CreateCard(ctx, def)
		if err != nil {
			return Card{}, fmt.Errorf("create card: %w", err)
		}
		return c.record(ctx, id, card), nil
	}
	claim := IdempotencyKey{Scope: scopeCardCreate, Key: *idemKey, BodyHash: canonicalHash(body), State: IdemPending, CreatedAt: now}
	held, claimed, err := c.keys.ClaimKey(ctx, claim, now.Add(-IdempotencyTTL))
	if err != nil {
		return Card{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	if !claimed {
		return c.replay(ctx, held, claim.BodyHash)
	}
	// The key's outcome is written even when the caller has gone.
	bg := context.WithoutCancel(ctx)
	id, err := c.provider.CreateCard(ctx, def)
	if err != nil {
		if ambiguous(err) {
			c.finishKey(bg, *idemKey, IdemUnknown, "")
		} else if rerr := c.keys.ReleaseKey(bg, scopeCardCreate, *idemKey); rerr != nil {
			c.log.WarnContext(ctx, "idempotency key not released", "err", rerr)
		}
		return Card{}, fmt.Errorf("create card: %w", err)
	}
	c.finishKey(bg, *idemKey, IdemDone, id)
	return c.record(ctx, id, card), nil
}

// scopeCardCreate is the idempotency scope of POST /admin/v1/cards.
const scopeCardCreate = "card.create"

// replayWait bounds how long a retry waits for the first request with its
// key (the provider's calls of that request, with their retries).
const replayWait = 15 * time.Second

// replay answers a retry of a claimed key.
func (c *Catalogue) replay(ctx context.Context, held IdempotencyKey, bodyHash string) (Card, error) {
	if held.BodyHash != bodyHash {
		return Card{}, &Error{Kind: KindConflict, Message: "this Idempotency-Key was used with another request body",
			Details: map[string]any{"field": IdempotencyKeyField}}
	}
	deadline := time.Now().Add(replayWait)
	for held.State == IdemPending && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return Card{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		next, err := c.keys.GetKey(ctx, held.Scope, held.Key)
		if errors.Is(err, ErrNotFound) { // the first request failed and let go of the key
			return Card{}, &Error{Kind: KindConflict, Message: "the first request with this Idempotency-Key failed; send it again",
				Details: map[string]any{"field": IdempotencyKeyField}}
		}
		if err != nil {
			return Card{}, fmt.Errorf("read idempotency key: %w", err)
		}
		held = next
	}
	switch held.State {
	case IdemDone:
		card, err := c.known(ctx, held.Result) // completes a catalogue write that failed
		if err != nil {
			c.log.WarnContext(ctx, "card created earlier is not in the catalogue yet", "card_id", held.Result, "err", err)
			return Card{CardID: held.Result}, nil
		}
		return card, nil
	case IdemUnknown:
		return Card{}, &Error{Kind: KindConflict,
			Message: "the first request with this Idempotency-Key timed out at WeChat: the card may exist; sync the catalogue (POST /admin/v1/cards/sync) before creating it with a new key",
			Details: map[string]any{"field": IdempotencyKeyField}}
	}
	return Card{}, &Error{Kind: KindConflict, Message: "a request with this Idempotency-Key is still in progress",
		Details: map[string]any{"field": IdempotencyKeyField}}
}

func (c *Catalogue) finishKey(ctx context.Context, key string, state IdempotencyState, result string) {
	if err := c.keys.FinishKey(ctx, scopeCardCreate, key, state, result); err != nil {
		c.log.WarnContext(ctx, "idempotency key outcome not recorded", "state", string(state), "card_id", result, "err", err)
	}
}

// record puts a card the provider created into the catalogue. The provider's
// copy carries the review status and the stock it counts; when it cannot be
// read now, the submitted definition is kept (status: under review) and a
// later sync corrects it. When the catalogue write fails the card still
// exists: its id is answered and a later read or sync records it.
func (c *Catalogue) record(ctx context.Context, id string, card Card) Card {
	card.CardID = id
	if got, err := c.provider.GetCard(ctx, id); err == nil {
		card = got
	} else {
		c.log.WarnContext(ctx, "card created but not read back; catalogue keeps the submitted definition",
			"card_id", id, "err", err)
	}
	now := c.now()
	card.CreatedAt, card.UpdatedAt = now, now
	if err := c.cards.UpsertCard(context.WithoutCancel(ctx), card); err != nil {
		c.log.ErrorContext(ctx, "card created at WeChat but not recorded in the catalogue; a read or sync of the card records it",
			"card_id", id, "err", err)
	}
	return card
}
