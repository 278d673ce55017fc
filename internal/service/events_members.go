package service

import "context"

// MemberEvents applies the member-card events (Members implements it).
type MemberEvents interface {
	// FormSubmitted stores the form a holder submitted, recording the member
	// when WeChat activated it (one-click, normal).
	FormSubmitted(ctx context.Context, cardID, code, openid string) error
	// ChangedElsewhere records in the ledger a change of points or balance
	// made outside this service.
	ChangedElsewhere(ctx context.Context, cardID, code, eventKey string) error
}

// WithMembers makes s apply member-card events with m.
func (s *Events) WithMembers(m MemberEvents) *Events {
	s.members = m
	return s
}

func (s *Events) memberEvent(ctx context.Context, e PushedEvent) error {
	if s.members == nil {
		return nil
	}
	if e.Type == EventSubmitMemberForm {
		return s.members.FormSubmitted(ctx, e.CardID, e.Code, e.OpenID)
	}
	return s.members.ChangedElsewhere(ctx, e.CardID, e.Code, e.Key)
}
