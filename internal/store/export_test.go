package store

import "context"

// FlushStock writes the pending counts of received codes now, as the
// background flush does every stockFlushEvery (for the external tests).
func FlushStock(ctx context.Context, s *Store) error { return s.flushStock(ctx) }
