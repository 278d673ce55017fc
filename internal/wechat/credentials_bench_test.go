package wechat_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

func benchRedis(b *testing.B) wechat.Cache {
	rdb, prefix := testenv.Redis(b)
	return cache.NewRedisFromClient(rdb, prefix)
}

// benchCaches are the ways the credential benchmarks look a credential up:
// held in process (the default: Redis read at most every 5 s), and reading
// the in-process cache or Redis on every call (CredentialRecheck < 0). The
// Redis ones fail under CI=true when Redis is not running, as the tests do.
var benchCaches = []struct {
	name    string
	open    func(b *testing.B) wechat.Cache
	recheck time.Duration
}{
	{"held", benchRedis, 0},
	{"memory", func(*testing.B) wechat.Cache { return cache.NewMemory() }, -1},
	{"redis", benchRedis, -1},
}

// benchWarmClient is a client of a loopback emulator whose access_token and
// api_ticket are already in the cache, so that every later call is a cache hit.
func benchWarmClient(b *testing.B, c wechat.Cache, recheck time.Duration) *wechat.Client {
	b.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	b.Cleanup(srv.Close)
	wx, err := wechat.New(wechat.Config{
		BaseURL: srv.URL,
		AppID:   sandbox.DefaultAppID, AppSecret: sandbox.DefaultAppSecret,
		MiniAppID: sandbox.DefaultMiniAppID, MiniAppSecret: sandbox.DefaultMiniAppSecret,
		Timeout:           5 * time.Second,
		Cache:             c,
		CredentialRecheck: recheck,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := wx.APITicket(ctx); err != nil { // fetches the access_token too
		b.Fatal(err)
	}
	return wx
}

// BenchmarkAccessTokenWarm is one access_token lookup with a warm cache, as
// every WeChat call makes (card/code/decrypt and card/code/get: two a decrypt).
func BenchmarkAccessTokenWarm(b *testing.B) {
	for _, bc := range benchCaches {
		b.Run(bc.name, func(b *testing.B) {
			wx := benchWarmClient(b, bc.open(b), bc.recheck)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := wx.AccessToken(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAPITicketWarm is one api_ticket lookup with a warm cache, as every
// card in POST /api/v1/card-ext makes.
func BenchmarkAPITicketWarm(b *testing.B) {
	for _, bc := range benchCaches {
		b.Run(bc.name, func(b *testing.B) {
			wx := benchWarmClient(b, bc.open(b), bc.recheck)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := wx.APITicket(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAPITicketWarmParallel is the api_ticket lookup from GOMAXPROCS
// goroutines at once (a shared client, as in the server).
func BenchmarkAPITicketWarmParallel(b *testing.B) {
	for _, bc := range benchCaches {
		b.Run(bc.name, func(b *testing.B) {
			wx := benchWarmClient(b, bc.open(b), bc.recheck)
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := wx.APITicket(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
