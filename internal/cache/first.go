package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// setFirstScript stores ARGV[1] under KEYS[1] for ARGV[2] ms unless the key
// holds a value, and returns the value the key holds afterwards: one step, so
// two callers racing on one key agree on which value came first.
var setFirstScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if v then
	return v
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return ARGV[1]`)

// SetFirst stores value under key for ttl (> 0) unless key already holds a
// value, and returns the value key holds afterwards: value itself when this
// call stored it or an equal value was there, another one when an earlier
// caller's value is still live.
func (r *Redis) SetFirst(ctx context.Context, key, value string, ttl time.Duration) (string, error) {
	if err := checkTTL("set first "+key, ttl); err != nil {
		return "", err
	}
	ms := max(ttl.Milliseconds(), 1)
	v, err := setFirstScript.Run(ctx, r.rdb, []string{r.key(key)}, value, ms).Text()
	if err != nil {
		return "", fmt.Errorf("cache: set first %s: %w", key, err)
	}
	return v, nil
}

// SetFirst stores value under key for ttl (> 0) unless key already holds a
// value, and returns the value key holds afterwards.
func (m *Memory) SetFirst(ctx context.Context, key, value string, ttl time.Duration) (string, error) {
	if err := checkTTL("set first "+key, ttl); err != nil {
		return "", err
	}
	now, err := m.begin(ctx)
	if err != nil {
		return "", err
	}
	defer m.mu.Unlock()
	if it, ok := m.lookup(key, now); ok {
		return it.value, nil
	}
	m.items[key] = item{value: value, expires: now.Add(ttl)}
	return value, nil
}
