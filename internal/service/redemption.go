package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Redemption looks up, consumes (核销) and manages issued codes for merchants.
type Redemption struct {
	codes    CodeStore
	provider CodeProvider
	locks    Locker
	outbox   *consumeOutbox
	log      *slog.Logger
	now      func() time.Time
	// depth is what the last drain found in the outbox (OutboxDepth).
	depth struct{ intents, confirmed atomic.Int64 }
}

// OutboxDepth is what the last drain of the consumption outbox found:
// intents (consumes in flight or never finished) and confirmed consumptions
// still waiting for the store. For the metrics; a drain runs every few seconds.
func (r *Redemption) OutboxDepth() (intents, confirmed int64) {
	return r.depth.intents.Load(), r.depth.confirmed.Load()
}

// consumeWriteTimeout bounds the local write after WeChat consumed a code: the
// clerk is answered (consumed, pending) rather than kept waiting on a store
// that does not answer.
const consumeWriteTimeout = 5 * time.Second

// NewRedemption wires redemption. locks may be nil (the provider alone then
// guarantees that a code is consumed once). pending is where consumptions the
// store could not take wait for it, shared by the replicas (see
// consume_outbox.go); nil keeps them in this process (a single instance).
func NewRedemption(codes CodeStore, provider CodeProvider, locks Locker, pending SharedHash, log *slog.Logger, now func() time.Time) *Redemption {
	if now == nil {
		now = time.Now
	}
	return &Redemption{codes: codes, provider: provider, locks: locks, outbox: newConsumeOutbox(pending, log), log: log, now: now}
}

// CodeView is a code as the provider reports it, with the local record if any.
type CodeView struct {
	Code    string
	Holding Holding
	Record  *IssuedCode
}

// LookUp asks the provider about a code and adds what the service recorded.
// A code the provider reports consumed whose record says otherwise is
// repaired here (a consumption whose local write failed).
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
	if h.Status == CodeConsumed && (view.Record == nil || view.Record.Status != CodeConsumed) {
		if fixed, ok := r.repair(ctx, h, code, view.Record != nil); ok {
			view.Record = &fixed
		}
	}
	return view, nil
}

// repair records a consumption the provider reports: the pending one of this
// service when the outbox has it, else (recorded codes only) now.
func (r *Redemption) repair(ctx context.Context, h Holding, code string, recorded bool) (IssuedCode, bool) {
	e, pending := r.outbox.get(ctx, h.CardID, code)
	if !pending && !recorded {
		return IssuedCode{}, false
	}
	if !pending {
		e = consumeEntry{CardID: h.CardID, Code: code, At: r.now().UnixMilli()}
	}
	if e.OpenID == "" {
		e.OpenID = h.OpenID
	}
	rec, err := r.record(ctx, e)
	if err != nil {
		r.log.WarnContext(ctx, "could not record an earlier consumption", "card_id", h.CardID, "err", err)
		return IssuedCode{}, false
	}
	if pending {
		r.outbox.remove(ctx, h.CardID, code)
	}
	return rec, true
}

// Consumption is the answer to a consume: the code's record, and whether its
// local write is still pending (WeChat consumed it; the outbox records it).
type Consumption struct {
	Code    IssuedCode
	Pending bool
}

// Consume redeems a code. A code is consumed at most once: concurrent attempts
// across replicas are serialised by a lease, and the provider refuses a second
// consumption (conflict). Once the provider has consumed the code the answer
// is consumed, even when the local write fails (the outbox records it), and a
// retry of this service's own consumption is answered consumed, not conflict.
func (r *Redemption) Consume(ctx context.Context, cardID, code string) (Consumption, error) {
	if err := checkCode("code", code); err != nil {
		return Consumption{}, err
	}
	if cardID == "" {
		return Consumption{}, Invalid("card_id", "card_id is required")
	}
	unlock, held, err := r.lease(ctx, "consume:"+cardID+":"+code)
	if err != nil {
		return Consumption{}, err
	}
	defer unlock()

	// Under the lease, an entry in the outbox is an earlier attempt of ours.
	var prior *consumeEntry
	if held {
		if e, ok := r.outbox.get(ctx, cardID, code); ok {
			prior = &e
		} else {
			r.outbox.put(ctx, consumeEntry{CardID: cardID, Code: code, At: r.now().UnixMilli()})
		}
	}
	h, err := r.provider.ConsumeCode(ctx, cardID, code)
	if err != nil {
		if KindOf(err) == KindConflict {
			if prior != nil {
				if c, ok := r.ownConsumption(ctx, *prior); ok {
					return c, nil
				}
			}
			r.syncConsumed(ctx, cardID, code)
		}
		if held && prior == nil && !ambiguous(err) {
			r.outbox.remove(ctx, cardID, code) // WeChat refused: nothing happened
		}
		return Consumption{}, fmt.Errorf("consume %s: %w", code, err)
	}
	return r.settle(ctx, consumeEntry{CardID: cardID, Code: code, OpenID: h.OpenID, At: r.now().UnixMilli(), Confirmed: true}), nil
}

// ownConsumption answers a retry of an earlier attempt of ours that WeChat
// now reports consumed, while its record is still pending. Once the record
// says consumed, the consumption has been answered and recorded: a further
// consume is a conflict like any other, and the entry (left in another
// replica's memory, say) is stale.
func (r *Redemption) ownConsumption(ctx context.Context, prior consumeEntry) (Consumption, bool) {
	rctx, cancel := context.WithTimeout(ctx, consumeWriteTimeout)
	rec, err := r.codes.GetCode(rctx, prior.CardID, prior.Code)
	cancel()
	if err == nil && rec.Status == CodeConsumed {
		r.outbox.remove(ctx, prior.CardID, prior.Code)
		return Consumption{}, false
	}
	h, err := r.provider.CodeHolder(ctx, prior.CardID, prior.Code)
	if err != nil || h.Status != CodeConsumed {
		return Consumption{}, false
	}
	if !prior.Confirmed {
		prior.At = r.now().UnixMilli()
	}
	if prior.OpenID == "" {
		prior.OpenID = h.OpenID
	}
	prior.Confirmed = true
	return r.settle(ctx, prior), true
}

// settle records a consumption WeChat confirmed; when the store cannot take
// it now, the outbox keeps it and the answer says consumed, pending.
func (r *Redemption) settle(ctx context.Context, e consumeEntry) Consumption {
	rec, err := r.record(ctx, e)
	if err != nil {
		r.outbox.put(context.WithoutCancel(ctx), e)
		r.log.WarnContext(ctx, "code consumed at WeChat, local record pending (outbox)",
			"card_id", e.CardID, "err", err)
		at := e.at()
		return Consumption{Code: IssuedCode{CardID: e.CardID, Code: e.Code, OpenID: e.OpenID, Status: CodeConsumed, ConsumedAt: &at},
			Pending: true}
	}
	r.outbox.remove(context.WithoutCancel(ctx), e.CardID, e.Code)
	r.log.InfoContext(ctx, "code consumed", "card_id", e.CardID, "openid", rec.OpenID)
	return Consumption{Code: rec}
}

// record writes a consumption to the store, within consumeWriteTimeout even
// when the caller has gone.
func (r *Redemption) record(ctx context.Context, e consumeEntry) (IssuedCode, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), consumeWriteTimeout)
	defer cancel()
	at := e.at()
	rec, err := r.codes.SetCodeStatus(ctx, e.CardID, e.Code, CodeConsumed, at)
	if errors.Is(err, ErrNotFound) { // consumed before the user's decrypt reached us
		rec, _, err = r.codes.RecordCode(ctx, IssuedCode{CardID: e.CardID, Code: e.Code, OpenID: e.OpenID,
			Status: CodeConsumed, ReceivedAt: at, ConsumedAt: &at})
	}
	if err != nil {
		return IssuedCode{}, fmt.Errorf("record consumption of %s: %w", e.Code, err)
	}
	return rec, nil
}

// ambiguous reports whether a failed provider call may still have happened
// there (a timeout, an unreadable answer) rather than being refused.
func ambiguous(err error) bool {
	var se *Error
	if !errors.As(err, &se) {
		return true
	}
	switch se.Kind {
	case KindUpstreamUnavailable, KindInternal:
		return true
	case KindUpstream:
		_, refused := se.Details["wechat_errcode"]
		return !refused
	}
	return false
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

// RunOutbox records pending consumptions (see consume_outbox.go) at start and
// every interval until ctx ends.
func (r *Redemption) RunOutbox(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.FlushOutbox(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// FlushOutbox writes every confirmed pending consumption the store takes now
// and settles intents old enough to be abandoned: consumed at WeChat →
// recorded; not consumed → forgotten.
func (r *Redemption) FlushOutbox(ctx context.Context) {
	now := r.now()
	entries := r.outbox.all(ctx)
	var intents, confirmed int64
	for _, e := range entries {
		if e.Confirmed {
			confirmed++
		} else {
			intents++
		}
	}
	r.depth.intents.Store(intents)
	r.depth.confirmed.Store(confirmed)
	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}
		if !e.Confirmed {
			if now.Sub(e.at()) < intentGrace {
				continue
			}
			h, err := r.provider.CodeHolder(ctx, e.CardID, e.Code)
			switch {
			case err == nil && h.Status == CodeConsumed:
				e.OpenID, e.Confirmed = h.OpenID, true
			case err == nil || KindOf(err) == KindNotFound || now.Sub(e.at()) > intentGiveUp:
				r.outbox.remove(ctx, e.CardID, e.Code)
				continue
			default:
				continue
			}
		}
		if _, err := r.record(ctx, e); err != nil {
			r.log.WarnContext(ctx, "pending consumption not recorded yet", "card_id", e.CardID, "err", err)
			continue
		}
		r.outbox.remove(ctx, e.CardID, e.Code)
		r.log.InfoContext(ctx, "pending consumption recorded", "card_id", e.CardID, "openid", e.OpenID)
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

// CardCodes lists a page of a card's recorded codes, their number (only
// without a cursor: counting reads every matching entry) and the cursor of the
// page's last code when more follow.
func (r *Redemption) CardCodes(ctx context.Context, cardID string, status CodeStatus, p Page) ([]IssuedCode, int64, *Cursor, error) {
	if status != "" && !status.Valid() {
		return nil, 0, nil, Invalid("status", "unknown status %q", status)
	}
	if err := checkListPage(p); err != nil {
		return nil, 0, nil, err
	}
	codes, total, next, err := r.codes.ListCodesByCard(ctx, cardID, status, p)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("list codes of %s: %w", cardID, err)
	}
	return codes, total, next, nil
}

// lease takes the per-code lease; a busy lease is a conflict. A cache that
// fails does not block redemption: the provider still consumes a code once
// (held is false then).
func (r *Redemption) lease(ctx context.Context, key string) (unlock func(), held bool, err error) {
	if r.locks == nil {
		return func() {}, false, nil
	}
	release, ok, err := r.locks.TryLock(ctx, key, 30*time.Second)
	if err != nil {
		r.log.WarnContext(ctx, "consumption lease unavailable; relying on WeChat", "err", err)
		return func() {}, false, nil
	}
	if !ok {
		return nil, false, Errorf(KindConflict, "this code is being consumed by another request")
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = release(uctx)
	}, true, nil
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
