package main

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/wxcoupon/coupon/internal/service"
)

// WeChat Pay redeems a 商家券 coupon but the local write fails for real (the
// coupon's row is locked by another connection, so the UPDATE times out): the
// clerk is told the truth, 200 consumed with recorded false; once the row is
// free the record becomes consumed without anyone asking (the outbox, drained
// by the replicas), and a further consume is 409 with one use at WeChat Pay.
func TestCouponConsumeRecordedWhenTheStoreIsBack(t *testing.T) {
	t.Parallel()
	wx := emulator(t)
	env := merchantEnv(t, wx)
	mchID := payEnv(t, wx, env)
	dsn := env["MYSQL_DSN"]
	// The server's sessions wait at most 1 s for a row lock: the write fails
	// instead of hanging.
	env["MYSQL_DSN"] = dsn + "&innodb_lock_wait_timeout=1"
	m := &payMerchant{merchant: &merchant{server: startServer(t, env),
		admin: mintToken(t, prodAdminUser, service.RoleAdmin)}, wx: wx, mchID: mchID}
	m.clerk = m.addClerk(t)
	env2 := map[string]string{}
	for k, v := range env {
		env2[k] = v
	}
	startServer(t, env2) // a second replica drains the shared outbox too
	stock, _ := m.createStock(t, stockBody("NORMAL"))
	_, code := m.issueCoupon(t, "o-locked", stock)

	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	if _, err := tx.ExecContext(ctx, "SELECT status FROM coupons WHERE stock_id = ? AND coupon_code = ? FOR UPDATE", stock, code); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		t.Helper()
		var s string
		if err := db.QueryRowContext(ctx, "SELECT status FROM coupons WHERE stock_id = ? AND coupon_code = ?", stock, code).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	r := consumeCoupon(t, m.base, m.clerk, stock, code)
	mustStatus(t, r, 200)
	var got struct {
		Status   string `json:"status"`
		Recorded bool   `json:"recorded"`
	}
	r.decode(t, &got)
	if got.Status != "consumed" || got.Recorded {
		t.Fatalf("consume with the row locked = %s, want consumed, recorded false", r.body)
	}
	if s := status(); s != "issued" {
		t.Fatalf("record while locked = %s, want issued (the write failed)", s)
	}

	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for status() != "consumed" {
		if time.Now().After(deadline) {
			t.Fatalf("record after the row was freed = %s, want consumed within 20 s", status())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := consumeCoupon(t, m.base, m.clerk, stock, code); r.status != 409 {
		t.Errorf("second consume = %d %s, want 409", r.status, r.body)
	}
	if n := m.payCalls(t, "v3/marketing/busifavor/coupons/use"); n != 1 {
		t.Errorf("coupons/use calls = %d, want 1", n)
	}
}
