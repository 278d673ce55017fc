package testenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// Each topology starts, takes a write through the service's own client, and
// (Sentinel) moves its master on Failover.
func TestRedisTopologies(t *testing.T) {
	t.Parallel()
	for _, kind := range testenv.Topologies {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			var topo *testenv.RedisTopo
			switch kind {
			case testenv.TopologySentinel:
				topo = testenv.RedisSentinel(t)
			case testenv.TopologyCluster:
				topo = testenv.RedisCluster(t)
			case testenv.TopologyTLS:
				topo = testenv.RedisTLS(t)
			}
			t.Logf("%s up in %v: %s", kind, time.Since(start).Round(time.Millisecond), topo.Config.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := topo.Client(t)
			for _, k := range []string{"a", "b", "c", "d"} { // spread over the cluster's slots
				if err := c.Set(ctx, k, "v", time.Minute).Err(); err != nil {
					t.Fatalf("SET %s: %v", k, err)
				}
			}
			if kind != testenv.TopologySentinel {
				return
			}
			old, err := topo.MasterAddr(ctx)
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			now, err := topo.Failover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("failover %s -> %s in %v", old, now, time.Since(start).Round(time.Millisecond))
			if now == old {
				t.Fatalf("master still %s after failover", old)
			}
			if err := c.Set(ctx, "after", "v", time.Minute).Err(); err != nil {
				t.Errorf("SET after failover: %v", err)
			}
			if v, err := c.Get(ctx, "a").Result(); err != nil || v != "v" {
				t.Errorf("GET a after failover = %q, %v; want the value written before", v, err)
			}
			start = time.Now()
			again, err := topo.KillMaster(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("master %s killed, %s promoted in %v", now, again, time.Since(start).Round(time.Millisecond))
			if err := c.Set(ctx, "after-kill", "v", time.Minute).Err(); err != nil {
				t.Errorf("SET after the master was killed: %v", err)
			}
		})
	}
}
