package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// `server migrate status` lists the migrations as pending before `server
// migrate` and as applied after it, and changes nothing itself.
func TestMigrateStatusCommand(t *testing.T) {
	t.Parallel()
	// SANDBOX=true: storage without WECHAT_APP_ID is otherwise refused at start.
	env := map[string]string{"MYSQL_DSN": testenv.MySQLDSN(t), "LOG_LEVEL": "error", "SANDBOX": "true"}
	getenv := func(k string) string { return env[k] }
	status := func() string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "status"}, getenv, &out, nil); err != nil {
			t.Fatalf("migrate status: %v", err)
		}
		return out.String()
	}
	row := regexp.MustCompile(`(?m)^(\d+)\s+(applied|pending)\s+(\S+)\s+(\S+\.sql)$`)

	before := status()
	rows := row.FindAllStringSubmatch(before, -1)
	if len(rows) < 4 || !strings.HasPrefix(before, "VERSION") {
		t.Fatalf("migrate status before migrating:\n%s\nwant a header and at least 4 migrations", before)
	}
	for _, r := range rows {
		if r[2] != "pending" {
			t.Errorf("before migrating: %q, want pending", r[0])
		}
	}
	if again := status(); again != before {
		t.Errorf("migrate status changed the schema: second run\n%s\nwant\n%s", again, before)
	}

	if err := run(context.Background(), []string{"migrate"}, getenv, &bytes.Buffer{}, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	after := row.FindAllStringSubmatch(status(), -1)
	if len(after) != len(rows) {
		t.Fatalf("after migrating: %d rows, want %d", len(after), len(rows))
	}
	for _, r := range after {
		if r[2] != "applied" || r[3] == "-" {
			t.Errorf("after migrating: %q, want applied with a time", r[0])
		}
	}
}
