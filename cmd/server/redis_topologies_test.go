package main

import (
	"os"
	"testing"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// The Redis topologies (Sentinel, Cluster, TLS) are started once for this
// package's tests and stopped here.
func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedRedis()
	os.Exit(code)
}

// forEveryRedis runs f as a parallel subtest with kind "" (the shared single
// node, testenv.Redis) and each of testenv's topologies.
func forEveryRedis(t *testing.T, f func(t *testing.T, kind string)) {
	t.Helper()
	for _, kind := range append([]string{""}, testenv.Topologies...) {
		name := kind
		if name == "" {
			name = "single"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

// redisPrefix is a key prefix of this test's own on the Redis of kind.
func redisPrefix(t *testing.T, kind string) string {
	if kind == "" {
		_, prefix := testenv.Redis(t) // deletes its keys when t ends
		return prefix
	}
	return testenv.RandomName("coupon-test-") + ":"
}

// useRedis points env (from productionEnv) at the Redis of kind.
func useRedis(t *testing.T, kind string, env map[string]string) {
	if kind != "" {
		testenv.SharedRedis(t, kind).Env(env)
	}
}
