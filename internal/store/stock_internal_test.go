package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// openWithoutFlush opens a migrated SQLite store whose background flush is
// stopped, so that only the test flushes.
func openWithoutFlush(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "c.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	close(s.stopFlush)
	<-s.flushDone
	s.stopFlush, s.flushDone = make(chan struct{}), make(chan struct{})
	close(s.flushDone)
	return s
}

func TestFailedStockFlushKeepsCounts(t *testing.T) {
	s := openWithoutFlush(t)
	for range 3 {
		s.stock.add("pA")
	}
	s.stock.add("pB")
	s.sqlDB.Close() // the database stops answering
	if err := s.flushStock(context.Background()); err == nil {
		t.Fatal("flushStock on a closed database succeeded")
	}
	got := s.stock.snapshot()
	if got["pA"] != 3 || got["pB"] != 1 || len(got) != 2 {
		t.Errorf("pending after a failed flush = %v, want pA:3 pB:1", got)
	}
}

func TestReadsCountTheLedgerWithoutWriting(t *testing.T) {
	s := openWithoutFlush(t)
	ctx := context.Background()
	card := service.Card{CardID: "pView", CardType: "GROUPON", Title: "t", Status: service.CardVerifyOK,
		Quantity: 3, TotalQuantity: 3, DateInfo: service.DateInfo{Type: service.DatePermanent}}
	if err := s.UpsertCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	record := func(code string) {
		t.Helper()
		if _, created, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pView", Code: code, OpenID: "o"}); err != nil || !created {
			t.Fatalf("RecordCode(%s) = %v, %v", code, created, err)
		}
	}
	record("c1")
	record("c2")
	got, err := s.GetCard(ctx, "pView")
	if err != nil || got.Quantity != 1 {
		t.Fatalf("GetCard quantity = %d, %v; want 1", got.Quantity, err)
	}
	var stored int64
	if err := s.db.Raw("SELECT quantity FROM cards WHERE card_id = ?", "pView").Row().Scan(&stored); err != nil || stored != 3 {
		t.Errorf("database quantity = %d, %v; want 3: a read wrote the ledger", stored, err)
	}
	record("c3")
	if issuable, err := s.ListIssuableCards(ctx, time.Now()); err != nil || len(issuable) != 0 {
		t.Errorf("ListIssuableCards = %d cards, %v; want none: all 3 were received", len(issuable), err)
	}
	if listed, _, err := s.ListCards(ctx, service.CardFilter{}); err != nil || len(listed) != 1 || listed[0].Quantity != 0 {
		t.Errorf("ListCards = %+v, %v; want the card with quantity 0", listed, err)
	}
	if err := s.flushStock(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetCard(ctx, "pView"); got.Quantity != 0 {
		t.Errorf("quantity after the flush = %d, want 0 (counted once)", got.Quantity)
	}
}

// recordCounter counts log records by message.
type recordCounter struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (c *recordCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *recordCounter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs[r.Message]++
	return nil
}
func (c *recordCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *recordCounter) WithGroup(string) slog.Handler      { return c }

func TestStockFlushOutageLoggedOnce(t *testing.T) {
	ctx := context.Background()
	logs := &recordCounter{msgs: map[string]int{}}
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "c.db")}, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	s.stock.add("pA")
	s.sqlDB.Close() // the database stops answering while a count waits
	time.Sleep(5 * stockFlushEvery)
	s.Close()
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if n := logs.msgs["stock counts not written; retrying until the database answers"]; n != 1 {
		t.Errorf("outage warnings = %d over several failed flushes, want 1 (all: %v)", n, logs.msgs)
	}
	if n := logs.msgs["sql failed"]; n != 0 {
		t.Errorf("per-statement failures logged = %d, want 0 (all: %v)", n, logs.msgs)
	}
}
