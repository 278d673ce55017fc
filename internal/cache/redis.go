package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the cache in Redis, shared by every replica: one node, a Sentinel
// set or a Cluster. Every key is stored under the key prefix. Each operation
// touches a single key (scripts included), so a Cluster needs no hash tags.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	owned  bool // Close closes rdb only when NewRedis opened it
}

// NewRedis connects to the Redis c describes (see RedisConfig for the URL
// forms) and pings it.
func NewRedis(ctx context.Context, c RedisConfig, keyPrefix string) (*Redis, error) {
	opt, err := ParseRedisConfig(c)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	r := &Redis{rdb: opt.NewClient(), prefix: keyPrefix, owned: true}
	if err := r.Ping(ctx); err != nil {
		_ = r.rdb.Close()
		return nil, fmt.Errorf("cache: connect to %s: %w", opt, err)
	}
	return r, nil
}

// NewRedisFromClient uses a client the caller owns (Close leaves it open).
func NewRedisFromClient(rdb redis.UniversalClient, keyPrefix string) *Redis {
	return &Redis{rdb: rdb, prefix: keyPrefix}
}

func (r *Redis) key(k string) string { return r.prefix + k }

// Get returns the value of key; ok is false when it does not exist.
func (r *Redis) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := r.rdb.Get(ctx, r.key(key)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("cache: get %s: %w", key, err)
	}
	return v, true, nil
}

// Set stores value under key for ttl (> 0).
func (r *Redis) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := checkTTL("set "+key, ttl); err != nil {
		return err
	}
	if err := r.rdb.Set(ctx, r.key(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("cache: set %s: %w", key, err)
	}
	return nil
}

// Delete removes key; a missing key is not an error.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.key(key)).Err(); err != nil {
		return fmt.Errorf("cache: delete %s: %w", key, err)
	}
	return nil
}

// unlockScript deletes the lock only while it still holds our token, so a
// holder whose lease ran out cannot remove the next holder's lock.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// TryLock takes the lock key for ttl when nobody holds it (SET NX PX with a
// random token). ok is false when it is held. unlock releases it if this
// caller still holds it and does nothing otherwise.
func (r *Redis) TryLock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error) {
	if err := checkTTL("lock "+key, ttl); err != nil {
		return nil, false, err
	}
	token, err := lockToken()
	if err != nil {
		return nil, false, err
	}
	k := r.key(key)
	got, err := r.rdb.SetNX(ctx, k, token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("cache: lock %s: %w", key, err)
	}
	if !got {
		return nil, false, nil
	}
	unlock := func(ctx context.Context) error {
		if err := unlockScript.Run(ctx, r.rdb, []string{k}, token).Err(); err != nil {
			return fmt.Errorf("cache: unlock %s: %w", key, err)
		}
		return nil
	}
	return unlock, true, nil
}

// incrScript increments the counter and starts its window on the first
// increment (or repairs a counter left without an expiry).
var incrScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 or redis.call("PTTL", KEYS[1]) < 0 then
	redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
return n`)

// Incr adds one to the counter key and returns the new count. The counter
// expires window after its first increment (a fixed window).
func (r *Redis) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := checkTTL("incr "+key, window); err != nil {
		return 0, err
	}
	ms := window.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	n, err := incrScript.Run(ctx, r.rdb, []string{r.key(key)}, ms).Int64()
	if err != nil {
		return 0, fmt.Errorf("cache: incr %s: %w", key, err)
	}
	return n, nil
}

// Ping checks that Redis answers: on a Cluster, every master (a master down
// leaves its slots unusable).
func (r *Redis) Ping(ctx context.Context) error {
	var err error
	if c, ok := r.rdb.(*redis.ClusterClient); ok {
		err = c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			if err := m.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("%s: %w", m.Options().Addr, err)
			}
			return nil
		})
	} else {
		err = r.rdb.Ping(ctx).Err()
	}
	if err != nil {
		return fmt.Errorf("cache: ping redis: %w", err)
	}
	return nil
}

// Close closes the connection pool when NewRedis opened it.
func (r *Redis) Close() error {
	if !r.owned {
		return nil
	}
	return r.rdb.Close()
}
