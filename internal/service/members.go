package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultMembershipPattern makes the membership number the card's code:
// unique per card by construction and within WeChat's 20 bytes.
const DefaultMembershipPattern = "{code}"

// Members activates member cards and keeps their points and stored value.
type Members struct {
	members  MemberStore
	cards    CardReader
	codes    CodeProvider
	reveal   CardProvider
	provider MemberProvider
	locks    Locker
	log      *slog.Logger
	now      func() time.Time
	pattern  string
	// syncWait bounds how long a change waits for another request that is
	// pushing the member's totals; lockTTL bounds one push (above WeChat's
	// timeout).
	syncWait, lockTTL time.Duration
}

// MembersConfig are the tunables of Members.
type MembersConfig struct {
	// NumberPattern makes membership numbers: {code} is the card's code
	// (config checks the pattern); empty: DefaultMembershipPattern.
	NumberPattern string
	// LockTTL bounds one push of totals (keep it above the WeChat timeout);
	// 0: 30 s.
	LockTTL time.Duration
	// SyncWait bounds how long a change waits for WeChat's confirmation
	// before it answers that the change is pending (one push that started
	// may take a WeChat timeout longer); 0: 10 s.
	SyncWait time.Duration
}

// NewMembers wires member cards. reveal decrypts codes; codes asks who holds one.
func NewMembers(members MemberStore, cards CardReader, reveal CardProvider, codes CodeProvider, provider MemberProvider,
	locks Locker, cfg MembersConfig, log *slog.Logger, now func() time.Time) *Members {
	if now == nil {
		now = time.Now
	}
	if cfg.NumberPattern == "" {
		cfg.NumberPattern = DefaultMembershipPattern
	}
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = 30 * time.Second
	}
	if cfg.SyncWait <= 0 {
		cfg.SyncWait = 10 * time.Second
	}
	return &Members{members: members, cards: cards, codes: codes, reveal: reveal, provider: provider, locks: locks,
		log: log, now: now, pattern: cfg.NumberPattern, syncWait: cfg.SyncWait, lockTTL: cfg.LockTTL}
}

// maxMembershipNumber is WeChat's limit on membership_number (string(20),
// bytes; card/membercard/activate answers 45021 beyond).
const maxMembershipNumber = 20

// ActivateRequest is what the activation page got from WeChat.
type ActivateRequest struct {
	CardID         string
	EncryptCode    string
	ActivateTicket string
	OuterStr       string
}

// memberCardSettings are the parts of a member card's definition activation uses.
type memberCardSettings struct {
	supplyBonus, supplyBalance bool
	initBonus                  int64
}

func readMemberSettings(card Card) (memberCardSettings, error) {
	var def struct {
		MemberCard *struct {
			SupplyBonus   bool `json:"supply_bonus"`
			SupplyBalance bool `json:"supply_balance"`
			BonusRule     struct {
				InitIncreaseBonus int64 `json:"init_increase_bonus"`
			} `json:"bonus_rule"`
		} `json:"member_card"`
	}
	if err := json.Unmarshal(card.Definition, &def); err != nil || def.MemberCard == nil {
		return memberCardSettings{}, Invalid("card_id", "card %s is not a member card", card.CardID)
	}
	m := def.MemberCard
	return memberCardSettings{supplyBonus: m.SupplyBonus, supplyBalance: m.SupplyBalance, initBonus: m.BonusRule.InitIncreaseBonus}, nil
}

// Activate activates the caller's member card by API (接口激活): the code is
// decrypted and its holder checked before anything is written; an activated
// member is answered as it is. The opening bonus is the card's
// bonus_rule.init_increase_bonus (WeChat's template has no opening balance,
// so it is 0).
func (s *Members) Activate(ctx context.Context, openid string, req ActivateRequest) (Member, error) {
	if req.CardID == "" {
		return Member{}, Invalid("card_id", "card_id is required")
	}
	if req.EncryptCode == "" {
		return Member{}, Invalid("encrypt_code", "encrypt_code is required")
	}
	card, err := s.cards.GetCard(ctx, req.CardID)
	if errors.Is(err, ErrNotFound) {
		return Member{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("card %s is not in the catalogue", req.CardID),
			Details: map[string]any{"field": "card_id"}}
	}
	if err != nil {
		return Member{}, fmt.Errorf("activate: card %s: %w", req.CardID, err)
	}
	settings, err := readMemberSettings(card)
	if err != nil {
		return Member{}, err
	}
	code, err := s.reveal.RevealCode(ctx, req.EncryptCode)
	if err != nil {
		return Member{}, fmt.Errorf("activate: decrypt: %w", err)
	}
	h, err := s.codes.CodeHolder(ctx, req.CardID, code)
	if KindOf(err) == KindNotFound || (err == nil && (h.OpenID != openid || (h.CardID != "" && h.CardID != req.CardID))) {
		return Member{}, &Error{Kind: KindCodeNotOwned, Message: "the caller does not hold this card",
			Details: map[string]any{"card_id": req.CardID}}
	}
	if err != nil {
		return Member{}, fmt.Errorf("activate: holder of %s: %w", code, err)
	}
	if m, err := s.members.GetMember(ctx, req.CardID, code); err == nil {
		return m, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Member{}, fmt.Errorf("activate: %w", err)
	}
	number := strings.ReplaceAll(s.pattern, "{code}", code)
	if len(number) > maxMembershipNumber {
		// The configuration is checked for WeChat's 12-digit codes; a longer
		// custom code can still make a number WeChat would refuse.
		return Member{}, &Error{Kind: KindConflict, Details: map[string]any{"field": "membership_number"},
			Message: fmt.Sprintf("the membership number %q would be %d bytes (MEMBER_NUMBER_PATTERN with this card's %d-byte code); WeChat accepts %d",
				number, len(number), len(code), maxMembershipNumber)}
	}
	var form MemberForm
	if req.ActivateTicket != "" {
		if form, err = s.provider.ActivationForm(ctx, req.ActivateTicket); err != nil {
			return Member{}, fmt.Errorf("activate: read the form: %w", err)
		}
	}
	a := MemberActivation{CardID: req.CardID, Code: code, MembershipNumber: number}
	var opening []LedgerEntry
	m := Member{CardID: req.CardID, Code: code, OpenID: openid, MembershipNumber: number, Form: form, ActivatedAt: s.now().UTC()}
	if settings.supplyBonus {
		a.InitBonus, a.InitBonusRecord = &settings.initBonus, "开卡赠送"
		m.Bonus = settings.initBonus
		if settings.initBonus != 0 {
			opening = append(opening, LedgerEntry{RequestID: "activation:bonus", Kind: LedgerBonus, Delta: settings.initBonus,
				Total: settings.initBonus, Record: "开卡赠送", Actor: "activation", Status: LedgerApplied, At: m.ActivatedAt})
		}
	}
	if settings.supplyBalance {
		zero := int64(0)
		a.InitBalance = &zero
	}
	if err := s.provider.ActivateMember(ctx, a); err != nil {
		return Member{}, fmt.Errorf("activate %s: %w", code, err)
	}
	stored, created, err := s.members.CreateMember(ctx, m, opening)
	if err != nil {
		return Member{}, fmt.Errorf("record member %s: %w", code, err)
	}
	if created {
		s.log.InfoContext(ctx, "member activated", "card_id", req.CardID)
	}
	return stored, nil
}

// Memberships lists the caller's members.
func (s *Members) Memberships(ctx context.Context, openid string) ([]Member, error) {
	ms, err := s.members.ListMembersByOpenID(ctx, openid)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	return ms, nil
}

// List returns a page of a card's members, their number (only without a
// cursor) and the cursor of the page's last member when more follow.
func (s *Members) List(ctx context.Context, cardID string, p Page) ([]Member, int64, *Cursor, error) {
	if err := checkListPage(p); err != nil {
		return nil, 0, nil, err
	}
	ms, total, next, err := s.members.ListMembers(ctx, cardID, p)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("list members of %s: %w", cardID, err)
	}
	return ms, total, next, nil
}

// MemberView is a local member with what the platform says about it.
type MemberView struct {
	Member   Member
	Provider ProviderMember
}

// Get returns a member with the platform's view merged in.
func (s *Members) Get(ctx context.Context, cardID, code string) (MemberView, error) {
	m, err := s.member(ctx, cardID, code)
	if err != nil {
		return MemberView{}, err
	}
	p, err := s.provider.MemberInfo(ctx, cardID, code)
	if err != nil {
		return MemberView{}, fmt.Errorf("member %s: %w", code, err)
	}
	return MemberView{Member: m, Provider: p}, nil
}

func (s *Members) member(ctx context.Context, cardID, code string) (Member, error) {
	if cardID == "" {
		return Member{}, Invalid("card_id", "card_id is required")
	}
	if err := checkCode("code", code); err != nil {
		return Member{}, err
	}
	m, err := s.members.GetMember(ctx, cardID, code)
	if errors.Is(err, ErrNotFound) {
		return Member{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("no member %s on card %s", code, cardID)}
	}
	if err != nil {
		return Member{}, fmt.Errorf("member %s: %w", code, err)
	}
	return m, nil
}

// Ledger returns a page of a member's ledger, newest first.
func (s *Members) Ledger(ctx context.Context, cardID, code string, offset, count int) ([]LedgerEntry, int64, error) {
	if err := checkPage(offset, count); err != nil {
		return nil, 0, err
	}
	if _, err := s.member(ctx, cardID, code); err != nil {
		return nil, 0, err
	}
	es, total, err := s.members.ListLedger(ctx, cardID, code, offset, count)
	if err != nil {
		return nil, 0, fmt.Errorf("ledger of %s: %w", code, err)
	}
	return es, total, nil
}
