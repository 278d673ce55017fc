package store

import (
	"context"
	"sync"
	"time"
)

// stockFlushEvery is how often codes received are counted off the cards'
// local stock.
const stockFlushEvery = 100 * time.Millisecond

// stockLedger collects the codes received per card until they are counted off
// the card's local stock in one statement. The local stock only mirrors
// WeChat's, which WeChat enforces on wx.addCard and sync corrects; counting
// it off per code put every first receipt of a campaign through one row lock
// (docs/benchmarks.md). Reads through this Store settle the ledger first, and
// Close flushes it, so only a crash can lose a count (at most
// stockFlushEvery of them, until the next sync).
type stockLedger struct {
	mu      sync.Mutex
	pending map[string]int64
	// flushing is held for a whole flush, so that a read or write that settles
	// the ledger also waits for counts another flush has taken but not yet
	// written.
	flushing sync.Mutex
}

func (l *stockLedger) add(cardID string) {
	l.mu.Lock()
	if l.pending == nil {
		l.pending = make(map[string]int64)
	}
	l.pending[cardID]++
	l.mu.Unlock()
}

// take empties the ledger and returns what it held (nil when nothing).
func (l *stockLedger) take() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		return nil
	}
	m := l.pending
	l.pending = nil
	return m
}

// putBack returns counts that could not be written.
func (l *stockLedger) putBack(m map[string]int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = make(map[string]int64, len(m))
	}
	for id, n := range m {
		l.pending[id] += n
	}
}

// flushStock counts the pending received codes off their cards' stock, never
// below zero. Counts that fail stay pending for the next flush.
func (s *Store) flushStock(ctx context.Context) error {
	s.stock.flushing.Lock()
	defer s.stock.flushing.Unlock()
	m := s.stock.take()
	for id, n := range m {
		err := s.retryDeadlock(ctx, func() error {
			return s.db.WithContext(ctx).Exec(
				"UPDATE cards SET quantity = CASE WHEN quantity > ? THEN quantity - ? ELSE 0 END WHERE card_id = ?",
				n, n, id).Error
		})
		if err != nil {
			s.stock.putBack(m)
			return wrapf(err, "count %d received codes off the stock of card %s", n, id)
		}
		delete(m, id)
	}
	return nil
}

// settleStock flushes the ledger before a read of the catalogue, so that this
// process reads its own counts; a failure is logged and the read goes on.
func (s *Store) settleStock(ctx context.Context) {
	if err := s.flushStock(ctx); err != nil {
		s.log.WarnContext(ctx, "stock not settled before a read", "err", err)
	}
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
