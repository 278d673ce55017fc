package main

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// A misspelled or missing WECHAT_APP_ID next to production storage, or
// SANDBOX=false without it, refuses to start with one line naming the
// variables, and writes nothing into the database.
func TestStartRefusedWithoutAppID(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	_, prefix := testenv.Redis(t)
	tests := map[string]map[string]string{
		"misspelled WECHAT_APP_ID": {
			"WECHAT_APPID": "wxf00dbeef", "WECHAT_APP_SECRET_": "s", "MYSQL_DSN": dsn, "REDIS_URL": testenv.RedisURL(),
			"REDIS_KEY_PREFIX": prefix, "JWT_SECRET": testJWTSecret, "ADMIN_USERNAME": "boss", "ADMIN_PASSWORD": "boss-password",
		},
		"SANDBOX=false without WECHAT_APP_ID": {"SANDBOX": "false", "SQLITE_PATH": t.TempDir() + "/coupon.db", "JWT_SECRET": testJWTSecret},
	}
	for name, env := range tests {
		t.Run(name, func(t *testing.T) {
			env["HTTP_ADDR"] = "127.0.0.1:0"
			out := &syncBuffer{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			listened := false
			err := run(ctx, nil, func(k string) string { return env[k] }, out, func(net.Addr) { listened = true; cancel() })
			if listened || err == nil {
				t.Fatalf("run started (%v), want a refusal", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("refusal is not one line: %q", msg)
			}
			for _, v := range []string{"WECHAT_APP_ID", "SANDBOX"} {
				if !strings.Contains(msg, v) {
					t.Errorf("refusal %q does not name %s", msg, v)
				}
			}
			if strings.Contains(out.String(), "SANDBOX mode") {
				t.Errorf("printed the sandbox help:\n%s", out)
			}
		})
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("the refused start left %d tables in the production database, want none", tables)
	}
}

// SANDBOX=true runs the emulator over MySQL and Redis: the whole flow works
// with the sandbox's own merchant account.
func TestSandboxTrueOverMySQL(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.Redis(t)
	out := &syncBuffer{}
	s := startServerTo(t, map[string]string{
		"SANDBOX": "true", "MYSQL_DSN": testenv.MySQLDSN(t), "REDIS_URL": testenv.RedisURL(), "REDIS_KEY_PREFIX": prefix,
	}, out)
	if help := out.String(); !strings.Contains(help, "SANDBOX mode") || !strings.Contains(help, "Store: MySQL") {
		t.Errorf("start-up help = %s, want sandbox mode over MySQL", help)
	}
	runFlow(t, s, sandboxAdminUser, sandboxAdminPassword)
}

// A configured ADMIN_PASSWORD is never printed or logged, in sandbox mode
// (whose help shows only the sandbox's own credentials) or in production.
func TestConfiguredAdminPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const password = "my-own-Secret-pa55word"
	_, prefix := testenv.Redis(t)
	prod := productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t))
	sandbox := sandboxEnv(t)
	sandbox["ADMIN_USERNAME"] = "owner"
	prod["ADMIN_USERNAME"] = "owner"
	for name, env := range map[string]map[string]string{"sandbox": sandbox, "production": prod} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env["ADMIN_PASSWORD"], env["LOG_LEVEL"] = password, "debug"
			out := &syncBuffer{}
			s := startServerTo(t, env, out)
			s.adminLogin(t, "owner", password)
			call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": "owner", "password": password + "x"})
			if strings.Contains(out.String(), password) {
				t.Errorf("stdout carries the configured ADMIN_PASSWORD:\n%s", out)
			}
			if name == "sandbox" && !strings.Contains(out.String(), "Merchant login: owner / (the ADMIN_PASSWORD you set)") {
				t.Errorf("sandbox help does not name the configured admin:\n%s", out)
			}
		})
	}
}
