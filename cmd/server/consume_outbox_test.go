package main

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/wxcoupon/coupon/internal/service"
)

// consumedJSON is the answer to a consume.
type consumedJSON struct {
	codeJSON
	RecordPending bool `json:"record_pending"`
}

// WeChat consumes a code but the local write fails for real (issued_codes is
// locked by another connection, so the write times out): the clerk is told
// the truth, 200 consumed with the record pending, on this replica and on a
// retry through another one; once the table is free the record becomes
// consumed without anyone asking, and a further consume is 409 with nothing
// counted twice.
func TestConsumeRecordedWhenTheStoreIsBack(t *testing.T) {
	t.Parallel()
	env := merchantEnv(t, emulator(t))
	dsn := env["MYSQL_DSN"]
	// The server's sessions wait at most 1 s for a table lock (MariaDB's
	// default is a year): the write fails instead of hanging.
	env["MYSQL_DSN"] = dsn + "&lock_wait_timeout=1"
	var replicas []*server
	for i := 0; i < 2; i++ {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		replicas = append(replicas, startServer(t, e))
	}
	m := &merchant{server: replicas[0], admin: mintToken(t, prodAdminUser, service.RoleAdmin)}
	m.clerk = m.addClerk(t)
	other := &merchant{server: replicas[1], admin: m.admin, clerk: m.clerk}
	card := m.createCard(t, m.admin, nil)
	user := m.userLogin(t, "oLocked")
	code := m.receive(t, user, "oLocked", card, "")

	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	locker, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { locker.Close() })
	if _, err := locker.ExecContext(ctx, "LOCK TABLES issued_codes WRITE"); err != nil {
		t.Fatal(err)
	}
	unlocked := false
	unlock := func() {
		if !unlocked {
			unlocked = true
			if _, err := locker.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(unlock)

	wantConsumed := func(r reply, what string) {
		t.Helper()
		mustStatus(t, r, 200)
		var got consumedJSON
		r.decode(t, &got)
		if got.Code != code || got.CardID != card || got.Status != "consumed" || got.ConsumedAt == nil || !got.RecordPending {
			t.Errorf("%s = %s, want %s consumed with record_pending", what, r.body, code)
		}
	}
	wantConsumed(m.consume(t, m.clerk, card, code), "consume with the table locked")
	// The clerk retries through another replica: WeChat says already consumed,
	// and the outbox shows the consumption was ours.
	wantConsumed(other.consume(t, other.clerk, card, code), "retry on another replica")
	if n := m.stats(t)["card/code/consume"]; n != 2 {
		t.Errorf("card/code/consume calls = %d, want 2", n)
	}

	unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := m.cardCodes(t, card, "")
		if p.Total == 1 && p.Codes[0].Status == "consumed" && p.Codes[0].ConsumedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("record after the table was unlocked = %+v, want consumed within 20 s", p)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantWeChatError(t, m.consume(t, m.clerk, card, code), 409, "conflict", 40099)
	if c := m.card(t, card); c.Issued != 1 || c.Consumed != 1 {
		t.Errorf("card counts issued %d, consumed %d; want 1, 1", c.Issued, c.Consumed)
	}
	if p := m.cardCodes(t, card, "?status=consumed"); p.Total != 1 {
		t.Errorf("consumed codes = %d, want 1", p.Total)
	}
	if v := m.lookUpOK(t, m.clerk, card, code); v.Status != "consumed" || v.Record == nil || v.Record.Status != "consumed" {
		t.Errorf("look-up = %+v (record %+v), want consumed at WeChat and here", v, v.Record)
	}
}
