package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// RetainedTable names a table whose old rows the retention job removes.
type RetainedTable string

// The tables with a retention rule. The first three only remember what was
// handled, to recognise a repeat (dedupe); the audit trail is kept longer.
const (
	RetainCardEvents       RetainedTable = "card_events"             // pushed card events (dedupe key; views and sessions are counted from it)
	RetainIdempotencyKeys  RetainedTable = "idempotency_keys"        // merchant writes' Idempotency-Key
	RetainPayNotifications RetainedTable = "wechatpay_notifications" // handled WeChat Pay notification ids
	RetainAudit            RetainedTable = "audit_entries"
)

// RetentionStore deletes old rows in small batches.
type RetentionStore interface {
	// PruneBatch deletes up to limit rows of table older than before, oldest
	// first, in one short statement, and reports how many it deleted. Running
	// it on several replicas at once is safe: each row goes once.
	PruneBatch(ctx context.Context, table RetainedTable, before time.Time, limit int) (int64, error)
}

// RetentionPolicy says how long rows are kept and how they are removed.
// A zero age keeps that kind of row forever.
type RetentionPolicy struct {
	Dedupe   time.Duration // card events, idempotency keys, WeChat Pay notification ids
	Audit    time.Duration
	Batch    int           // rows per DELETE
	Pause    time.Duration // between two batches, so that other writes go first
	Interval time.Duration // between two runs
}

// MinDedupeRetention is the shortest dedupe retention: an idempotency key
// lives IdempotencyTTL, and WeChat Pay retries a notification for about a day.
const MinDedupeRetention = 48 * time.Hour

// Retention prunes the tables that would otherwise grow for ever. Every
// replica runs it; a shared lease lets one replica at a time do the work, and
// the batches are idempotent, so a replica that runs without the lease (the
// cache failing) only repeats deletes.
type Retention struct {
	store  RetentionStore
	locks  Locker // nil: no lease
	policy RetentionPolicy
	log    *slog.Logger
	now    func() time.Time
}

// NewRetention returns the job; now may be nil (time.Now).
func NewRetention(store RetentionStore, locks Locker, p RetentionPolicy, log *slog.Logger, now func() time.Time) *Retention {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if p.Batch <= 0 {
		p.Batch = 1000
	}
	if p.Interval <= 0 {
		p.Interval = time.Hour
	}
	return &Retention{store: store, locks: locks, policy: p, log: log, now: now}
}

// retentionLease is the lease's key; it outlives a run that hangs.
const retentionLease = "retention:lease"

// RunOnce prunes every table with a rule until no row older than its age is
// left, a batch at a time, and returns the rows deleted per table. It does
// nothing, without error, when another replica holds the lease.
func (r *Retention) RunOnce(ctx context.Context) (map[RetainedTable]int64, error) {
	if r.locks != nil {
		unlock, ok, err := r.locks.TryLock(ctx, retentionLease, r.policy.Interval)
		switch {
		case err != nil:
			r.log.WarnContext(ctx, "retention: lease unavailable, pruning anyway", "err", err)
		case !ok:
			return nil, nil
		default:
			defer func() { _ = unlock(context.WithoutCancel(ctx)) }()
		}
	}
	now := r.now()
	deleted := map[RetainedTable]int64{}
	var errs []error
	for _, rule := range []struct {
		table RetainedTable
		age   time.Duration
	}{
		{RetainCardEvents, r.policy.Dedupe},
		{RetainIdempotencyKeys, r.policy.Dedupe},
		{RetainPayNotifications, r.policy.Dedupe},
		{RetainAudit, r.policy.Audit},
	} {
		if rule.age <= 0 {
			continue
		}
		n, err := r.prune(ctx, rule.table, now.Add(-rule.age))
		deleted[rule.table] = n
		if err != nil {
			errs = append(errs, fmt.Errorf("prune %s: %w", rule.table, err))
		}
	}
	return deleted, errors.Join(errs...)
}

func (r *Retention) prune(ctx context.Context, table RetainedTable, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := r.store.PruneBatch(ctx, table, before, r.policy.Batch)
		total += n
		if err != nil || n < int64(r.policy.Batch) {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(r.policy.Pause):
		}
	}
}

// Run calls RunOnce at start and then every Interval until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	t := time.NewTicker(r.policy.Interval)
	defer t.Stop()
	for {
		deleted, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "retention: pruning failed", "err", err)
		}
		for table, n := range deleted {
			if n > 0 {
				r.log.InfoContext(ctx, "retention: old rows deleted", "table", string(table), "rows", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
