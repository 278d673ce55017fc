package config

import (
	"fmt"
	"strconv"
	"time"
)

// Retention is how long the tables that only grow keep their rows
// (service.RetentionPolicy). Days 0 keep rows forever.
type Retention struct {
	DedupeDays int           // RETENTION_DEDUPE_DAYS, default 30: card events, idempotency keys, WeChat Pay notification ids
	AuditDays  int           // RETENTION_AUDIT_DAYS, default 400
	Batch      int           // RETENTION_BATCH, default 1000 rows per DELETE
	Interval   time.Duration // RETENTION_INTERVAL, default 1h
}

var retentionNames = []string{"RETENTION_DEDUPE_DAYS", "RETENTION_AUDIT_DAYS", "RETENTION_BATCH", "RETENTION_INTERVAL"}

// minDedupeDays keeps what dedupe relies on: idempotency keys live 24 hours and
// WeChat Pay retries a notification for about a day.
const minDedupeDays = 2

func loadRetention(get func(k, def string) string) (Retention, error) {
	var r Retention
	var err error
	if r.DedupeDays, err = strconv.Atoi(get("RETENTION_DEDUPE_DAYS", "30")); err != nil || r.DedupeDays < 0 ||
		(r.DedupeDays > 0 && r.DedupeDays < minDedupeDays) {
		return Retention{}, &Error{"RETENTION_DEDUPE_DAYS", fmt.Sprintf("want 0 (keep forever) or a whole number of days ≥ %d", minDedupeDays)}
	}
	if r.AuditDays, err = strconv.Atoi(get("RETENTION_AUDIT_DAYS", "400")); err != nil || r.AuditDays < 0 {
		return Retention{}, &Error{"RETENTION_AUDIT_DAYS", "want 0 (keep forever) or a whole number of days"}
	}
	if r.Batch, err = strconv.Atoi(get("RETENTION_BATCH", "1000")); err != nil || r.Batch < 1 || r.Batch > 100_000 {
		return Retention{}, &Error{"RETENTION_BATCH", "want a whole number of rows, 1 to 100000"}
	}
	if r.Interval, err = time.ParseDuration(get("RETENTION_INTERVAL", "1h")); err != nil || r.Interval < time.Minute {
		return Retention{}, &Error{"RETENTION_INTERVAL", "want a duration of at least 1m, e.g. 1h"}
	}
	return r, nil
}
