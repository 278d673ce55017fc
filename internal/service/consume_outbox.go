package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// The consumption outbox. WeChat's card/code/consume cannot be undone, so a
// consumption WeChat confirmed is never answered as a failure and never lost
// when the local write fails:
//
//   - before calling WeChat, the consume writes an intent for the code (under
//     the per-code lease); a later attempt that finds it and gets "already
//     consumed" from WeChat knows the consumption was its own and answers
//     consumed, not 409;
//   - when WeChat consumed the code but the store write fails, the entry is
//     marked confirmed (in the shared hash, and in this process in case the
//     cache is down too) and the clerk is answered 200 consumed, pending;
//   - every replica drains the outbox every few seconds (and at start): a
//     confirmed entry is written to the store as soon as the store takes it,
//     then removed; an intent left by an attempt that never finished (a crash,
//     a WeChat timeout) is checked with WeChat after intentGrace and recorded
//     if WeChat says consumed;
//   - a look-up or consume of the code repairs its record at once.
//
// Guarantee: a consumption WeChat confirmed is recorded once the store is
// back, by any live replica while the shared hash (Redis) keeps the entry, or
// by the replica that answered while it runs; either way the next look-up of
// the code repairs it. Writes are idempotent (the first consumption time is
// kept), so a consumption is never counted twice.

// consumeOutboxKey is the shared hash of pending consumptions of cards;
// couponOutboxKey that of 商家券 coupons (coupon_outbox.go).
const (
	consumeOutboxKey = "consume-outbox"
	couponOutboxKey  = "coupon-consume-outbox"
)

// intentGrace is how old an unconfirmed intent must be before the drain asks
// WeChat about it: far longer than a consume can be in flight.
const intentGrace = 2 * time.Minute

// intentGiveUp is how long an intent WeChat cannot be asked about is kept.
const intentGiveUp = 24 * time.Hour

// consumeEntry is one pending consumption, or the intent of one.
type consumeEntry struct {
	CardID    string `json:"card_id"`
	Code      string `json:"code"`
	OpenID    string `json:"openid,omitempty"`
	At        int64  `json:"at"` // unix ms: when WeChat consumed it, or when the attempt began
	Confirmed bool   `json:"confirmed,omitempty"`
	Returns   int    `json:"returns,omitempty"` // coupons: returns before this consumption
}

func (e consumeEntry) at() time.Time { return time.UnixMilli(e.At).UTC() }

func outboxField(cardID, code string) string { return cardID + "\x00" + code }

// consumeOutbox keeps entries in the shared hash and, for confirmed
// consumptions, in this process too (the cache may be failing as well).
type consumeOutbox struct {
	shared SharedHash // nil: this process only (a single instance)
	key    string     // the shared hash
	log    *slog.Logger

	mu    sync.Mutex
	local map[string]consumeEntry
}

func newConsumeOutbox(shared SharedHash, log *slog.Logger) *consumeOutbox {
	return newOutbox(shared, consumeOutboxKey, log)
}

func newOutbox(shared SharedHash, key string, log *slog.Logger) *consumeOutbox {
	return &consumeOutbox{shared: shared, key: key, log: log, local: map[string]consumeEntry{}}
}

// get returns the entry of a code, from this process or the shared hash.
func (o *consumeOutbox) get(ctx context.Context, cardID, code string) (consumeEntry, bool) {
	f := outboxField(cardID, code)
	o.mu.Lock()
	e, ok := o.local[f]
	o.mu.Unlock()
	if ok || o.shared == nil {
		return e, ok
	}
	v, ok, err := o.shared.HGet(ctx, o.key, f)
	if err != nil {
		o.log.WarnContext(ctx, "consumption outbox unreadable", "err", err)
		return consumeEntry{}, false
	}
	if !ok || json.Unmarshal([]byte(v), &e) != nil {
		return consumeEntry{}, false
	}
	return e, true
}

// put stores e: in the shared hash when there is one, and in this process
// when e is confirmed or the shared hash cannot take it.
func (o *consumeOutbox) put(ctx context.Context, e consumeEntry) {
	f := outboxField(e.CardID, e.Code)
	local := e.Confirmed || o.shared == nil
	if o.shared != nil {
		raw, _ := json.Marshal(e)
		if err := o.shared.HSet(ctx, o.key, f, string(raw)); err != nil {
			o.log.WarnContext(ctx, "consumption outbox: shared write failed; kept in this process", "err", err)
			local = true
		}
	}
	if local {
		o.mu.Lock()
		o.local[f] = e
		o.mu.Unlock()
	}
}

// remove forgets the entry of a code everywhere.
func (o *consumeOutbox) remove(ctx context.Context, cardID, code string) {
	f := outboxField(cardID, code)
	o.mu.Lock()
	delete(o.local, f)
	o.mu.Unlock()
	if o.shared != nil {
		if err := o.shared.HDel(ctx, o.key, f); err != nil {
			o.log.WarnContext(ctx, "consumption outbox: shared delete failed", "err", err)
		}
	}
}

// all returns every entry, this process's first.
func (o *consumeOutbox) all(ctx context.Context) []consumeEntry {
	seen := map[string]bool{}
	var out []consumeEntry
	o.mu.Lock()
	for f, e := range o.local {
		seen[f] = true
		out = append(out, e)
	}
	o.mu.Unlock()
	if o.shared == nil {
		return out
	}
	m, err := o.shared.HGetAll(ctx, o.key)
	if err != nil {
		o.log.WarnContext(ctx, "consumption outbox unreadable", "err", err)
		return out
	}
	for f, v := range m {
		var e consumeEntry
		if seen[f] || json.Unmarshal([]byte(v), &e) != nil {
			continue
		}
		out = append(out, e)
	}
	return out
}
