package service

import (
	"errors"
	"time"
)

// ErrBelowZero is a ledger change that would take a total below zero.
var ErrBelowZero = errors.New("total would go below zero")

// LedgerKind is what a ledger entry changes.
type LedgerKind string

const (
	LedgerBonus   LedgerKind = "bonus"   // points
	LedgerBalance LedgerKind = "balance" // stored value, fen
)

// LedgerStatus tells whether the platform has confirmed an entry.
type LedgerStatus string

const (
	LedgerPending LedgerStatus = "pending" // recorded here, not yet confirmed by WeChat
	LedgerApplied LedgerStatus = "applied"
)

// Member is an activated member card: (CardID, Code) with its totals, which
// always equal the sum of its ledger deltas.
type Member struct {
	CardID           string
	Code             string
	OpenID           string
	MembershipNumber string
	Bonus            int64
	Balance          int64
	Form             MemberForm
	ActivatedAt      time.Time
	Title            string // the card's, in listings by openid
}

// LedgerEntry is one change of a member's points or balance.
type LedgerEntry struct {
	ID        int64
	CardID    string
	Code      string
	RequestID string
	Kind      LedgerKind
	Delta     int64
	Total     int64 // the kind's total after this entry
	Record    string
	Actor     string
	Status    LedgerStatus
	At        time.Time
}

// FormField is one answer of a member form.
type FormField struct {
	Name   string   `json:"name"`
	Value  string   `json:"value"`
	Values []string `json:"values,omitempty"`
}

// MemberForm is what the user entered in the activation form.
type MemberForm struct {
	Fields []FormField `json:"fields"`
}

// MemberActivation is what the provider needs to activate a member.
type MemberActivation struct {
	CardID, Code, MembershipNumber string
	InitBonus, InitBalance         *int64 // nil: not sent (the card does not hold it)
	InitBonusRecord                string
}

// ActivationURL is the 开卡组件's address and its decoded extra data.
type ActivationURL struct {
	URL           string
	EncryptCardID string
	OuterStr      string
	Biz           string
}

// TotalsPush sends a member's totals: nil leaves a kind alone; Add* are the
// figures of the user's notification.
type TotalsPush struct {
	CardID, Code               string
	Bonus, Balance             *int64
	AddBonus, AddBalance       int64
	RecordBonus, RecordBalance string
}

// LedgerRecord is what recording a ledger entry wrote and read under the
// member's lock.
type LedgerRecord struct {
	Entry LedgerEntry
	// Existing: the request_id was recorded before; Entry is that entry and
	// Totals and Pending are not read.
	Existing bool
	// Totals are the member's totals after the new entry and Pending its
	// pending entries in id order, the new one last, read in the
	// transaction that wrote it: Totals cover exactly Pending and the
	// entries before them.
	Totals  MemberTotals
	Pending []LedgerEntry
}

// MemberTotals are a member's totals (points, stored value in fen).
type MemberTotals struct {
	Bonus, Balance int64
}

// ProviderMember is the member as the platform holds it.
type ProviderMember struct {
	OpenID           string
	MembershipNumber string
	Bonus, Balance   int64
	ProviderStatus   string // user_card_status
	Active           bool
	Form             MemberForm
}
