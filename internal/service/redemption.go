package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Redemption looks up, consumes (核销) and manages issued codes for merchants.
type Redemption struct {
	codes    CodeStore
	provider CodeProvider
	locks    Locker
	log      *slog.Logger
	now      func() time.Time
}

// NewRedemption wires redemption. locks may be nil (the provider alone then
// guarantees that a code is consumed once).
func NewRedemption(codes CodeStore, provider CodeProvider, locks Locker, log *slog.Logger, now func() time.Time) *Redemption {
	if now == nil {
		now = time.Now
	}
	return &Redemption{codes: codes, provider: provider, locks: locks, log: log, now: now}
}

// CodeView is a code as the provider reports it, with the local record if any.
type CodeView struct {
	Code    string
	Holding Holding
	Record  *IssuedCode
}

// LookUp asks the provider about a code and adds what the service recorded.
func (r *Redemption) LookUp(ctx context.Context, cardID, code string) (CodeView, error) {
	if err := checkCode("code", code); err != nil {
		return CodeView{}, err
	}
	h, err := r.provider.CodeHolder(ctx, cardID, code)
	if err != nil {
		return CodeView{}, fmt.Errorf("look up code %s: %w", code, err)
	}
	view := CodeView{Code: code, Holding: h}
	rec, err := r.codes.GetCode(ctx, h.CardID, code)
	switch {
	case err == nil:
		view.Record = &rec
	case !errors.Is(err, ErrNotFound):
		return CodeView{}, fmt.Errorf("look up code %s: %w", code, err)
	}
	return view, nil
}

// Consume redeems a code. A code is consumed at most once: concurrent attempts
// across replicas are serialised by a lease, and the provider refuses a second
// consumption (conflict). The local record follows.
func (r *Redemption) Consume(ctx context.Context, cardID, code string) (IssuedCode, error) {
	if err := checkCode("code", code); err != nil {
		return IssuedCode{}, err
	}
	if cardID == "" {
		return IssuedCode{}, Invalid("card_id", "card_id is required")
	}
	unlock, err := r.lease(ctx, "consume:"+cardID+":"+code)
	if err != nil {
		return IssuedCode{}, err
	}
	defer unlock()

	h, err := r.provider.ConsumeCode(ctx, cardID, code)
	if err != nil {
		if KindOf(err) == KindConflict {
			r.syncConsumed(ctx, cardID, code)
		}
		return IssuedCode{}, fmt.Errorf("consume %s: %w", code, err)
	}
	at := r.now().UTC()
	rec, err := r.codes.SetCodeStatus(ctx, cardID, code, CodeConsumed, at)
	if errors.Is(err, ErrNotFound) { // consumed before the user's decrypt reached us
		rec, _, err = r.codes.RecordCode(ctx, IssuedCode{CardID: cardID, Code: code, OpenID: h.OpenID,
			Status: CodeConsumed, ReceivedAt: at, ConsumedAt: &at})
	}
	if err != nil {
		// WeChat has consumed it; the user_consume_card event will bring the record in line.
		return IssuedCode{}, fmt.Errorf("record consumption of %s: %w", code, err)
	}
	r.log.InfoContext(ctx, "code consumed", "card_id", cardID, "openid", rec.OpenID)
	return rec, nil
}

// syncConsumed brings a local record in line when the provider says the code
// was consumed already (for example by a consumption whose record failed).
func (r *Redemption) syncConsumed(ctx context.Context, cardID, code string) {
	h, err := r.provider.CodeHolder(ctx, cardID, code)
	if err != nil || h.Status != CodeConsumed {
		return
	}
	rec, err := r.codes.GetCode(ctx, cardID, code)
	if err != nil || rec.Status == CodeConsumed {
		return
	}
	if _, err := r.codes.SetCodeStatus(ctx, cardID, code, CodeConsumed, r.now()); err != nil {
		r.log.WarnContext(ctx, "could not record an earlier consumption", "card_id", cardID, "err", err)
	}
}

// MakeUnavailable makes a code unusable for good.
func (r *Redemption) MakeUnavailable(ctx context.Context, cardID, code, reason string) (IssuedCode, error) {
	if err := checkCode("code", code); err != nil {
		return IssuedCode{}, err
	}
	if cardID == "" {
		return IssuedCode{}, Invalid("card_id", "card_id is required")
	}
	if len(reason) > 256 {
		return IssuedCode{}, Invalid("reason", "reason is at most 256 bytes")
	}
	if err := r.provider.DisableCode(ctx, cardID, code, reason); err != nil {
		return IssuedCode{}, fmt.Errorf("make %s unavailable: %w", code, err)
	}
	rec, err := r.codes.SetCodeStatus(ctx, cardID, code, CodeUnavailable, r.now())
	if errors.Is(err, ErrNotFound) {
		return IssuedCode{CardID: cardID, Code: code, Status: CodeUnavailable}, nil
	}
	if err != nil {
		return IssuedCode{}, fmt.Errorf("record %s unavailable: %w", code, err)
	}
	return rec, nil
}

// ChangeCode re-keys a code on the provider; the local record follows.
func (r *Redemption) ChangeCode(ctx context.Context, cardID, code, newCode string) (IssuedCode, error) {
	if err := checkCode("code", code); err != nil {
		return IssuedCode{}, err
	}
	if err := checkCode("new_code", newCode); err != nil {
		return IssuedCode{}, err
	}
	switch {
	case cardID == "":
		return IssuedCode{}, Invalid("card_id", "card_id is required")
	case newCode == code:
		return IssuedCode{}, Invalid("new_code", "new_code is the same as the code")
	}
	if err := r.provider.ChangeCode(ctx, cardID, code, newCode); err != nil {
		return IssuedCode{}, fmt.Errorf("change code %s: %w", code, err)
	}
	err := r.codes.ChangeCode(ctx, cardID, code, newCode)
	switch {
	case errors.Is(err, ErrNotFound):
		// Not recorded here yet (the user's decrypt has not reached us). The
		// provider re-keys only a code that is still usable, so it is issued.
		return IssuedCode{CardID: cardID, Code: newCode, Status: CodeIssued}, nil
	case err != nil:
		return IssuedCode{}, fmt.Errorf("record code change %s: %w", code, err)
	}
	rec, err := r.codes.GetCode(ctx, cardID, newCode)
	if err != nil {
		return IssuedCode{}, fmt.Errorf("record code change %s: %w", code, err)
	}
	return rec, nil
}

// CardCodes lists a card's recorded codes.
func (r *Redemption) CardCodes(ctx context.Context, cardID string, status CodeStatus, offset, count int) ([]IssuedCode, int64, error) {
	if status != "" && !status.Valid() {
		return nil, 0, Invalid("status", "unknown status %q", status)
	}
	if err := checkPage(offset, count); err != nil {
		return nil, 0, err
	}
	codes, total, err := r.codes.ListCodesByCard(ctx, cardID, status, offset, count)
	if err != nil {
		return nil, 0, fmt.Errorf("list codes of %s: %w", cardID, err)
	}
	return codes, total, nil
}

// lease takes the per-code lease; a busy lease is a conflict. A cache that
// fails does not block redemption: the provider still consumes a code once.
func (r *Redemption) lease(ctx context.Context, key string) (func(), error) {
	if r.locks == nil {
		return func() {}, nil
	}
	unlock, ok, err := r.locks.TryLock(ctx, key, 30*time.Second)
	if err != nil {
		r.log.WarnContext(ctx, "consumption lease unavailable; relying on WeChat", "err", err)
		return func() {}, nil
	}
	if !ok {
		return nil, Errorf(KindConflict, "this code is being consumed by another request")
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = unlock(uctx)
	}, nil
}

func checkCode(field, code string) error {
	if code == "" {
		return Invalid(field, "%s is required", field)
	}
	if len(code) > 64 {
		return Invalid(field, "%s is at most 64 characters", field)
	}
	return nil
}
