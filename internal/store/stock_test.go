package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// Received codes are counted off the local stock in batches: these tests look
// from a second Store on the same database, as another replica would.

func TestStockCountedForOtherReplicas(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]func(t *testing.T) store.Config{
		"mysql":  func(t *testing.T) store.Config { return store.Config{MySQLDSN: testenv.MySQLDSN(t)} },
		"sqlite": func(t *testing.T) store.Config { return store.Config{SQLitePath: filepath.Join(t.TempDir(), "c.db")} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := cfg(t)
			writer := openMigrated(t, c)
			reader := openMigrated(t, c)
			ctx := context.Background()
			mustUpsert(t, writer, card("pLedger", func(c *service.Card) { c.Quantity = 100 }))
			recordNew(t, writer, "pLedger", 5)

			// The background flush reaches the database without any read here.
			deadline := time.Now().Add(10 * time.Second)
			for mustGetCard(t, reader, "pLedger").Quantity != 95 {
				if time.Now().After(deadline) {
					t.Fatalf("another replica reads stock %d; want 95 after the flush", mustGetCard(t, reader, "pLedger").Quantity)
				}
				time.Sleep(20 * time.Millisecond)
			}

			// Close flushes what is still pending.
			recordNew(t, writer, "pLedger", 3)
			if err := writer.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if got := mustGetCard(t, reader, "pLedger").Quantity; got != 92 {
				t.Errorf("stock after the writer closed = %d, want 92", got)
			}
			if _, err := writer.GetCard(ctx, "pLedger"); err == nil {
				t.Error("GetCard on a closed store succeeded")
			}
		})
	}
}

func TestStockSettledBeforeUpsert(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)})
	mustUpsert(t, s, card("pSync", func(c *service.Card) { c.Quantity = 50 }))
	recordNew(t, s, "pSync", 4)
	// A sync writes WeChat's figure, which already counts those 4 codes.
	mustUpsert(t, s, card("pSync", func(c *service.Card) { c.Quantity = 46 }))
	time.Sleep(3 * 100 * time.Millisecond) // several flush periods
	if got := mustGetCard(t, s, "pSync").Quantity; got != 46 {
		t.Errorf("stock = %d, want 46: codes received before the write were counted against it", got)
	}
}

func recordNew(t *testing.T, s *store.Store, cardID string, n int) {
	t.Helper()
	for i := range n {
		_, created, err := s.RecordCode(context.Background(), service.IssuedCode{CardID: cardID,
			Code: fmt.Sprintf("%s-%d-%d", cardID, time.Now().UnixNano(), i), OpenID: "oLedger"})
		if err != nil || !created {
			t.Fatalf("RecordCode = created %v, %v", created, err)
		}
	}
}
