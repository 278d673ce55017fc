// Package cache is the small key/value, lock and counter store shared by all
// replicas: Redis in production (Redis), an in-process map for a single
// instance (Memory). Both have the same method set; consumers declare the
// interface they need.
//
// Values are strings with a time to live. TryLock is a lease: it expires after
// its TTL, and its unlock removes it only while the caller still holds it.
// Incr is a fixed-window counter that expires window after its first increment.
// SetFirst keeps the first of several values written under one key.
package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Store is the method set both implementations share; the compile-time checks
// below keep Redis and Memory interchangeable.
type Store interface {
	Get(ctx context.Context, key string) (string, bool, error)
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	SetFirst(ctx context.Context, key, value string, ttl time.Duration) (string, error)
	Delete(ctx context.Context, key string) error
	TryLock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error)
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
	Ping(ctx context.Context) error
	Close() error
}

var (
	_ Store = (*Redis)(nil)
	_ Store = (*Memory)(nil)
)

// ErrClosed is returned by a Memory after Close.
var ErrClosed = errors.New("cache: closed")

func checkTTL(op string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache: %s: ttl must be positive, got %s", op, ttl)
	}
	return nil
}

// lockToken is a random value that identifies one holder of a lock.
func lockToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cache: lock token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
