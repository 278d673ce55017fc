package cache

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// sweepEvery is how often Memory drops every expired entry (expired entries
// are also dropped when they are touched).
const sweepEvery = time.Minute

// Memory is the cache in this process: correct for a single instance only,
// since neither its values nor its locks are seen by other replicas.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	items     map[string]item
	lastSweep time.Time
	closed    bool
}

type item struct {
	value   string
	expires time.Time
}

// NewMemory returns an empty in-process cache.
func NewMemory() *Memory {
	return &Memory{now: time.Now, items: map[string]item{}, lastSweep: time.Now()}
}

// lookup returns the live item under key, dropping it when it has expired.
// The caller holds m.mu.
func (m *Memory) lookup(key string, now time.Time) (item, bool) {
	it, found := m.items[key]
	if !found {
		return item{}, false
	}
	if !now.Before(it.expires) {
		delete(m.items, key)
		return item{}, false
	}
	return it, true
}

// begin locks m and checks ctx and Close; it sweeps expired entries now and
// then. On success the caller must unlock m.mu.
func (m *Memory) begin(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return time.Time{}, ErrClosed
	}
	now := m.now()
	if now.Sub(m.lastSweep) >= sweepEvery {
		for k, it := range m.items {
			if !now.Before(it.expires) {
				delete(m.items, k)
			}
		}
		m.lastSweep = now
	}
	return now, nil
}

// Get returns the value of key; ok is false when it does not exist.
func (m *Memory) Get(ctx context.Context, key string) (string, bool, error) {
	now, err := m.begin(ctx)
	if err != nil {
		return "", false, err
	}
	defer m.mu.Unlock()
	it, ok := m.lookup(key, now)
	return it.value, ok, nil
}

// Set stores value under key for ttl (> 0).
func (m *Memory) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := checkTTL("set "+key, ttl); err != nil {
		return err
	}
	now, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.items[key] = item{value: value, expires: now.Add(ttl)}
	return nil
}

// Delete removes key; a missing key is not an error.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if _, err := m.begin(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	delete(m.items, key)
	return nil
}

// TryLock takes the lock key for ttl when nobody holds it. ok is false when
// it is held. unlock releases it if this caller still holds it and does
// nothing otherwise.
func (m *Memory) TryLock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error) {
	if err := checkTTL("lock "+key, ttl); err != nil {
		return nil, false, err
	}
	token, err := lockToken()
	if err != nil {
		return nil, false, err
	}
	now, err := m.begin(ctx)
	if err != nil {
		return nil, false, err
	}
	defer m.mu.Unlock()
	if _, held := m.lookup(key, now); held {
		return nil, false, nil
	}
	m.items[key] = item{value: token, expires: now.Add(ttl)}
	unlock := func(context.Context) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if it, held := m.lookup(key, m.now()); held && it.value == token {
			delete(m.items, key)
		}
		return nil
	}
	return unlock, true, nil
}

// Incr adds one to the counter key and returns the new count. The counter
// expires window after its first increment (a fixed window).
func (m *Memory) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := checkTTL("incr "+key, window); err != nil {
		return 0, err
	}
	now, err := m.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	it, ok := m.lookup(key, now)
	if !ok {
		m.items[key] = item{value: "1", expires: now.Add(window)}
		return 1, nil
	}
	n, err := strconv.ParseInt(it.value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cache: incr %s: value is not an integer", key)
	}
	n++
	it.value = strconv.FormatInt(n, 10)
	m.items[key] = it
	return n, nil
}

// Ping reports whether the cache is open.
func (m *Memory) Ping(ctx context.Context) error {
	if _, err := m.begin(ctx); err != nil {
		return err
	}
	m.mu.Unlock()
	return nil
}

// Close drops every entry; later calls fail with ErrClosed.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.items = map[string]item{}
	return nil
}
