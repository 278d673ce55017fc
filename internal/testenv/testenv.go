// Package testenv gives tests real MariaDB and Redis: a fresh database or key
// namespace per test, dropped afterwards. Where a server cannot be reached the
// test is skipped with the reason, except under CI=true, where it fails.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for the admin connection
	"github.com/redis/go-redis/v9"
)

// MySQLAddr is where tests find MariaDB/MySQL; TEST_MYSQL_ADDR overrides it.
func MySQLAddr() string {
	if a := os.Getenv("TEST_MYSQL_ADDR"); a != "" {
		return a
	}
	return "root:@tcp(127.0.0.1:3306)/"
}

// RedisURL is where tests find Redis; TEST_REDIS_URL overrides it.
func RedisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true and cannot be reached: %v", what, err)
	}
	t.Skipf("SKIP: %s not reachable (%v); run `make test` to start it", what, err)
}

// RandomName returns prefix followed by 12 random hex digits.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// MySQLDSN creates an empty database for this test and returns a DSN for it
// (parseTime, utf8mb4). The database is dropped when the test ends.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	admin, err := sql.Open("mysql", MySQLAddr())
	if err != nil {
		unavailable(t, "MySQL", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		unavailable(t, "MySQL at "+MySQLAddr(), err)
	}
	name := RandomName("coupon_test_")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return fmt.Sprintf("%s%s?parseTime=true&charset=utf8mb4&loc=UTC", MySQLAddr(), name)
}

// Redis returns a client for the test Redis and a key prefix unique to this test;
// every key under the prefix is deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		unavailable(t, "Redis at "+RedisURL(), err)
	}
	prefix := RandomName("coupon-test-") + ":"
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return rdb, prefix
}
