package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// Members and their ledger (migration 00010). A ledger change is one
// transaction that first locks the member's row (SELECT … FOR UPDATE on
// MySQL; SQLite runs one transaction at a time), so changes of one member are
// serialised and the request_id check and the bound check see the latest
// state.

var _ service.MemberStore = (*Store)(nil)

type memberRow struct {
	ID               int64     `gorm:"column:id;primaryKey;autoIncrement"`
	CardID           string    `gorm:"column:card_id"`
	Code             string    `gorm:"column:code"`
	OpenID           string    `gorm:"column:openid"`
	MembershipNumber string    `gorm:"column:membership_number"`
	Bonus            int64     `gorm:"column:bonus"`
	Balance          int64     `gorm:"column:balance"`
	Form             string    `gorm:"column:form"`
	Version          int64     `gorm:"column:version"`
	ActivatedAt      time.Time `gorm:"column:activated_at"`
	UpdatedAt        time.Time `gorm:"column:updated_at"`
	Title            string    `gorm:"column:title;->"` // read only, from the cards join
}

func (memberRow) TableName() string { return "members" }

type ledgerRow struct {
	ID        int64     `gorm:"column:id;primaryKey;autoIncrement"`
	CardID    string    `gorm:"column:card_id"`
	Code      string    `gorm:"column:code"`
	RequestID string    `gorm:"column:request_id"`
	Kind      string    `gorm:"column:kind"`
	Delta     int64     `gorm:"column:delta"`
	Total     int64     `gorm:"column:total"`
	Record    string    `gorm:"column:record"`
	Actor     string    `gorm:"column:actor"`
	Status    string    `gorm:"column:status"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (ledgerRow) TableName() string { return "member_ledger" }

func toMember(r memberRow) service.Member {
	m := service.Member{CardID: r.CardID, Code: r.Code, OpenID: r.OpenID, MembershipNumber: r.MembershipNumber,
		Bonus: r.Bonus, Balance: r.Balance, ActivatedAt: r.ActivatedAt, Title: r.Title}
	_ = json.Unmarshal([]byte(r.Form), &m.Form) // written by CreateMember; an unreadable form shows empty
	if m.Form.Fields == nil {
		m.Form.Fields = []service.FormField{}
	}
	return m
}

func toEntry(r ledgerRow) service.LedgerEntry {
	return service.LedgerEntry{ID: r.ID, CardID: r.CardID, Code: r.Code, RequestID: r.RequestID, Kind: service.LedgerKind(r.Kind),
		Delta: r.Delta, Total: r.Total, Record: r.Record, Actor: r.Actor, Status: service.LedgerStatus(r.Status), At: r.CreatedAt}
}

func fromEntry(e service.LedgerEntry) ledgerRow {
	at := e.At
	if at.IsZero() {
		at = now()
	}
	return ledgerRow{CardID: e.CardID, Code: e.Code, RequestID: e.RequestID, Kind: string(e.Kind), Delta: e.Delta, Total: e.Total,
		Record: e.Record, Actor: e.Actor, Status: string(e.Status), CreatedAt: dbTime(at)}
}

// CreateMember inserts the member and its opening entries in one
// transaction. An existing (card, code) answers the stored member, created
// false; a membership number taken on the card is ErrConflict.
func (s *Store) CreateMember(ctx context.Context, m service.Member, opening []service.LedgerEntry) (service.Member, bool, error) {
	form, err := json.Marshal(m.Form)
	if err != nil {
		return service.Member{}, false, fmt.Errorf("create member: encode form: %w", err)
	}
	row := memberRow{CardID: m.CardID, Code: m.Code, OpenID: m.OpenID, MembershipNumber: m.MembershipNumber,
		Bonus: m.Bonus, Balance: m.Balance, Form: string(form), ActivatedAt: dbTime(m.ActivatedAt), UpdatedAt: now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for _, e := range opening {
			e.CardID, e.Code = m.CardID, m.Code
			r := fromEntry(e)
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if isDuplicate(err) {
		stored, gerr := s.GetMember(ctx, m.CardID, m.Code)
		if gerr == nil {
			return stored, false, nil
		}
		if !errors.Is(gerr, service.ErrNotFound) {
			return service.Member{}, false, gerr
		}
	}
	if err != nil {
		return service.Member{}, false, wrapf(err, "create member %s of card %s", m.Code, m.CardID)
	}
	return toMember(row), true, nil
}

// GetMember returns service.ErrNotFound for an unknown member.
func (s *Store) GetMember(ctx context.Context, cardID, code string) (service.Member, error) {
	var row memberRow
	if err := s.db.WithContext(ctx).Where("card_id = ? AND code = ?", cardID, code).Take(&row).Error; err != nil {
		return service.Member{}, wrapf(err, "get member %s of card %s", code, cardID)
	}
	return toMember(row), nil
}

// memberOrder: newest activation first (index (card_id, activated_at); InnoDB
// appends id).
var memberOrder = listOrder{time: "activated_at", key: "id", numericKey: true}

// ListMembers returns a page of a card's members, newest first, their number
// (counted only when p.After is nil) and the cursor of the page's last member
// when more follow.
func (s *Store) ListMembers(ctx context.Context, cardID string, p service.Page) ([]service.Member, int64, *service.Cursor, error) {
	var total int64
	if p.After == nil {
		if err := s.db.WithContext(ctx).Model(&memberRow{}).Where("card_id = ?", cardID).Count(&total).Error; err != nil {
			return nil, 0, nil, wrapf(err, "count members of card %s", cardID)
		}
	}
	q, count, err := memberOrder.paged(s.db.WithContext(ctx).Where("card_id = ?", cardID), p)
	if err != nil {
		return nil, 0, nil, err
	}
	var rows []memberRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, 0, nil, wrapf(err, "list members of card %s", cardID)
	}
	nxt := next(len(rows), count, func() service.Cursor {
		return service.Cursor{At: rows[count-1].ActivatedAt, Key: idKey(rows[count-1].ID)}
	})
	if nxt != nil {
		rows = rows[:count]
	}
	out := make([]service.Member, len(rows))
	for i, r := range rows {
		out[i] = toMember(r)
	}
	return out, total, nxt, nil
}

// ListMembersByOpenID returns an openid's members, newest first, with the card title.
func (s *Store) ListMembersByOpenID(ctx context.Context, openid string) ([]service.Member, error) {
	var rows []memberRow
	err := s.db.WithContext(ctx).Table("members AS m").Select("m.*, COALESCE(k.title, '') AS title").
		Joins("LEFT JOIN cards AS k ON k.card_id = m.card_id").Where("m.openid = ?", openid).
		Order("m.activated_at DESC").Order("m.id DESC").Find(&rows).Error
	if err != nil {
		return nil, wrapf(err, "list members of %s", openid)
	}
	out := make([]service.Member, len(rows))
	for i, r := range rows {
		out[i] = toMember(r)
	}
	return out, nil
}

// SetMemberForm replaces a member's form answers.
func (s *Store) SetMemberForm(ctx context.Context, cardID, code string, f service.MemberForm) error {
	form, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("set member form: encode: %w", err)
	}
	err = s.db.WithContext(ctx).Model(&memberRow{}).Where("card_id = ? AND code = ?", cardID, code).
		Updates(map[string]any{"form": string(form), "updated_at": now()}).Error
	return wrapf(err, "set form of member %s", code)
}
