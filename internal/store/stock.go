package store

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A card's local stock mirrors WeChat's, which WeChat itself enforces on
// wx.addCard. It is kept as two figures that are never mixed:
//
//   - cards.quantity: WeChat's figure as of the card's last sync. Only
//     UpsertCard writes it (sync, card get, stock changes, card_sku_remind:
//     whenever the provider's figure is at hand).
//   - cards.received_since_sync: codes recorded here since that sync.
//
// Available = quantity − received_since_sync, never below zero (available).
// Reads take it from the row as it is; nothing in this process is
// subtracted, so a read is never off by more than the receipts not flushed
// yet (at most stockFlushEvery old), and never counts one twice.
//
// Counting each receipt on the card's row put every first receipt of a
// campaign through one row lock (docs/benchmarks.md), so receipts are
// counted in this process and added every stockFlushEvery in one UPDATE per
// card. What makes that safe against syncs is the generation:
//
//   - Every sync writes the figure, resets received_since_sync to 0 and bumps
//     sync_gen, in one statement (UpsertCard).
//   - A receipt is counted under the sync_gen read just before its code was
//     inserted, and the flush adds it only to that generation:
//     UPDATE … SET received_since_sync = received_since_sync + n
//     WHERE card_id = ? AND sync_gen = g.
//
// The row's lock orders a flush and a sync. A flush before the sync is
// erased by the reset: the sync's figure, read from WeChat after the user
// received the code there (a receipt at WeChat comes before any record
// here), already counts it. A flush after the sync matches no row and is
// dropped, for the same reason. Only codes recorded under the new generation
// count against the new figure. That holds on one replica and across
// replicas alike. What stays uncertain is only a receipt in flight while a
// sync runs (between the sync reading WeChat's figure and writing it): it
// may be counted twice or not at all, until the next sync.
//
// A flush takes the pending counts out of the ledger before writing them and
// puts back only those whose UPDATE failed, so a count is either pending or
// written, never both; flushes run one at a time. A crash loses at most
// stockFlushEvery of receipts, until the next sync.

// stockFlushEvery is how often the counts of received codes are written.
const stockFlushEvery = 100 * time.Millisecond

// available is the stock left: WeChat's figure less the codes received since.
func (r cardRow) available() int64 {
	return max(r.QuantitySynced-r.ReceivedSinceSync, 0)
}

// stockKey is a card under one sync generation.
type stockKey struct {
	cardID string
	gen    int64
}

// stockLedger holds the codes received per card and generation that are not
// yet added to the card's row.
type stockLedger struct {
	mu     sync.Mutex
	counts map[stockKey]int64
	// flushing is held by a flush, so that when one returns every count
	// added before it began is written (or back in counts after a failure),
	// none still in the hands of another.
	flushing sync.Mutex
}

func (l *stockLedger) add(k stockKey, n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = make(map[stockKey]int64)
	}
	l.counts[k] += n
}

// take empties the ledger and returns what it held.
func (l *stockLedger) take() map[stockKey]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.counts
	l.counts = nil
	return out
}

// pending is the number of receipts not written yet, per card (for tests).
func (l *stockLedger) pending() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int64)
	for k, n := range l.counts {
		out[k.cardID] += n
	}
	return out
}

// syncGen reads the card's sync generation; known is false when the card is
// not in the catalogue (its receipts count against nothing).
func (s *Store) syncGen(ctx context.Context, cardID string) (gen int64, known bool, err error) {
	var gens []int64
	err = s.db.WithContext(ctx).Model(&cardRow{}).Where("card_id = ?", cardID).Limit(1).Pluck("sync_gen", &gens).Error
	if err != nil || len(gens) == 0 {
		return 0, false, err
	}
	return gens[0], true, nil
}

// flushStock adds the pending counts to their cards' rows, each only while the
// card is still under the generation it was counted in. Counts whose UPDATE
// failed go back to the ledger for the next flush. Failures are not traced
// statement by statement: the flush loop reports an outage once.
func (s *Store) flushStock(ctx context.Context) error {
	s.stock.flushing.Lock()
	defer s.stock.flushing.Unlock()
	pending := s.stock.take()
	quiet := s.db.Session(&gorm.Session{Logger: logger.Discard, Context: ctx})
	var firstErr error
	for k, n := range pending {
		if firstErr == nil {
			firstErr = s.retryDeadlock(ctx, func() error {
				return quiet.Exec(
					"UPDATE cards SET received_since_sync = received_since_sync + ? WHERE card_id = ? AND sync_gen = ?",
					n, k.cardID, k.gen).Error
			})
			if firstErr == nil {
				continue
			}
			firstErr = wrapf(firstErr, "count %d received codes of card %s", n, k.cardID)
		}
		s.stock.add(k, n) // not written: kept for the next flush
	}
	return firstErr
}

// flushStockLoop flushes the ledger every stockFlushEvery until stop closes.
func (s *Store) flushStockLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(stockFlushEvery)
	defer t.Stop()
	failing := false // logged once per outage, not every tick
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := s.flushStock(ctx)
			cancel()
			switch {
			case err != nil && !failing:
				s.log.Warn("stock counts not written; retrying until the database answers", "err", err)
			case err == nil && failing:
				s.log.Info("stock counts written again")
			}
			failing = err != nil
		}
	}
}
