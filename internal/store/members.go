package store

import (
	"context"
	"database/sql"
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

// errLedgerRepeat ends a ledger transaction whose request_id is recorded.
var errLedgerRepeat = errors.New("request_id recorded")

// AddLedgerEntry applies e to its member once per request_id, serialised by
// the member's row, and appends audit (when not nil) in the same
// transaction. A new change is four statements in one transaction: lock and
// read the member, insert the entry (the unique request_id key refuses a
// repeat, which then reads the recorded entry), update the total, insert the
// audit row.
func (s *Store) AddLedgerEntry(ctx context.Context, e service.LedgerEntry, audit *service.AuditEntry) (service.LedgerEntry, bool, error) {
	var out ledgerRow
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			m, err := s.lockMember(tx, e.CardID, e.Code)
			if err != nil {
				return err
			}
			column, total := "bonus", m.Bonus
			if e.Kind == service.LedgerBalance {
				column, total = "balance", m.Balance
			}
			total += e.Delta
			if total < 0 {
				// A repeat of a change that no longer fits answers its entry.
				var n int64
				if err := tx.Model(&ledgerRow{}).Where("card_id = ? AND code = ? AND request_id = ?", e.CardID, e.Code, e.RequestID).
					Count(&n).Error; err != nil {
					return err
				}
				if n > 0 {
					return errLedgerRepeat
				}
				return service.ErrBelowZero
			}
			e.Total = total
			out = fromEntry(e)
			if err := tx.Create(&out).Error; isDuplicate(err) {
				return errLedgerRepeat
			} else if err != nil {
				return err
			}
			if err := tx.Exec("UPDATE members SET "+column+" = ?, version = version + 1, updated_at = ? WHERE id = ?",
				total, now(), m.ID).Error; err != nil {
				return err
			}
			if audit == nil {
				return nil
			}
			row := toAuditRow(*audit)
			return tx.Create(&row).Error
		})
	})
	existing := errors.Is(err, errLedgerRepeat)
	if existing {
		out = ledgerRow{}
		err = s.db.WithContext(ctx).Where("card_id = ? AND code = ? AND request_id = ?", e.CardID, e.Code, e.RequestID).Take(&out).Error
	}
	if errors.Is(err, service.ErrBelowZero) {
		return service.LedgerEntry{}, false, fmt.Errorf("ledger %s of %s: %w", e.Kind, e.Code, err)
	}
	if err != nil {
		return service.LedgerEntry{}, false, wrapf(err, "ledger %s of member %s", e.Kind, e.Code)
	}
	return toEntry(out), existing, nil
}

// lockMember reads the member's totals and locks its row until tx ends (on
// MySQL; SQLite's one connection runs transactions one at a time), so the
// request_id check and the bound check see the latest state.
func (s *Store) lockMember(tx *gorm.DB, cardID, code string) (memberRow, error) {
	forUpdate := ""
	if s.dialect == DialectMySQL {
		forUpdate = " FOR UPDATE"
	}
	var m memberRow
	if err := tx.Raw("SELECT id, bonus, balance FROM members WHERE card_id = ? AND code = ?"+forUpdate, cardID, code).
		Scan(&m).Error; err != nil {
		return memberRow{}, err
	}
	if m.ID == 0 {
		return memberRow{}, gorm.ErrRecordNotFound
	}
	return m, nil
}

// PendingTotals reads the member's totals and its pending entries in one
// statement (one consistent read), so the totals cover exactly the entries
// returned and those before them.
func (s *Store) PendingTotals(ctx context.Context, cardID, code string) (service.MemberTotals, []service.LedgerEntry, error) {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT m.bonus, m.balance, l.id, l.request_id, l.kind, l.delta, l.total, l.record, l.actor
FROM members m LEFT JOIN member_ledger l ON l.card_id = m.card_id AND l.code = m.code AND l.status = ?
WHERE m.card_id = ? AND m.code = ? ORDER BY l.id`, string(service.LedgerPending), cardID, code).Rows()
	if err != nil {
		return service.MemberTotals{}, nil, wrapf(err, "pending entries of member %s", code)
	}
	defer rows.Close()
	var (
		t     service.MemberTotals
		out   []service.LedgerEntry
		found bool
	)
	for rows.Next() {
		var (
			id                         sql.NullInt64
			reqID, kind, record, actor sql.NullString
			delta, total               sql.NullInt64
		)
		if err := rows.Scan(&t.Bonus, &t.Balance, &id, &reqID, &kind, &delta, &total, &record, &actor); err != nil {
			return service.MemberTotals{}, nil, wrapf(err, "pending entries of member %s", code)
		}
		found = true
		if id.Valid {
			out = append(out, service.LedgerEntry{ID: id.Int64, CardID: cardID, Code: code, RequestID: reqID.String,
				Kind: service.LedgerKind(kind.String), Delta: delta.Int64, Total: total.Int64, Record: record.String,
				Actor: actor.String, Status: service.LedgerPending})
		}
	}
	if err := rows.Err(); err != nil {
		return service.MemberTotals{}, nil, wrapf(err, "pending entries of member %s", code)
	}
	if !found {
		return service.MemberTotals{}, nil, wrapf(gorm.ErrRecordNotFound, "pending entries of member %s", code)
	}
	return t, out, nil
}

// MarkApplied marks the member's pending entries up to id applied.
func (s *Store) MarkApplied(ctx context.Context, cardID, code string, upTo int64) error {
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Model(&ledgerRow{}).
			Where("card_id = ? AND code = ? AND status = ? AND id <= ?", cardID, code, string(service.LedgerPending), upTo).
			Update("status", string(service.LedgerApplied)).Error
	})
	return wrapf(err, "mark ledger of member %s applied", code)
}

// GetLedgerEntry returns service.ErrNotFound when the member has no such entry.
func (s *Store) GetLedgerEntry(ctx context.Context, cardID, code string, id int64) (service.LedgerEntry, error) {
	var r ledgerRow
	if err := s.db.WithContext(ctx).Where("id = ? AND card_id = ? AND code = ?", id, cardID, code).Take(&r).Error; err != nil {
		return service.LedgerEntry{}, wrapf(err, "ledger entry %d", id)
	}
	return toEntry(r), nil
}

// ListLedger returns a page of a member's entries, newest first, and their number.
func (s *Store) ListLedger(ctx context.Context, cardID, code string, offset, count int) ([]service.LedgerEntry, int64, error) {
	offset, count = page(offset, count)
	var total int64
	q := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&ledgerRow{}).Where("card_id = ? AND code = ?", cardID, code)
	}
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, wrapf(err, "count ledger of %s", code)
	}
	var rows []ledgerRow
	if err := q().Order("id DESC").Offset(offset).Limit(count).Find(&rows).Error; err != nil {
		return nil, 0, wrapf(err, "list ledger of %s", code)
	}
	out := make([]service.LedgerEntry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out, total, nil
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
