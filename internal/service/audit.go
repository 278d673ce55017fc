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

// List returns a page of entries, newest first.
func (a *Audit) List(ctx context.Context, offset, count int) ([]AuditEntry, error) {
	if offset < 0 {
		return nil, Invalid("offset", "offset must be ≥ 0")
	}
	if count < 0 || count > 100 {
		return nil, Invalid("count", "count must be 1 to 100")
	}
	entries, err := a.store.ListAudit(ctx, offset, count)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return entries, nil
}
