package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wxcoupon/coupon/internal/service"
)

// createWithKey is POST /admin/v1/cards with an Idempotency-Key header; safe
// from any goroutine (errors are returned, not failed).
func createWithKey(base, token, key string, body any) (reply, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequest("POST", base+"/admin/v1/cards", bytes.NewReader(raw))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func mustCreateWithKey(t *testing.T, base, token, key string, body any) string {
	t.Helper()
	r, err := createWithKey(base, token, key, body)
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, r, 200)
	var out struct {
		CardID string `json:"card_id"`
	}
	r.decode(t, &out)
	if out.CardID == "" {
		t.Fatalf("create = %s, want a card_id", r.body)
	}
	return out.CardID
}

// POST /admin/v1/cards with an Idempotency-Key: a retry, on any replica,
// answers the first card and creates nothing; another body is 409; concurrent
// requests with one key make one card; a key WeChat refused can be retried;
// one whose outcome WeChat left unknown is 409; when the catalogue write fails
// (the cards table locked) the created card_id is answered, and the retry
// completes the catalogue.
func TestCreateCardIdempotencyKey(t *testing.T) {
	t.Parallel()
	env := merchantEnv(t, emulator(t))
	dsn := env["MYSQL_DSN"]
	env["MYSQL_DSN"] = dsn + "&lock_wait_timeout=1"
	env["WECHAT_TIMEOUT"] = "1s"
	var replicas []*server
	for i := 0; i < 2; i++ {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		replicas = append(replicas, startServer(t, e))
	}
	a, b := replicas[0], replicas[1]
	m := &merchant{server: a, admin: mintToken(t, prodAdminUser, service.RoleAdmin)}
	creates := func() int { return m.stats(t)["card/create"] }
	def := cardDef(map[string]any{"title": "幂等券"})

	t.Run("retry answers the first card", func(t *testing.T) {
		first := mustCreateWithKey(t, a.base, m.admin, "order-1", def)
		n := creates()
		if again := mustCreateWithKey(t, a.base, m.admin, "order-1", def); again != first {
			t.Errorf("retry = %s, want %s", again, first)
		}
		if again := mustCreateWithKey(t, b.base, m.admin, "order-1", def); again != first {
			t.Errorf("retry on another replica = %s, want %s", again, first)
		}
		if got := creates(); got != n {
			t.Errorf("card/create calls = %d after the retries, want %d", got, n)
		}
		r, err := createWithKey(a.base, m.admin, "order-1", cardDef(map[string]any{"title": "另一张券"}))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r, 409, "conflict", "Idempotency-Key")
		if got := creates(); got != n {
			t.Errorf("card/create calls = %d after another body, want %d", got, n)
		}
	})

	t.Run("concurrent requests with one key", func(t *testing.T) {
		n := creates()
		const k = 8
		ids := make(chan string, k)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func(s *server) {
				defer wg.Done()
				<-start
				r, err := createWithKey(s.base, m.admin, "order-2", def)
				var out struct {
					CardID string `json:"card_id"`
				}
				if err != nil || r.status != 200 || json.Unmarshal(r.body, &out) != nil {
					t.Errorf("concurrent create = %d %s %v, want 200", r.status, r.body, err)
					return
				}
				ids <- out.CardID
			}(replicas[i%2])
		}
		close(start)
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Errorf("card ids answered = %v, want one", seen)
		}
		if got := creates(); got != n+1 {
			t.Errorf("card/create calls = %d, want %d (one card)", got, n+1)
		}
	})

	t.Run("bad keys", func(t *testing.T) {
		for _, key := range []string{"", strings.Repeat("k", 65), "two words", "键"} {
			r, err := createWithKey(a.base, m.admin, key, def)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, r, 400, "invalid_argument", "Idempotency-Key")
		}
		if r, _ := createWithKey(a.base, m.admin, strings.Repeat("k", 64), def); r.status != 200 {
			t.Errorf("64-character key = %d %s, want 200", r.status, r.body)
		}
	})

	t.Run("refused by WeChat, then retried", func(t *testing.T) {
		m.fault(t, map[string]any{"path": "card/create", "errcode": 45009, "times": 1})
		r, err := createWithKey(a.base, m.admin, "order-3", def)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 502 {
			t.Fatalf("create with WeChat refusing = %d %s, want 502", r.status, r.body)
		}
		mustCreateWithKey(t, a.base, m.admin, "order-3", def)
	})

	t.Run("outcome unknown", func(t *testing.T) {
		// WeChat answers after the service gave up: whether it created the
		// card is unknown to the service.
		m.fault(t, map[string]any{"path": "card/create", "delay_ms": 1500, "times": 1})
		r, err := createWithKey(a.base, m.admin, "order-4", def)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 504 {
			t.Fatalf("create with WeChat too slow = %d %s, want 504", r.status, r.body)
		}
		n := creates()
		r, err = createWithKey(b.base, m.admin, "order-4", def)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r, 409, "conflict", "Idempotency-Key")
		if got := creates(); got != n {
			t.Errorf("card/create calls = %d, want %d", got, n)
		}
	})

	t.Run("catalogue write fails", func(t *testing.T) {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		locker, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer locker.Close()
		if _, err := locker.ExecContext(ctx, "LOCK TABLES cards WRITE"); err != nil {
			t.Fatal(err)
		}
		locked := cardDef(map[string]any{"title": "锁表时创建"})
		id := mustCreateWithKey(t, a.base, m.admin, "order-5", locked)
		if _, err := locker.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
			t.Fatal(err)
		}
		for _, c := range m.cards(t, "?count=100").Cards {
			if c.CardID == id {
				t.Fatalf("card %s is in the catalogue although its table was locked", id)
			}
		}
		n := creates()
		if again := mustCreateWithKey(t, b.base, m.admin, "order-5", locked); again != id {
			t.Errorf("retry = %s, want %s", again, id)
		}
		if got := creates(); got != n {
			t.Errorf("card/create calls = %d, want %d", got, n)
		}
		found := false
		for _, c := range m.cards(t, "?count=100").Cards {
			found = found || c.CardID == id && c.Title == "锁表时创建"
		}
		if !found {
			t.Errorf("card %s not in the catalogue after the retry", id)
		}
	})
}
