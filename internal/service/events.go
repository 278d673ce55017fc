package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Pushed event types the service acts on.
const (
	EventUserGetCard      = "user_get_card"
	EventUserGiftingCard  = "user_gifting_card"
	EventUserDelCard      = "user_del_card"
	EventUserConsumeCard  = "user_consume_card"
	EventCardPassCheck    = "card_pass_check"
	EventCardNotPassCheck = "card_not_pass_check"
	EventCardSkuRemind    = "card_sku_remind"
	EventUserViewCard     = "user_view_card"
	EventUserEnterSession = "user_enter_session_from_card"
	// Member cards (members_events.go).
	EventSubmitMemberForm = "submit_membercard_user_info"
	EventUpdateMemberCard = "update_member_card"
)

// PushedEvent is an event the provider pushed, decoded.
type PushedEvent struct {
	Key       string // the same for every delivery of one event
	Type      string
	OpenID    string // the user it is about (FromUserName)
	CreatedAt time.Time
	CardID    string
	Code      string
	OuterStr  string
	// user_get_card: received from a friend, who (FriendUserName), and the
	// code the friend held (OldUserCardCode).
	FromFriend bool
	Friend     string
	OldCode    string
	// user_gifting_card: the gift came back to the giver.
	ReturnedBack bool
	RefuseReason string
}

// Events keeps the code records and the catalogue true to what the provider pushes.
type Events struct {
	decoder EventDecoder
	replays PushReplays // nil: no replay check
	events  EventStore
	codes   CodeStore
	cards   CardStore
	members MemberEvents // nil: member events are only recorded
	log     *slog.Logger
	now     func() time.Time
}

// NewEvents wires event handling; replays is the cache shared by the
// replicas, where the (timestamp, nonce) pairs of accepted pushes are kept.
func NewEvents(decoder EventDecoder, replays PushReplays, events EventStore, codes CodeStore, cards CardStore, log *slog.Logger, now func() time.Time) *Events {
	if now == nil {
		now = time.Now
	}
	return &Events{decoder: decoder, replays: replays, events: events, codes: codes, cards: cards, log: log, now: now}
}

// VerifyURL answers the provider's URL check.
func (s *Events) VerifyURL(q CallbackQuery) (string, error) { return s.decoder.VerifyURL(q) }

// Receive decodes one push and applies it once: a repeated delivery changes
// nothing. A (timestamp, nonce) pair already pushed with another body is
// refused (checkReplay); with the same body it is a retry and goes through,
// since the first delivery may have failed half-way. Effects are applied before the event is recorded, so a push that
// fails half-way is applied again on the provider's retry; each effect is
// idempotent and never moves a code backwards (a late user_get_card does not
// undo a consumption).
func (s *Events) Receive(ctx context.Context, q CallbackQuery, body []byte) error {
	e, err := s.decoder.Decode(q, body)
	if err != nil {
		return err
	}
	if err := s.checkReplay(ctx, q, body); err != nil {
		return err
	}
	seen, err := s.events.SeenEvent(ctx, e.Key)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.Type, err)
	}
	if seen {
		s.log.InfoContext(ctx, "repeated event ignored", "event", e.Type, "card_id", e.CardID)
		return nil
	}
	if err := s.apply(ctx, e); err != nil {
		return fmt.Errorf("event %s: %w", e.Type, err)
	}
	if _, err := s.events.RecordEvent(ctx, CardEvent{Key: e.Key, Type: e.Type, CardID: e.CardID, Code: e.Code,
		OpenID: e.OpenID, CreatedAt: e.CreatedAt, ReceivedAt: s.now()}); err != nil {
		return fmt.Errorf("record event %s: %w", e.Type, err)
	}
	return nil
}

func (s *Events) apply(ctx context.Context, e PushedEvent) error {
	switch e.Type {
	case EventUserGetCard:
		return s.received(ctx, e)
	case EventUserGiftingCard:
		if e.ReturnedBack {
			return s.move(ctx, e, CodeIssued, CodeGifted)
		}
		return s.move(ctx, e, CodeGifted, CodeIssued)
	case EventUserDelCard:
		return s.move(ctx, e, CodeDeleted, CodeIssued, CodeGifted)
	case EventUserConsumeCard:
		return s.consumed(ctx, e)
	case EventCardPassCheck:
		return s.reviewed(ctx, e, CardVerifyOK)
	case EventCardNotPassCheck:
		return s.reviewed(ctx, e, CardVerifyFail)
	case EventCardSkuRemind:
		return s.soldOut(ctx, e)
	case EventUserViewCard, EventUserEnterSession:
		return nil // counted by recording the event
	case EventSubmitMemberForm, EventUpdateMemberCard:
		return s.memberEvent(ctx, e)
	default:
		s.log.InfoContext(ctx, "event not handled", "event", e.Type, "card_id", e.CardID)
		return nil
	}
}

// received records the code for its new holder. A gift between friends marks
// the giver's old code as gifted (for custom codes the code itself moves).
func (s *Events) received(ctx context.Context, e PushedEvent) error {
	if e.FromFriend && e.OldCode != "" && e.OldCode != e.Code {
		if err := s.codes.MoveCode(ctx, e.CardID, e.OldCode, "", CodeGifted, CodeIssued, CodeGifted); err != nil {
			return err
		}
	}
	rec := IssuedCode{CardID: e.CardID, Code: e.Code, OpenID: e.OpenID, Status: CodeIssued,
		OuterStr: e.OuterStr, ReceivedAt: e.CreatedAt}
	old, err := s.codes.GetCode(ctx, e.CardID, e.Code)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	case old.OpenID == e.OpenID || !e.FromFriend:
		// Already recorded (by the mini-program's decrypt, or an earlier
		// delivery): keep its state, fill in what the event adds.
		if old.OuterStr != "" {
			rec.OuterStr = old.OuterStr
		}
		rec.Status, rec.OpenID = old.Status, old.OpenID
	}
	_, _, err = s.codes.RecordCode(ctx, rec)
	return err
}

// move sets a code's status when it is held by the event's user and in one of from.
func (s *Events) move(ctx context.Context, e PushedEvent, to CodeStatus, from ...CodeStatus) error {
	return s.codes.MoveCode(ctx, e.CardID, e.Code, e.OpenID, to, from...)
}

// consumed records a consumption, creating the record if the code was never seen.
func (s *Events) consumed(ctx context.Context, e PushedEvent) error {
	_, err := s.codes.SetCodeStatus(ctx, e.CardID, e.Code, CodeConsumed, e.CreatedAt)
	if errors.Is(err, ErrNotFound) {
		at := e.CreatedAt
		_, _, err = s.codes.RecordCode(ctx, IssuedCode{CardID: e.CardID, Code: e.Code, OpenID: e.OpenID,
			Status: CodeConsumed, OuterStr: e.OuterStr, ReceivedAt: at, ConsumedAt: &at})
	}
	return err
}

func (s *Events) reviewed(ctx context.Context, e PushedEvent, status CardStatus) error {
	card, err := s.cards.GetCard(ctx, e.CardID)
	if errors.Is(err, ErrNotFound) {
		s.log.InfoContext(ctx, "review result for a card not in the catalogue; sync to import it", "card_id", e.CardID)
		return nil
	}
	if err != nil {
		return err
	}
	if card.Status == CardDeleted {
		return nil
	}
	return s.cards.SetCardStatus(ctx, e.CardID, status, s.now())
}

func (s *Events) soldOut(ctx context.Context, e PushedEvent) error {
	card, err := s.cards.GetCard(ctx, e.CardID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// WeChat's own figure: the stock is 0 as of now (a sync).
	card.Quantity, card.UpdatedAt = 0, s.now()
	return s.cards.UpsertCard(ctx, card)
}
