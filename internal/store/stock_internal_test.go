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
	s.stock.add(stockKey{cardID: "pA", gen: 1}, 2)
	s.stock.add(stockKey{cardID: "pA", gen: 2}, 1)
	s.stock.add(stockKey{cardID: "pB", gen: 1}, 1)
	s.sqlDB.Close() // the database stops answering
	if err := s.flushStock(context.Background()); err == nil {
		t.Fatal("flushStock on a closed database succeeded")
	}
	got := s.stock.pending()
	if got["pA"] != 3 || got["pB"] != 1 || len(got) != 2 {
		t.Errorf("pending after a failed flush = %v, want pA:3 pB:1", got)
	}
}

// Reads show the row as it is: a receipt counts once it is written, once.
func TestReadsShowWrittenCountsOnly(t *testing.T) {
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
	quantity := func() int64 {
		t.Helper()
		got, err := s.GetCard(ctx, "pView")
		if err != nil {
			t.Fatal(err)
		}
		return got.Quantity
	}
	record("c1")
	record("c2")
	if q := quantity(); q != 3 {
		t.Errorf("quantity before the flush = %d, want 3 (nothing subtracted in process)", q)
	}
	for range 2 {
		if err := s.flushStock(ctx); err != nil {
			t.Fatal(err)
		}
		if q := quantity(); q != 1 {
			t.Errorf("quantity after the flush = %d, want 1 (counted once)", q)
		}
	}
	record("c3")
	if err := s.flushStock(ctx); err != nil {
		t.Fatal(err)
	}
	if issuable, err := s.ListIssuableCards(ctx, time.Now()); err != nil || len(issuable) != 0 {
		t.Errorf("ListIssuableCards = %d cards, %v; want none: all 3 were received", len(issuable), err)
	}
	if listed, _, _, err := s.ListCards(ctx, service.CardFilter{}); err != nil || len(listed) != 1 || listed[0].Quantity != 0 {
		t.Errorf("ListCards = %+v, %v; want the card with quantity 0", listed, err)
	}
	record("c4") // beyond the stock: still never below zero
	if err := s.flushStock(ctx); err != nil {
		t.Fatal(err)
	}
	if q := quantity(); q != 0 {
		t.Errorf("quantity after a 4th code of 3 = %d, want 0", q)
	}
}

// A count recorded before a sync and flushed after it is dropped: the
// sync's figure is WeChat's, which already counts that code.
func TestCountsFromBeforeASyncAreDropped(t *testing.T) {
	s := openWithoutFlush(t)
	ctx := context.Background()
	card := service.Card{CardID: "pGen", CardType: "GROUPON", Title: "t", Status: service.CardVerifyOK,
		Quantity: 10, TotalQuantity: 10, DateInfo: service.DateInfo{Type: service.DatePermanent}}
	if err := s.UpsertCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pGen", Code: "before", OpenID: "o"}); err != nil {
		t.Fatal(err)
	}
	card.Quantity = 9 // WeChat's figure, with "before" received
	if err := s.UpsertCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pGen", Code: "after", OpenID: "o"}); err != nil {
		t.Fatal(err)
	}
	if err := s.flushStock(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCard(ctx, "pGen"); err != nil || got.Quantity != 8 {
		t.Errorf("quantity = %d, %v; want 8: 9 from WeChat less the one code received after", got.Quantity, err)
	}
	if p := s.stock.pending(); len(p) != 0 {
		t.Errorf("pending after the flush = %v, want none (the stale count dropped, not kept)", p)
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
	s.stock.add(stockKey{cardID: "pA"}, 1)
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
