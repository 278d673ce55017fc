package service

import (
	"context"
	"time"
)

// CardStore keeps the local card catalogue.
type CardStore interface {
	// UpsertCard inserts the card or replaces the stored one with the same CardID.
	UpsertCard(ctx context.Context, c Card) error
	// GetCard returns ErrNotFound when the card is not in the catalogue.
	GetCard(ctx context.Context, cardID string) (Card, error)
	// ListCards returns cards newest first, filtered by status when it is not empty,
	// and the number of cards matching the filter.
	ListCards(ctx context.Context, f CardFilter) ([]Card, int64, error)
	// ListIssuableCards returns cards that passed review, have stock and are in date at now.
	ListIssuableCards(ctx context.Context, now time.Time) ([]Card, error)
}

// CardFilter selects a page of the catalogue.
type CardFilter struct {
	Status CardStatus // empty: any
	Offset int
	Count  int // 0: a default page size
}

// CodeStore keeps the codes users hold.
type CodeStore interface {
	// RecordCode stores the code for its holder. When the (card, code) pair is new it
	// is inserted, the card's local stock is decremented in the same transaction
	// (never below zero), and created is true. When it exists, holder, status and
	// outer_str are updated (received_at is kept) and created is false.
	RecordCode(ctx context.Context, c IssuedCode) (stored IssuedCode, created bool, err error)
	// GetCode returns ErrNotFound when the code was never recorded.
	GetCode(ctx context.Context, cardID, code string) (IssuedCode, error)
	// ListCodesByOpenID returns the codes an openid holds, newest first, with the
	// card title; status filters when not empty.
	ListCodesByOpenID(ctx context.Context, openid string, status CodeStatus) ([]IssuedCode, error)
	// ListCodesByCard returns a page of a card's codes, newest first, filtered by
	// status when it is not empty, and how many match the filter.
	ListCodesByCard(ctx context.Context, cardID string, status CodeStatus, offset, count int) ([]IssuedCode, int64, error)
	// SetCodeStatus moves a recorded code to status; consumed_at is set to at when
	// the status is consumed. It returns ErrNotFound when the code was never recorded.
	SetCodeStatus(ctx context.Context, cardID, code string, status CodeStatus, at time.Time) (IssuedCode, error)
	// ChangeCode re-keys a recorded code (card/code/update). It returns ErrNotFound
	// when oldCode was never recorded and ErrConflict when newCode exists for the card.
	ChangeCode(ctx context.Context, cardID, oldCode, newCode string) error
	// CountCodes reports how many codes of a card are recorded, and how many consumed.
	CountCodes(ctx context.Context, cardID string) (CodeCounts, error)
}

// CodeCounts are a card's recorded codes.
type CodeCounts struct {
	Issued   int64 // every code recorded for the card, whatever its status
	Consumed int64
}

// AdminStore keeps merchant accounts.
type AdminStore interface {
	// CreateAdmin returns ErrConflict when the username exists.
	CreateAdmin(ctx context.Context, u AdminUser) (AdminUser, error)
	// GetAdmin returns ErrNotFound when there is no such user.
	GetAdmin(ctx context.Context, username string) (AdminUser, error)
}

// MiniProgramAuth turns a mini-program login code (wx.login) into the user's openid.
type MiniProgramAuth interface {
	OpenID(ctx context.Context, loginCode string) (string, error)
}

// CardProvider is the platform the cards live on (today the WeChat card API). It
// reports failures as *Error: upstream_error with the platform's errcode in the
// details, upstream_unavailable when the platform cannot be reached in time, and
// not_found / conflict where the platform says so.
type CardProvider interface {
	// CreateCard submits a card definition and returns the new card's id.
	CreateCard(ctx context.Context, definition []byte) (string, error)
	// GetCard returns the card as the platform holds it, with its review status and stock.
	GetCard(ctx context.Context, cardID string) (Card, error)
	// IssueParams returns what the mini-program passes to the client to receive one
	// card (for WeChat, the signed cardExt for wx.addCard).
	IssueParams(ctx context.Context, card Card, openid string, req IssueRequest) (string, error)
	// RevealCode turns what the client got back on receipt into the real code.
	RevealCode(ctx context.Context, encrypted string) (string, error)
	// CodeHolder reports who holds a code now and in which state.
	CodeHolder(ctx context.Context, cardID, code string) (Holding, error)
}

// IssueRequest is one card a user asks to receive.
type IssueRequest struct {
	CardID              string
	Code                string // only for cards with custom codes
	OuterStr            string // channel tag echoed back on receipt
	FixedBeginTimestamp int64  // only for fixed-term cards: when validity starts
}

// Holding is what the provider says about an issued code.
type Holding struct {
	CardID   string
	OpenID   string
	Status   CodeStatus
	OuterStr string
}

// TokenIssuer signs session tokens.
type TokenIssuer interface {
	Issue(subject string, role Role) (token string, ttl time.Duration, err error)
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns entries newest first.
	ListAudit(ctx context.Context, offset, count int) ([]AuditEntry, error)
}

// Throttle blocks keys (a username, an IP) after too many failures.
type Throttle interface {
	Blocked(ctx context.Context, key string) (bool, time.Duration, error)
	Fail(ctx context.Context, key string) error
}
