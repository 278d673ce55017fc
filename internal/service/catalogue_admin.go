package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxStock is WeChat's cap on a card's total stock.
const MaxStock = 100_000_000

// CardDetail is a card as the provider holds it now, with local counts.
type CardDetail struct {
	Card     Card
	Counts   CodeCounts
	Views    int64 // user_view_card events
	Sessions int64 // user_enter_session_from_card events
}

// List returns a page of the local catalogue, the number of matching cards
// (only without a cursor) and the cursor of the page's last card when more
// follow.
func (c *Catalogue) List(ctx context.Context, f CardFilter) ([]Card, int64, *Cursor, error) {
	switch f.Status {
	case "", CardNotVerify, CardVerifyFail, CardVerifyOK, CardDeleted, CardDispatch:
	default:
		return nil, 0, nil, Invalid("status", "status is one of WeChat's CARD_STATUS_… values (NOT_VERIFY, VERIFY_FAIL, VERIFY_OK, DELETE, DISPATCH)")
	}
	if err := checkListPage(Page{Offset: f.Offset, Count: f.Count, After: f.After}); err != nil {
		return nil, 0, nil, err
	}
	cards, total, next, err := c.cards.ListCards(ctx, f)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("list cards: %w", err)
	}
	return cards, total, next, nil
}

// Get reads the card from the provider (refreshing the local copy) and adds the
// local counts of issued and consumed codes.
func (c *Catalogue) Get(ctx context.Context, cardID string) (CardDetail, error) {
	card, err := c.refresh(ctx, cardID)
	if err != nil {
		return CardDetail{}, err
	}
	d := CardDetail{Card: card}
	if d.Counts, err = c.counts.CountCodes(ctx, cardID); err != nil {
		return CardDetail{}, fmt.Errorf("count codes of %s: %w", cardID, err)
	}
	if d.Views, err = c.counts.CountEvents(ctx, cardID, EventUserViewCard); err != nil {
		return CardDetail{}, fmt.Errorf("count views of %s: %w", cardID, err)
	}
	if d.Sessions, err = c.counts.CountEvents(ctx, cardID, EventUserEnterSession); err != nil {
		return CardDetail{}, fmt.Errorf("count sessions of %s: %w", cardID, err)
	}
	return d, nil
}

// Update applies the fields WeChat lets change. The patch is the object under
// the card type's key ({"base_info": {...}, ...}), or WeChat's whole update body
// ({"card_id": ..., "<type>": {...}}).
func (c *Catalogue) Update(ctx context.Context, cardID string, body []byte) (Card, bool, error) {
	current, err := c.known(ctx, cardID)
	if err != nil {
		return Card{}, false, err
	}
	patch, err := unwrapPatch(body, current.CardType)
	if err != nil {
		return Card{}, false, err
	}
	patch, err = validateCardUpdate(current.CardType, patch, current.DateInfo, current.Definition, c.now())
	if err != nil {
		return Card{}, false, err
	}
	sendCheck, err := c.provider.UpdateCard(ctx, current, patch)
	if err != nil {
		return Card{}, false, fmt.Errorf("update card %s: %w", cardID, err)
	}
	card, err := c.refresh(ctx, cardID)
	if err != nil {
		return Card{}, false, err
	}
	return card, sendCheck, nil
}

// Delete stops the card's distribution; codes already issued stay valid.
func (c *Catalogue) Delete(ctx context.Context, cardID string) (Card, error) {
	if cardID == "" {
		return Card{}, Invalid("card_id", "card_id is required")
	}
	if err := c.provider.DeleteCard(ctx, cardID); err != nil {
		return Card{}, fmt.Errorf("delete card %s: %w", cardID, err)
	}
	card, err := c.cards.GetCard(ctx, cardID)
	if errors.Is(err, ErrNotFound) {
		return Card{CardID: cardID, Status: CardDeleted}, nil
	}
	if err != nil {
		return Card{}, fmt.Errorf("delete card %s: %w", cardID, err)
	}
	card.Status, card.UpdatedAt = CardDeleted, c.now()
	if err := c.cards.SetCardStatus(ctx, cardID, CardDeleted, card.UpdatedAt); err != nil {
		return Card{}, fmt.Errorf("record deletion of %s: %w", cardID, err)
	}
	return card, nil
}

// AdjustStock raises or lowers the stock by delta; it never goes below zero.
func (c *Catalogue) AdjustStock(ctx context.Context, cardID string, delta int64) (Card, error) {
	if delta == 0 || delta > MaxStock || delta < -MaxStock {
		return Card{}, Invalid("delta", "delta is a non-zero whole number between -%d and %d", MaxStock, MaxStock)
	}
	current, err := c.provider.GetCard(ctx, cardID)
	if err != nil {
		return Card{}, fmt.Errorf("stock of %s: %w", cardID, err)
	}
	if current.Quantity+delta < 0 {
		return Card{}, &Error{Kind: KindInvalid, Message: fmt.Sprintf("stock is %d: it cannot go down by %d", current.Quantity, -delta),
			Details: map[string]any{"field": "delta", "quantity": current.Quantity}}
	}
	if current.TotalQuantity+delta > MaxStock {
		return Card{}, &Error{Kind: KindInvalid, Message: fmt.Sprintf("total stock is capped at %d", MaxStock),
			Details: map[string]any{"field": "delta", "total_quantity": current.TotalQuantity}}
	}
	if err := c.provider.ModifyStock(ctx, cardID, delta); err != nil {
		return Card{}, fmt.Errorf("stock of %s: %w", cardID, err)
	}
	return c.refresh(ctx, cardID)
}

// Sync pulls every card from the provider into the catalogue and reports how many.
func (c *Catalogue) Sync(ctx context.Context) (int, error) {
	const page = 50
	synced := 0
	for offset := 0; ; offset += page {
		ids, total, err := c.provider.ListCardIDs(ctx, offset, page)
		if err != nil {
			return synced, fmt.Errorf("sync cards at %d: %w", offset, err)
		}
		for _, id := range ids {
			if _, err := c.refresh(ctx, id); err != nil {
				return synced, err
			}
			synced++
		}
		if len(ids) == 0 || offset+len(ids) >= total {
			return synced, nil
		}
	}
}

// Colors lists the colours a card may use.
func (c *Catalogue) Colors(ctx context.Context) ([]Color, error) {
	colors, err := c.provider.Colors(ctx)
	if err != nil {
		return nil, fmt.Errorf("colors: %w", err)
	}
	return colors, nil
}

// refresh reads a card from the provider and stores it, keeping created_at.
func (c *Catalogue) refresh(ctx context.Context, cardID string) (Card, error) {
	if cardID == "" {
		return Card{}, Invalid("card_id", "card_id is required")
	}
	card, err := c.provider.GetCard(ctx, cardID)
	if err != nil {
		return Card{}, fmt.Errorf("get card %s: %w", cardID, err)
	}
	// The provider does not say when the card was created: the catalogue does.
	switch local, err := c.cards.GetCard(ctx, cardID); {
	case err == nil:
		card.CreatedAt = local.CreatedAt
	case !errors.Is(err, ErrNotFound):
		return Card{}, fmt.Errorf("read card %s: %w", cardID, err)
	}
	card.UpdatedAt = c.now()
	if card.CreatedAt.IsZero() {
		card.CreatedAt = card.UpdatedAt
	}
	if err := c.cards.UpsertCard(ctx, card); err != nil {
		return Card{}, fmt.Errorf("store card %s: %w", cardID, err)
	}
	return card, nil
}

// known returns the catalogue's copy, or the provider's when the card was
// created elsewhere.
func (c *Catalogue) known(ctx context.Context, cardID string) (Card, error) {
	card, err := c.cards.GetCard(ctx, cardID)
	if errors.Is(err, ErrNotFound) {
		return c.refresh(ctx, cardID)
	}
	if err != nil {
		return Card{}, fmt.Errorf("get card %s: %w", cardID, err)
	}
	return card, nil
}

// unwrapPatch accepts the bare patch or WeChat's update body.
func unwrapPatch(body []byte, cardType string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, Invalid("body", "the body is not a JSON object")
	}
	key := strings.ToLower(cardType)
	if inner, ok := top[key]; ok {
		return inner, nil
	}
	delete(top, "card_id")
	return json.Marshal(top)
}
