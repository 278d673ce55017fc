package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestFailedStockFlushKeepsCounts(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "c.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Stop the background flush, so that only this test flushes.
	close(s.stopFlush)
	<-s.flushDone
	s.stopFlush, s.flushDone = make(chan struct{}), make(chan struct{})
	close(s.flushDone)

	for range 3 {
		s.stock.add("pA")
	}
	s.stock.add("pB")
	s.sqlDB.Close() // the database stops answering
	if err := s.flushStock(ctx); err == nil {
		t.Fatal("flushStock on a closed database succeeded")
	}
	got := s.stock.take()
	if got["pA"] != 3 || got["pB"] != 1 || len(got) != 2 {
		t.Errorf("pending after a failed flush = %v, want pA:3 pB:1", got)
	}
}
