package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// stockConfigs are the databases the stock tests run on; each call makes a
// fresh database that several Stores (replicas) can open.
var stockConfigs = map[string]func(t *testing.T) store.Config{
	"mysql":  func(t *testing.T) store.Config { return store.Config{MySQLDSN: testenv.MySQLDSN(t)} },
	"sqlite": func(t *testing.T) store.Config { return store.Config{SQLitePath: filepath.Join(t.TempDir(), "c.db")} },
}

// The case: WeChat's stock is 9 after a user received one code of 10.
// Replica B recorded that code; replica A syncs WeChat's 9; B's count reaches
// the database after the sync. The stock is WeChat's 9, on both replicas.
func TestStockAfterAnotherReplicaSyncs(t *testing.T) {
	t.Parallel()
	for name, cfg := range stockConfigs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := cfg(t)
			a, b := openMigrated(t, c), openMigrated(t, c)
			mustUpsert(t, a, card("pCross", func(c *service.Card) { c.Quantity = 10 }))
			recordNew(t, b, "pCross", 1)
			mustUpsert(t, a, card("pCross", func(c *service.Card) { c.Quantity = 9 }))
			if err := b.Close(); err != nil { // B writes its pending count on the way out
				t.Fatal(err)
			}
			if got := stockOf(t, a, "pCross"); got != 9 {
				t.Fatalf("stock after A synced 9 and B's earlier count landed = %d, want WeChat's 9", got)
			}

			// Codes received after the sync count against its figure, on
			// any replica.
			c2 := openMigrated(t, c)
			recordNew(t, c2, "pCross", 2)
			recordNew(t, a, "pCross", 1)
			if err := store.FlushStock(context.Background(), c2); err != nil {
				t.Fatal(err)
			}
			for i, s := range []*store.Store{a, c2} {
				if got := stockOf(t, s, "pCross"); got != 6 {
					t.Errorf("replica %d: stock after 3 more codes = %d, want 6", i, got)
				}
			}
		})
	}
}

// Receipts, flushes, syncs and reads run at once on two replicas of one
// database, round after round. During a round every read is a sane figure;
// at its end, after a sync of WeChat's figure, both replicas read exactly
// that figure whatever was pending, and receipts after it count exactly
// once, with reads in between never going up nor below what was received.
func TestStockInterleavings(t *testing.T) {
	t.Parallel()
	for name, cfg := range stockConfigs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := cfg(t)
			r := &stockRig{t: t, replicas: []*store.Store{openMigrated(t, c), openMigrated(t, c)}}
			r.wechat.Store(1_000_000)
			r.sync(0)
			for round := range 4 {
				r.round = round
				r.concurrentRound()
				r.settleAndCheck()
				r.receiptsOnlyAndCheck()
			}
		})
	}
}

// stockRig plays WeChat (its stock figure) and drives the replicas.
type stockRig struct {
	t        *testing.T
	replicas []*store.Store
	wechat   atomic.Int64 // WeChat's stock: down by one on each receipt
	codes    atomic.Int64 // for unique codes
	round    int
}

const rigCard = "pRig"

func (r *stockRig) rigCard(quantity int64) service.Card {
	return card(rigCard, func(c *service.Card) { c.Quantity, c.TotalQuantity = quantity, 1_000_000 })
}

// receive is a user receiving a code at WeChat, then the replica recording it.
func (r *stockRig) receive(replica int) {
	r.wechat.Add(-1)
	code := fmt.Sprintf("r%d-%d", r.round, r.codes.Add(1))
	if _, created, err := r.replicas[replica].RecordCode(context.Background(),
		service.IssuedCode{CardID: rigCard, Code: code, OpenID: "oRig"}); err != nil || !created {
		r.t.Errorf("RecordCode(%s) = created %v, %v", code, created, err)
	}
}

// sync writes WeChat's figure through a replica, as card get and sync do.
func (r *stockRig) sync(replica int) {
	if err := r.replicas[replica].UpsertCard(context.Background(), r.rigCard(r.wechat.Load())); err != nil {
		r.t.Errorf("UpsertCard: %v", err)
	}
}

func (r *stockRig) flush(replica int) {
	if err := store.FlushStock(context.Background(), r.replicas[replica]); err != nil {
		r.t.Errorf("FlushStock: %v", err)
	}
}

// read reads the stock through one of the three reads that compute it.
func (r *stockRig) read(replica, how int) int64 {
	ctx := context.Background()
	s := r.replicas[replica]
	switch how % 3 {
	case 0:
		c, err := s.GetCard(ctx, rigCard)
		if err != nil {
			r.t.Errorf("GetCard: %v", err)
		}
		return c.Quantity
	case 1:
		cards, _, _, err := s.ListCards(ctx, service.CardFilter{})
		if err != nil || len(cards) != 1 {
			r.t.Errorf("ListCards = %d cards, %v", len(cards), err)
			return 0
		}
		return cards[0].Quantity
	default:
		cards, err := s.ListIssuableCards(ctx, base)
		if err != nil || len(cards) != 1 {
			r.t.Errorf("ListIssuableCards = %d cards, %v", len(cards), err)
			return 0
		}
		return cards[0].Quantity
	}
}

// concurrentRound runs receipts, syncs, flushes and reads on both replicas
// at once.
func (r *stockRig) concurrentRound() {
	const receivers, perReceiver, syncs = 4, 15, 8
	var work, background sync.WaitGroup
	done := make(chan struct{})
	for i := range receivers {
		work.Add(1)
		go func() {
			defer work.Done()
			for range perReceiver {
				r.receive(i % 2)
			}
		}()
	}
	work.Add(1)
	go func() {
		defer work.Done()
		for i := range syncs {
			r.sync(i % 2)
		}
	}()
	for i := range 2 {
		background.Add(2)
		go func() { // flushes beside the background flush
			defer background.Done()
			for {
				select {
				case <-done:
					return
				default:
					r.flush(i)
					time.Sleep(time.Millisecond) // pace, so the receipts get the database too
				}
			}
		}()
		go func() {
			defer background.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
					time.Sleep(time.Millisecond / 2) // pace, so the receipts get the database too
				}
				if q := r.read(i, n); q < 0 || q > 1_000_000 {
					r.t.Errorf("round %d: replica %d read stock %d mid-round", r.round, i, q)
				}
			}
		}()
	}
	work.Wait()
	close(done)
	background.Wait()
}

// settleAndCheck syncs WeChat's figure once nothing runs, then flushes both
// replicas: counts still pending from before the sync must not touch it.
func (r *stockRig) settleAndCheck() {
	r.t.Helper()
	want := r.wechat.Load()
	r.sync(r.round % 2)
	r.flush(0)
	r.flush(1)
	for i := range r.replicas {
		if got := r.read(i, r.round); got != want {
			r.t.Fatalf("round %d: replica %d reads %d after a sync of WeChat's %d and the flushes, want %d", r.round, i, got, want, want)
		}
	}
}

// receiptsOnlyAndCheck records codes on both replicas with flushes and reads
// running, no sync: every read is between the figure less the receipts begun
// and the figure, never above an earlier read of the same reader; at the end
// each receipt counts exactly once.
func (r *stockRig) receiptsOnlyAndCheck() {
	r.t.Helper()
	const receivers, perReceiver = 4, 10
	figure := r.wechat.Load()
	var begun atomic.Int64
	var work, background sync.WaitGroup
	done := make(chan struct{})
	for i := range receivers {
		work.Add(1)
		go func() {
			defer work.Done()
			for range perReceiver {
				begun.Add(1)
				r.receive(i % 2)
			}
		}()
	}
	for i := range 2 {
		background.Add(2)
		go func() {
			defer background.Done()
			for {
				select {
				case <-done:
					return
				default:
					r.flush(i)
					time.Sleep(time.Millisecond) // pace, so the receipts get the database too
				}
			}
		}()
		go func() {
			defer background.Done()
			last := figure
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
					time.Sleep(time.Millisecond / 2) // pace, so the receipts get the database too
				}
				q := r.read(i, n)
				if low := figure - begun.Load(); q < low || q > last {
					r.t.Errorf("round %d: replica %d read %d; want between %d (all receipts begun counted) and %d (its previous read)",
						r.round, i, q, low, last)
				}
				last = min(last, q)
			}
		}()
	}
	work.Wait()
	close(done)
	background.Wait()
	r.flush(0)
	r.flush(1)
	want := figure - receivers*perReceiver
	for i := range r.replicas {
		if got := r.read(i, r.round+1); got != want {
			r.t.Fatalf("round %d: replica %d reads %d after %d receipts on %d, want %d", r.round, i, got, receivers*perReceiver, figure, want)
		}
	}
}
