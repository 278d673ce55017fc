package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// MaxCardsPerRequest is how many cards one wx.addCard call (and so one card-ext or
// decrypt request) may carry.
const MaxCardsPerRequest = 10

// Issuing hands cards out to users and records the codes they receive.
type Issuing struct {
	cards    CardReader
	codes    CodeStore
	provider CardProvider
	log      *slog.Logger
	now      func() time.Time
}

// NewIssuing wires the issuing logic. cards may serve slightly old rows (a
// CardCache): card-ext reads them on every request.
func NewIssuing(cards CardReader, codes CodeStore, provider CardProvider, log *slog.Logger, now func() time.Time) *Issuing {
	if now == nil {
		now = time.Now
	}
	return &Issuing{cards: cards, codes: codes, provider: provider, log: log, now: now}
}

// IssueParam is what the mini-program passes on to receive one card.
type IssueParam struct {
	CardID string
	Ext    string
}

// IssueParams checks every requested card against the catalogue and returns the
// signed parameters for each, in order. The openid is the caller's, from its token.
func (s *Issuing) IssueParams(ctx context.Context, openid string, reqs []IssueRequest) ([]IssueParam, error) {
	if err := checkCount("cards", len(reqs)); err != nil {
		return nil, err
	}
	now := s.now()
	items := make([]IssueItem, len(reqs))
	for i, r := range reqs {
		field := func(name string) string { return fmt.Sprintf("cards[%d].%s", i, name) }
		if r.CardID == "" {
			return nil, Invalid(field("card_id"), "%s is required", field("card_id"))
		}
		card, err := s.cards.GetCard(ctx, r.CardID)
		if errors.Is(err, ErrNotFound) {
			return nil, &Error{Kind: KindNotFound, Message: fmt.Sprintf("card %s is not in the catalogue", r.CardID),
				Details: map[string]any{"field": field("card_id"), "card_id": r.CardID}}
		}
		if err != nil {
			return nil, fmt.Errorf("card-ext %s: %w", r.CardID, err)
		}
		if card.Status != CardVerifyOK || !card.DateInfo.InDate(now) {
			return nil, &Error{Kind: KindConflict, Message: fmt.Sprintf("card %s cannot be handed out now", r.CardID),
				Details: map[string]any{"card_id": r.CardID, "card_status": string(card.Status)}}
		}
		switch {
		case card.UseCustomCode && r.Code == "":
			return nil, Invalid(field("code"), "card %s uses custom codes: code is required", r.CardID)
		case !card.UseCustomCode && r.Code != "":
			return nil, Invalid(field("code"), "card %s does not use custom codes: leave code out", r.CardID)
		case r.Code != "" && !validCustomCode(r.Code):
			return nil, Invalid(field("code"), "code is 1 to %d characters of 0-9 A-Z a-z _ -", maxCustomCode)
		case r.FixedBeginTimestamp != 0 && card.DateInfo.Type != DateFixTerm:
			return nil, Invalid(field("fixed_begintimestamp"), "fixed_begintimestamp applies only to fixed-term cards")
		case r.FixedBeginTimestamp != 0 && !fixedBeginInRange(r.FixedBeginTimestamp, now):
			return nil, Invalid(field("fixed_begintimestamp"),
				"fixed_begintimestamp must be a unix time in seconds between 30 days ago and 10 minutes from now")
		case len(r.OuterStr) > 128:
			return nil, Invalid(field("outer_str"), "outer_str is at most 128 bytes")
		}
		items[i] = IssueItem{Card: card, Request: r}
	}
	exts, err := s.provider.IssueParams(ctx, openid, items)
	if err != nil {
		return nil, fmt.Errorf("card-ext: %w", err)
	}
	out := make([]IssueParam, len(reqs))
	for i, r := range reqs {
		out[i] = IssueParam{CardID: r.CardID, Ext: exts[i]}
	}
	return out, nil
}

// EncryptedCode is what the client got back for one received card.
type EncryptedCode struct {
	CardID    string
	Encrypted string
}

// ReceiveResult is the outcome for one received card: the recorded code, or Err.
type ReceiveResult struct {
	CardID string
	Code   IssuedCode
	Err    *Error
}

// RecordReceived reveals each received code, checks with the provider that the
// caller holds it, and records it. Recording is idempotent. An item the caller
// does not hold fails alone with code_not_owned; a provider that cannot be reached
// or a store failure fails the whole request, so that it can simply be retried.
func (s *Issuing) RecordReceived(ctx context.Context, openid string, items []EncryptedCode) ([]ReceiveResult, error) {
	if err := checkCount("card_list", len(items)); err != nil {
		return nil, err
	}
	for i, it := range items {
		switch {
		case it.CardID == "":
			return nil, Invalid(fmt.Sprintf("card_list[%d].card_id", i), "card_id is required")
		case it.Encrypted == "":
			return nil, Invalid(fmt.Sprintf("card_list[%d].encrypt_code", i), "encrypt_code is required")
		}
	}
	out := make([]ReceiveResult, len(items))
	for i, it := range items {
		code, err := s.receiveOne(ctx, openid, it)
		var se *Error
		switch {
		case err == nil:
			out[i] = ReceiveResult{CardID: it.CardID, Code: code}
		case errors.As(err, &se) && se.Kind != KindUpstreamUnavailable && se.Kind != KindInternal:
			out[i] = ReceiveResult{CardID: it.CardID, Err: se}
		default:
			return nil, fmt.Errorf("decrypt %s: %w", it.CardID, err)
		}
	}
	return out, nil
}

func (s *Issuing) receiveOne(ctx context.Context, openid string, it EncryptedCode) (IssuedCode, error) {
	code, err := s.provider.RevealCode(ctx, it.Encrypted)
	if err != nil {
		return IssuedCode{}, err
	}
	notOwned := &Error{Kind: KindCodeNotOwned, Message: "the code is not held by you for this card",
		Details: map[string]any{"card_id": it.CardID}}
	h, err := s.provider.CodeHolder(ctx, it.CardID, code)
	if KindOf(err) == KindNotFound {
		notOwned.Err = err
		return IssuedCode{}, notOwned
	}
	if err != nil {
		return IssuedCode{}, err
	}
	if h.OpenID != openid || h.CardID != it.CardID {
		return IssuedCode{}, notOwned
	}
	rec, created, err := s.codes.RecordCode(ctx, IssuedCode{
		CardID: it.CardID, Code: code, OpenID: openid, Status: h.Status,
		OuterStr: h.OuterStr, ReceivedAt: s.now().UTC(),
	})
	if err != nil {
		return IssuedCode{}, fmt.Errorf("record code: %w", err)
	}
	if created {
		s.log.InfoContext(ctx, "code recorded", "card_id", it.CardID, "openid", openid)
	}
	return rec, nil
}

// Held lists the codes a user holds, optionally only those in one status:
// all of them (p.All) or a page, with the cursor of its last code when more
// follow.
func (s *Issuing) Held(ctx context.Context, openid string, status CodeStatus, p Page) ([]IssuedCode, *Cursor, error) {
	if status != "" && !status.Valid() {
		return nil, nil, Invalid("status", "unknown status %q: want issued, consumed, unavailable, deleted or gifted", status)
	}
	if err := checkListPage(p); err != nil {
		return nil, nil, err
	}
	codes, next, err := s.codes.ListCodesByOpenID(ctx, openid, status, p)
	if err != nil {
		return nil, nil, fmt.Errorf("list codes of %s: %w", openid, err)
	}
	return codes, next, nil
}

func checkCount(field string, n int) error {
	if n < 1 || n > MaxCardsPerRequest {
		return Invalid(field, "%s takes 1 to %d cards, got %d", field, MaxCardsPerRequest, n)
	}
	return nil
}
