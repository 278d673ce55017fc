// Package service holds the coupon logic: login, the card catalogue, cardExt
// signing, code records and consumption. It declares the interfaces it needs
// from the store, the cache and the coupon provider (the WeChat card API), so it
// never sees GORM models or WeChat wire types.
package service

import "time"

// Role is what a JWT subject may do.
type Role string

const (
	RoleUser  Role = "user"  // a mini-program user; the subject is the openid
	RoleAdmin Role = "admin" // a merchant administrator
	RoleClerk Role = "clerk" // may only look up and consume codes
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleUser || r == RoleAdmin || r == RoleClerk }

// CardStatus is the review state of a card template, with WeChat's names.
type CardStatus string

const (
	CardNotVerify  CardStatus = "CARD_STATUS_NOT_VERIFY"
	CardVerifyFail CardStatus = "CARD_STATUS_VERIFY_FAIL"
	CardVerifyOK   CardStatus = "CARD_STATUS_VERIFY_OK"
	CardDeleted    CardStatus = "CARD_STATUS_DELETE"
	CardDispatch   CardStatus = "CARD_STATUS_DISPATCH"
)

// Date types of a card's validity.
const (
	DateFixTimeRange = "DATE_TYPE_FIX_TIME_RANGE"
	DateFixTerm      = "DATE_TYPE_FIX_TERM"
	DatePermanent    = "DATE_TYPE_PERMANENT"
)

// DateInfo is when a card's codes may be used.
type DateInfo struct {
	Type           string `json:"type"`
	BeginTimestamp int64  `json:"begin_timestamp,omitempty"`
	EndTimestamp   int64  `json:"end_timestamp,omitempty"`
	FixedTerm      int    `json:"fixed_term,omitempty"`
	FixedBeginTerm int    `json:"fixed_begin_term,omitempty"`
}

// InDate reports whether codes of a card with this validity can still be handed out at now.
func (d DateInfo) InDate(now time.Time) bool {
	switch d.Type {
	case DateFixTimeRange:
		return d.EndTimestamp > now.Unix()
	case DateFixTerm:
		return d.EndTimestamp == 0 || d.EndTimestamp > now.Unix()
	default:
		return true
	}
}

// Card is a card template in the local catalogue.
type Card struct {
	CardID        string
	CardType      string // GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON, MEMBER_CARD, ...
	Title         string
	BrandName     string
	LogoURL       string
	Color         string
	Status        CardStatus
	Quantity      int64 // stock left
	TotalQuantity int64
	DateInfo      DateInfo
	BindOpenID    bool
	UseCustomCode bool
	GetLimit      int
	// Definition is the card object as the provider holds it (JSON), kept so that
	// the merchant API can show and update it without another round trip.
	Definition []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Issuable reports whether the card can be handed out to users at now.
func (c Card) Issuable(now time.Time) bool {
	return c.Status == CardVerifyOK && c.Quantity > 0 && c.DateInfo.InDate(now)
}

// CodeStatus is the state of an issued code as the service records it.
type CodeStatus string

const (
	CodeIssued      CodeStatus = "issued"
	CodeConsumed    CodeStatus = "consumed"
	CodeUnavailable CodeStatus = "unavailable"
	CodeDeleted     CodeStatus = "deleted"
	CodeGifted      CodeStatus = "gifted" // moved to another holder
)

// Valid reports whether s is a known code status.
func (s CodeStatus) Valid() bool {
	switch s {
	case CodeIssued, CodeConsumed, CodeUnavailable, CodeDeleted, CodeGifted:
		return true
	}
	return false
}

// Final reports whether a code in status s can no longer be used or move on:
// WeChat never takes a code back from consumed, unavailable or deleted.
func (s CodeStatus) Final() bool {
	return s == CodeConsumed || s == CodeUnavailable || s == CodeDeleted
}

// IssuedCode is one code of a card held by a user.
type IssuedCode struct {
	CardID     string
	Code       string
	OpenID     string
	Status     CodeStatus
	OuterStr   string
	ReceivedAt time.Time
	ConsumedAt *time.Time
	UpdatedAt  time.Time
	// Title is the card's title, filled by listings that join the catalogue.
	Title string
}

// AdminUser is a merchant account.
type AdminUser struct {
	ID           int64
	Username     string
	PasswordHash string
	Role         Role
	CreatedAt    time.Time
	// TokenVersion is carried in the user's tokens; a token of another version
	// has been revoked (password, role or disabled changed since).
	TokenVersion int64
	Disabled     bool
	LastLoginAt  *time.Time
}

// AdminChange is a change to a merchant account; nil fields stay as they are.
// Any change bumps the account's token version, ending its existing tokens.
type AdminChange struct {
	PasswordHash *string
	Role         *Role
	Disabled     *bool
}

// AuditEntry records one admin write.
type AuditEntry struct {
	At        time.Time
	Actor     string
	Role      Role
	Action    string // e.g. "card.create"
	Target    string // e.g. the card id or code
	Result    string // "ok" or the error code
	RequestID string
}

// CardEvent is an event the provider pushed about a card or a code.
type CardEvent struct {
	Key        string // the same for every delivery of one event
	Type       string // user_get_card, user_consume_card, ...
	CardID     string
	Code       string
	OpenID     string
	CreatedAt  time.Time
	ReceivedAt time.Time
}
