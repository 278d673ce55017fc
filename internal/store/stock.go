package store

import (
	"context"
	"maps"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/wxcoupon/coupon/internal/service"
)

// stockFlushEvery is how often codes received are counted off the cards'
// local stock in the database.
const stockFlushEvery = 100 * time.Millisecond

// stockLedger holds the codes received per card that are not yet counted off
// the card's stock in the database. The local stock only mirrors WeChat's,
// which WeChat enforces on wx.addCard and sync corrects; counting it off per
// code put every first receipt of a campaign through one row lock
// (docs/benchmarks.md). This Store's reads subtract what the ledger holds, a
// flush writes it every stockFlushEvery and on Close, so only a crash loses
// counts (at most stockFlushEvery of them, until the next sync).
type stockLedger struct {
	mu     sync.Mutex
	counts map[string]int64
	// writing is held by a flush and by a write of a card's whole row, so
	// that counts are never written twice nor after the row that replaced
	// them.
	writing sync.Mutex
}

func (l *stockLedger) add(cardID string) {
	l.mu.Lock()
	if l.counts == nil {
		l.counts = make(map[string]int64)
	}
	l.counts[cardID]++
	l.mu.Unlock()
}

func (l *stockLedger) count(cardID string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[cardID]
}

func (l *stockLedger) snapshot() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts)
}

// written takes n counts of cardID off the ledger once the database has them
// (or a write replaced them); counts added meanwhile stay.
func (l *stockLedger) written(cardID string, n int64) {
	if n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts[cardID] -= n; l.counts[cardID] <= 0 {
		delete(l.counts, cardID)
	}
}

// counted is c with the codes received here but not yet written counted off
// its stock (never below zero).
func (s *Store) counted(c service.Card) service.Card {
	if n := s.stock.count(c.CardID); n > 0 {
		c.Quantity = max(c.Quantity-n, 0)
	}
	return c
}

// flushStock writes the ledger's counts, never taking a stock below zero.
// Counts that fail stay for the next flush. Failures are not traced
// statement by statement: the flush loop reports an outage once.
func (s *Store) flushStock(ctx context.Context) error {
	s.stock.writing.Lock()
	defer s.stock.writing.Unlock()
	quiet := s.db.Session(&gorm.Session{Logger: logger.Discard, Context: ctx})
	for id, n := range s.stock.snapshot() {
		err := s.retryDeadlock(ctx, func() error {
			return quiet.Exec(
				"UPDATE cards SET quantity = CASE WHEN quantity > ? THEN quantity - ? ELSE 0 END WHERE card_id = ?",
				n, n, id).Error
		})
		if err != nil {
			return wrapf(err, "count %d received codes off the stock of card %s", n, id)
		}
		s.stock.written(id, n)
	}
	return nil
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
