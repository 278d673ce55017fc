package service

import (
	"context"
	"errors"
	"fmt"
)

var _ MemberEvents = (*Members)(nil)

// FormSubmitted stores the submitted form (submit_membercard_user_info). A
// member WeChat activated itself (one-click, normal) is recorded with
// WeChat's number and totals; a jump-type card is not active yet and waits
// for the activation page. Applying it again changes nothing.
func (s *Members) FormSubmitted(ctx context.Context, cardID, code, openid string) error {
	info, err := s.provider.MemberInfo(ctx, cardID, code)
	if err != nil {
		return fmt.Errorf("member form of %s: %w", code, err)
	}
	_, err = s.members.GetMember(ctx, cardID, code)
	switch {
	case err == nil:
		return s.members.SetMemberForm(ctx, cardID, code, info.Form)
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("member form of %s: %w", code, err)
	case !info.Active:
		return nil
	}
	m := Member{CardID: cardID, Code: code, OpenID: openid, MembershipNumber: info.MembershipNumber,
		Bonus: info.Bonus, Balance: info.Balance, Form: info.Form, ActivatedAt: s.now().UTC()}
	if m.MembershipNumber == "" {
		m.MembershipNumber = code
	}
	var opening []LedgerEntry
	for _, o := range []struct {
		kind  LedgerKind
		total int64
	}{{LedgerBonus, info.Bonus}, {LedgerBalance, info.Balance}} {
		if o.total != 0 {
			opening = append(opening, LedgerEntry{RequestID: "activation:" + string(o.kind), Kind: o.kind, Delta: o.total,
				Total: o.total, Record: "开卡", Actor: "wechat", Status: LedgerApplied, At: m.ActivatedAt})
		}
	}
	if _, _, err := s.members.CreateMember(ctx, m, opening); err != nil {
		return fmt.Errorf("record member %s: %w", code, err)
	}
	return nil
}

// ChangedElsewhere brings the ledger in line with WeChat after
// update_member_card: under the member's lease and with nothing pending
// (then WeChat holds exactly what this service sent, or a change made
// elsewhere), a difference is recorded as an entry by actor wechat. The
// service's own updates are pushed too and then show no difference. With
// entries pending the event is left alone: the next push sends this
// service's totals (a change made elsewhere meanwhile is then overwritten).
func (s *Members) ChangedElsewhere(ctx context.Context, cardID, code, eventKey string) error {
	if _, err := s.members.GetMember(ctx, cardID, code); errors.Is(err, ErrNotFound) {
		return nil // not a member here (yet)
	} else if err != nil {
		return err
	}
	key := memberLeaseKey(cardID, code)
	unlock, got, err := s.locks.TryLock(ctx, key, s.lockTTL)
	if err != nil {
		return fmt.Errorf("lease %s: %w", key, err)
	}
	if !got {
		return nil // a push is in flight: it sets WeChat's totals to this service's
	}
	defer func() { _ = unlock(context.WithoutCancel(ctx)) }()
	m, pending, err := s.members.PendingTotals(ctx, cardID, code)
	if err != nil || len(pending) > 0 {
		return err
	}
	info, err := s.provider.MemberInfo(ctx, cardID, code)
	if err != nil {
		return fmt.Errorf("member %s: %w", code, err)
	}
	for _, d := range []struct {
		kind      LedgerKind
		ours, wxs int64
	}{{LedgerBonus, m.Bonus, info.Bonus}, {LedgerBalance, m.Balance, info.Balance}} {
		if d.ours == d.wxs {
			continue
		}
		e := LedgerEntry{CardID: cardID, Code: code, RequestID: "wechat:" + eventKey[:min(len(eventKey), 40)] + ":" + string(d.kind),
			Kind: d.kind, Delta: d.wxs - d.ours, Record: "微信侧变更", Actor: "wechat", Status: LedgerApplied, At: s.now().UTC()}
		if _, err := s.members.AddLedgerEntry(ctx, e, nil); err != nil {
			return fmt.Errorf("record change of %s by WeChat: %w", code, err)
		}
	}
	return nil
}
