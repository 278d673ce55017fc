package cache

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Hash operations on Redis, for small records every replica must find without
// knowing their keys (the consumption outbox). They are not part of Store:
// the in-process cache has no other replicas to share them with, and its
// users keep such records in their own memory.

// HSet sets field of the hash key to value (the hash does not expire).
func (r *Redis) HSet(ctx context.Context, key, field, value string) error {
	if err := r.rdb.HSet(ctx, r.key(key), field, value).Err(); err != nil {
		return fmt.Errorf("cache: hset %s: %w", key, err)
	}
	return nil
}

// HDel removes field from the hash key; a missing field is not an error.
func (r *Redis) HDel(ctx context.Context, key, field string) error {
	if err := r.rdb.HDel(ctx, r.key(key), field).Err(); err != nil {
		return fmt.Errorf("cache: hdel %s: %w", key, err)
	}
	return nil
}

// HGetAll returns every field of the hash key (none when it does not exist).
func (r *Redis) HGetAll(ctx context.Context, key string) (map[string]string, error) {
	m, err := r.rdb.HGetAll(ctx, r.key(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: hgetall %s: %w", key, err)
	}
	return m, nil
}

// HGet returns field of the hash key; ok is false when it is not set.
func (r *Redis) HGet(ctx context.Context, key, field string) (string, bool, error) {
	v, err := r.rdb.HGet(ctx, r.key(key), field).Result()
	switch {
	case err == nil:
		return v, true, nil
	case errors.Is(err, redis.Nil):
		return "", false, nil
	}
	return "", false, fmt.Errorf("cache: hget %s: %w", key, err)
}
