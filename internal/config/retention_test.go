package config_test

import (
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/config"
)

func TestRetention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		want     config.Retention
		wrongVar string
	}{
		{"defaults", nil, config.Retention{DedupeDays: 30, AuditDays: 400, Batch: 1000, Interval: time.Hour}, ""},
		{"keep forever", map[string]string{"RETENTION_DEDUPE_DAYS": "0", "RETENTION_AUDIT_DAYS": "0"},
			config.Retention{Batch: 1000, Interval: time.Hour}, ""},
		{"set", map[string]string{"RETENTION_DEDUPE_DAYS": "7", "RETENTION_AUDIT_DAYS": "90", "RETENTION_BATCH": "500", "RETENTION_INTERVAL": "10m"},
			config.Retention{DedupeDays: 7, AuditDays: 90, Batch: 500, Interval: 10 * time.Minute}, ""},
		{"dedupe under the idempotency window", map[string]string{"RETENTION_DEDUPE_DAYS": "1"}, config.Retention{}, "RETENTION_DEDUPE_DAYS"},
		{"dedupe negative", map[string]string{"RETENTION_DEDUPE_DAYS": "-1"}, config.Retention{}, "RETENTION_DEDUPE_DAYS"},
		{"audit not a number", map[string]string{"RETENTION_AUDIT_DAYS": "a year"}, config.Retention{}, "RETENTION_AUDIT_DAYS"},
		{"batch zero", map[string]string{"RETENTION_BATCH": "0"}, config.Retention{}, "RETENTION_BATCH"},
		{"interval too short", map[string]string{"RETENTION_INTERVAL": "5s"}, config.Retention{}, "RETENTION_INTERVAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ok := loadExpecting(t, tt.env, tt.wrongVar)
			if !ok {
				return
			}
			if c.Retention != tt.want {
				t.Errorf("Retention = %+v, want %+v", c.Retention, tt.want)
			}
		})
	}
}
