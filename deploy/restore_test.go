package deploy

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// The restore drill of docs/operations.md: scripts/restore-drill.sh dumps a
// database holding the real schema (every migration) and some rows, restores
// it into a new database and finds every table equal; a dump that does not
// give the same rows back is reported and fails.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	dump := ""
	for _, name := range []string{"mariadb-dump", "mysqldump"} {
		if p, err := exec.LookPath(name); err == nil {
			dump = p
			break
		}
	}
	if dump == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("mariadb-dump/mysqldump is required under CI=true (bash scripts/ensure-services.sh installs mariadb-client)")
		}
		t.Skip("SKIP: no mariadb-dump or mysqldump; run `make test` to install it")
	}
	dsn := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, store.Config{MySQLDSN: dsn}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	for _, q := range []string{
		`INSERT INTO cards (card_id, card_type, title, date_info, definition, created_at, updated_at)
		 VALUES ('pCardA', 'GENERAL_COUPON', '10元代金券', '{}', '{"card":{}}', ?, ?)`,
		`INSERT INTO issued_codes (card_id, code, openid, status, received_at, updated_at)
		 VALUES ('pCardA', '100000000001', 'o-user-1', 'issued', ?, ?), ('pCardA', '100000000002', 'o-用户-2', 'consumed', ?, ?)`,
		`INSERT INTO audit_entries (at, actor, role, action, target, result) VALUES (?, 'boss', 'admin', 'card.create', 'pCardA', 'ok')`,
	} {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = now
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	run := func(t *testing.T, path, target string) (string, int) {
		t.Helper()
		t.Cleanup(func() {
			if _, err := db.Exec("DROP DATABASE IF EXISTS " + target); err != nil {
				t.Errorf("drop %s: %v", target, err)
			}
		})
		host, port, _ := strings.Cut(cfg.Addr, ":")
		cmd := exec.CommandContext(ctx, "bash", "../scripts/restore-drill.sh", cfg.DBName, target)
		cmd.Env = append(os.Environ(), "PATH="+path, "MYSQL_HOST="+host, "MYSQL_PORT="+port,
			"MYSQL_USER="+cfg.User, "MYSQL_PWD="+cfg.Passwd)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	}

	t.Run("a faithful dump passes", func(t *testing.T) {
		out, code := run(t, os.Getenv("PATH"), testenv.RandomName("coupon_test_drill_"))
		if code != 0 || !strings.Contains(out, "PASS") {
			t.Fatalf("drill exit %d, want 0 and PASS:\n%s", code, out)
		}
		for _, table := range []string{"cards", "issued_codes", "audit_entries", "goose_db_version", "coupons", "members"} {
			if !regexpLine(out, table, "ok") {
				t.Errorf("drill output has no %q line ending ok:\n%s", table, out)
			}
		}
	})

	t.Run("a dump that adds a row fails", func(t *testing.T) {
		// A dump tool that appends one audit row: the copy differs.
		dir := t.TempDir()
		wrapper := fmt.Sprintf("#!/bin/sh\n%q \"$@\" || exit $?\necho \"INSERT INTO audit_entries (at, actor, role, action, result) VALUES (NOW(3), 'x', 'admin', 'x', 'ok');\"\n", dump)
		for _, name := range []string{"mariadb-dump", "mysqldump"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(wrapper), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		out, code := run(t, dir+string(os.PathListSeparator)+os.Getenv("PATH"), testenv.RandomName("coupon_test_drill_"))
		if code != 1 || !strings.Contains(out, "FAIL") || !regexpLine(out, "audit_entries", "DIFFERENT") {
			t.Fatalf("drill exit %d, want 1 with audit_entries DIFFERENT:\n%s", code, out)
		}
	})

	t.Run("an existing target is refused", func(t *testing.T) {
		out, code := run(t, os.Getenv("PATH"), cfg.DBName)
		if code != 2 {
			t.Fatalf("drill into the source = exit %d, want 2:\n%s", code, out)
		}
	})
}

// regexpLine says whether out has a line starting with first and ending with last.
func regexpLine(out, first, last string) bool {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == first && f[len(f)-1] == last {
			return true
		}
	}
	return false
}
