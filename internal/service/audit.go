package service

import (
	"context"
	"fmt"
	"log/slog"
)

// Audit keeps the trail of admin writes.
type Audit struct {
	store AuditStore
	log   *slog.Logger
}

// NewAudit wires the audit trail.
func NewAudit(store AuditStore, log *slog.Logger) *Audit { return &Audit{store: store, log: log} }

// Record appends an entry. A failure to record is logged, not returned: the
// write it describes has already happened and must still be answered.
func (a *Audit) Record(ctx context.Context, e AuditEntry) {
	if err := a.store.AppendAudit(ctx, e); err != nil {
		a.log.ErrorContext(ctx, "audit entry lost", "action", e.Action, "actor", e.Actor, "target", e.Target,
			"result", e.Result, "err", err)
	}
}

// List returns a page of entries, newest first, and the cursor of the page's
// last entry when more follow.
func (a *Audit) List(ctx context.Context, p Page) ([]AuditEntry, *Cursor, error) {
	if err := checkListPage(p); err != nil {
		return nil, nil, err
	}
	entries, next, err := a.store.ListAudit(ctx, p)
	if err != nil {
		return nil, nil, fmt.Errorf("list audit: %w", err)
	}
	return entries, next, nil
}

// MaxPageCount is the largest page a listing returns.
const MaxPageCount = 100

// checkPage checks a listing's paging: offset ≥ 0, count 0 (the default page
// size) to MaxPageCount.
func checkPage(offset, count int) error {
	if offset < 0 {
		return Invalid("offset", "offset must be ≥ 0")
	}
	if count < 0 || count > MaxPageCount {
		return Invalid("count", "count must be 0 (the default page size) to %d", MaxPageCount)
	}
	return nil
}
