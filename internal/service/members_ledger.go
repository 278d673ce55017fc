package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"
)

// Points and stored value: a change is recorded here first, in one
// transaction with its audit entry (pending, the total moved under the
// member's row lock), then the member's absolute totals are pushed to the
// platform by one request at a time (a lease per member across replicas:
// the row lock is not held while WeChat answers), which marks every entry
// it covered applied. A push that fails leaves the entries pending; the
// next change or a retry pushes the totals again, which cannot apply
// anything twice.

// LedgerChange is a merchant's change of a member's points or balance.
type LedgerChange struct {
	CardID    string
	Code      string
	Kind      LedgerKind
	Delta     int64
	Record    string
	RequestID string
	Actor     string
	// Audit, when set, is this request's audit-trail entry: it is written
	// (result ok) in the transaction that records a new change, so a change
	// never exists without it.
	Audit *AuditEntry
}

// maxRecord is WeChat's record_bonus / record_balance limit (42 bytes).
const maxRecord = 42

func (ch LedgerChange) check() error {
	switch {
	case ch.CardID == "":
		return Invalid("card_id", "card_id is required")
	case ch.Delta == 0:
		return Invalid("delta", "delta must not be 0")
	case ch.RequestID == "" || utf8.RuneCountInString(ch.RequestID) > 64:
		return Invalid("request_id", "request_id is required, 1–64 characters")
	case len(ch.Record) > maxRecord:
		return Invalid("record", "record is at most %d bytes (14 汉字)", maxRecord)
	}
	return checkCode("code", ch.Code)
}

// Change applies a change exactly once per request_id: a repeat with the
// same body answers the first entry (completing it if it is still pending),
// one with another body is conflict. A total never goes below zero
// (conflict, details.field delta). audited reports that ch.Audit was written
// with the new entry (also when err says the push then failed).
//
// The member's lease is asked for before the entry is recorded: holding it,
// the transaction that records the entry also reads what the push needs (the
// totals and the pending entries under the row lock), so a change is one
// transaction, one push and one UPDATE. Without it (another request of the
// member is pushing), the entry is recorded and complete waits its turn.
func (s *Members) Change(ctx context.Context, ch LedgerChange) (e LedgerEntry, audited bool, err error) {
	if err := ch.check(); err != nil {
		return LedgerEntry{}, false, err
	}
	var audit *AuditEntry
	if ch.Audit != nil {
		a := *ch.Audit
		a.Result = "ok"
		audit = &a
	}
	lease := s.tryLease(ctx, ch.CardID, ch.Code)
	held := lease != nil
	defer func() {
		if held {
			lease.release(ctx)
		}
	}()
	rec, err := s.members.AddLedgerEntry(ctx, LedgerEntry{CardID: ch.CardID, Code: ch.Code, RequestID: ch.RequestID,
		Kind: ch.Kind, Delta: ch.Delta, Record: ch.Record, Actor: ch.Actor, Status: LedgerPending, At: s.now().UTC()}, audit)
	switch {
	case errors.Is(err, ErrNotFound):
		return LedgerEntry{}, false, &Error{Kind: KindNotFound, Message: fmt.Sprintf("no member %s on card %s", ch.Code, ch.CardID)}
	case errors.Is(err, ErrBelowZero):
		return LedgerEntry{}, false, &Error{Kind: KindConflict, Message: fmt.Sprintf("the %s would go below zero", ch.Kind),
			Details: map[string]any{"field": "delta"}}
	case err != nil:
		return LedgerEntry{}, false, fmt.Errorf("change %s of %s: %w", ch.Kind, ch.Code, err)
	}
	e = rec.Entry
	audited = audit != nil && !rec.Existing
	if rec.Existing && (e.Kind != ch.Kind || e.Delta != ch.Delta || e.Record != ch.Record) {
		return LedgerEntry{}, false, &Error{Kind: KindConflict, Message: "request_id was used for another change",
			Details: map[string]any{"field": "request_id"}}
	}
	if e.Status == LedgerApplied {
		return e, audited, nil
	}
	if held {
		var snapshot *LedgerRecord
		if !rec.Existing {
			snapshot = &rec
		}
		inFlight, err := s.pushPending(ctx, ch.CardID, ch.Code, snapshot)
		// A push WeChat did not answer may still land: the lease stays until
		// it expires (lockTTL, above WeChat's timeout), so that no newer push
		// reaches WeChat before it and is undone.
		held = !inFlight
		if err != nil {
			return LedgerEntry{}, audited, err
		}
	} else if err := s.complete(ctx, e); err != nil {
		return LedgerEntry{}, audited, err
	}
	e.Status = LedgerApplied
	return e, audited, nil
}

// memberLease is a member's push lease, held by this request.
type memberLease struct {
	unlock func(context.Context) error
	log    *slog.Logger
}

func (l *memberLease) release(ctx context.Context) {
	if err := l.unlock(context.WithoutCancel(ctx)); err != nil {
		l.log.WarnContext(ctx, "member lease not released", "err", err)
	}
}

func memberLeaseKey(cardID, code string) string { return "member-sync:" + cardID + ":" + code }

// tryLease asks once for the member's lease: nil when another request holds
// it or the lease store did not answer (the change then takes the waiting
// path, which reports either).
func (s *Members) tryLease(ctx context.Context, cardID, code string) *memberLease {
	unlock, got, err := s.locks.TryLock(ctx, memberLeaseKey(cardID, code), s.lockTTL)
	if err != nil || !got {
		return nil
	}
	return &memberLease{unlock: unlock, log: s.log}
}

// complete returns once the recorded entry e is applied: it pushes the
// member's totals itself when it gets the member's lease, or waits for the
// request holding it. e was committed before the lease was asked for, so
// one push made under the lease covers it (or finds it applied already).
func (s *Members) complete(ctx context.Context, e LedgerEntry) error {
	wait, cancel := context.WithTimeout(ctx, s.syncWait)
	defer cancel()
	for {
		unlock, got, err := s.locks.TryLock(wait, memberLeaseKey(e.CardID, e.Code), s.lockTTL)
		if err != nil || wait.Err() != nil {
			return pendingError(errors.Join(err, wait.Err()))
		}
		if got {
			inFlight, err := s.pushPending(ctx, e.CardID, e.Code, nil)
			if !inFlight {
				(&memberLease{unlock: unlock, log: s.log}).release(ctx)
			}
			return err
		}
		select {
		case <-wait.Done():
			return pendingError(wait.Err())
		case <-time.After(25 * time.Millisecond):
		}
		// Whoever holds the lease may have pushed e already.
		cur, err := s.members.GetLedgerEntry(ctx, e.CardID, e.Code, e.ID)
		if err != nil {
			return fmt.Errorf("ledger entry %d: %w", e.ID, err)
		}
		if cur.Status == LedgerApplied {
			return nil
		}
	}
}

// pendingError answers a change that is recorded but not confirmed in time.
func pendingError(err error) error {
	return &Error{Kind: KindUpstreamUnavailable, Err: err,
		Message: "the change is recorded and pending: WeChat has not confirmed it yet; retry with the same request_id"}
}

// pushPending sends the member's totals when entries are pending and marks
// those the totals cover applied. Called with the member's lease held, so
// pushes of one member reach WeChat one at a time, each with totals read
// after the previous one was confirmed: WeChat ends with the latest. The
// totals and pending entries are snapshot's when it is not nil (read in the
// transaction that recorded the entry, after the lease was taken), read
// here otherwise. inFlight reports a push WeChat did not answer (a timeout,
// a broken connection), which may still be applied later.
func (s *Members) pushPending(ctx context.Context, cardID, code string, snapshot *LedgerRecord) (inFlight bool, err error) {
	var (
		m       MemberTotals
		pending []LedgerEntry
	)
	if snapshot != nil {
		m, pending = snapshot.Totals, snapshot.Pending
	} else if m, pending, err = s.members.PendingTotals(ctx, cardID, code); err != nil {
		return false, fmt.Errorf("pending entries of %s: %w", code, err)
	}
	if len(pending) == 0 {
		return false, nil
	}
	p := TotalsPush{CardID: cardID, Code: code}
	ids := make([]int64, len(pending))
	for i, e := range pending {
		ids[i] = e.ID
		switch e.Kind {
		case LedgerBonus:
			p.Bonus, p.AddBonus, p.RecordBonus = &m.Bonus, p.AddBonus+e.Delta, e.Record
		case LedgerBalance:
			p.Balance, p.AddBalance, p.RecordBalance = &m.Balance, p.AddBalance+e.Delta, e.Record
		}
	}
	got, err := s.provider.PushTotals(ctx, p)
	if err != nil {
		// An errcode from WeChat is a refusal; anything else may have reached it.
		return KindOf(err) != KindUpstream, fmt.Errorf("push totals of %s: %w", code, err)
	}
	if (p.Bonus != nil && got.Bonus != m.Bonus) || (p.Balance != nil && got.Balance != m.Balance) {
		s.log.WarnContext(ctx, "WeChat answered other totals than sent", "card_id", cardID,
			"sent_bonus", m.Bonus, "got_bonus", got.Bonus, "sent_balance", m.Balance, "got_balance", got.Balance)
	}
	// Only entries still pending change, so a push that overlapped this one
	// (a lease that expired) cannot mark anything twice.
	if err := s.members.MarkApplied(ctx, cardID, code, ids); err != nil {
		return false, fmt.Errorf("mark applied: %w", err)
	}
	return false, nil
}
