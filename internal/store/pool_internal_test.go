package store

import (
	"context"
	"testing"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// The pool sizes from MYSQL_MAX_OPEN_CONNS / MYSQL_MAX_IDLE_CONNS reach the pool:
// at most MaxOpen connections open, MaxIdle kept once they are returned.
func TestOpenMySQLPoolSizes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct{ open, idle, wantOpen, wantIdle int }{
		{0, 0, 25, 3}, // defaults: every connection used is kept
		{3, 1, 3, 1},
	} {
		s, err := Open(ctx, Config{MySQLDSN: testenv.MySQLDSN(t), MaxOpenConns: tt.open, MaxIdleConns: tt.idle}, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if got := s.sqlDB.Stats().MaxOpenConnections; got != tt.wantOpen {
			t.Errorf("pool %d/%d: MaxOpenConnections = %d, want %d", tt.open, tt.idle, got, tt.wantOpen)
		}
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			c, err := s.sqlDB.Conn(ctx)
			if err != nil {
				t.Fatalf("Conn: %v", err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
		if got := s.sqlDB.Stats().Idle; got != tt.wantIdle {
			t.Errorf("pool %d/%d: %d idle after returning 3 connections, want %d", tt.open, tt.idle, got, tt.wantIdle)
		}
		s.Close()
	}
}
