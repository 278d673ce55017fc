package wxcard_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
	"github.com/wxcoupon/coupon/internal/wxcard"
)

// benchProvider is a provider over a loopback emulator with the api_ticket
// already in c.
func benchProvider(b *testing.B, c wechat.Cache, recheck time.Duration) *wxcard.Provider {
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
	if _, err := wx.APITicket(ctx); err != nil {
		b.Fatal(err)
	}
	return wxcard.New(wx, nil)
}

var benchExtSink string

// BenchmarkIssueParams builds and signs one cardExt end to end with a warm
// api_ticket: ticket lookup, fresh nonce, signature, JSON.
func BenchmarkIssueParams(b *testing.B) {
	redis := func(b *testing.B) wechat.Cache {
		rdb, prefix := testenv.Redis(b)
		return cache.NewRedisFromClient(rdb, prefix)
	}
	// held: the ticket from process memory (the default); memory, redis: the
	// cache read on every call.
	caches := []struct {
		name    string
		open    func(b *testing.B) wechat.Cache
		recheck time.Duration
	}{
		{"held", redis, 0},
		{"memory", func(*testing.B) wechat.Cache { return cache.NewMemory() }, -1},
		{"redis", redis, -1},
	}
	cards := []struct {
		name string
		card service.Card
		req  service.IssueRequest
	}{
		{"plain", service.Card{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", Status: service.CardVerifyOK},
			service.IssueRequest{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}},
		{"bind_openid+custom_code", service.Card{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", Status: service.CardVerifyOK,
			BindOpenID: true, UseCustomCode: true},
			service.IssueRequest{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", Code: "123456789012", OuterStr: "banner"}},
	}
	for _, cc := range caches {
		for _, card := range cards {
			b.Run(cc.name+"/"+card.name, func(b *testing.B) {
				p := benchProvider(b, cc.open(b), cc.recheck)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					exts, err := p.IssueParams(ctx, "oFS7Fjl0WsZ9AMZqrI80nbIq8xrA",
						[]service.IssueItem{{Card: card.card, Request: card.req}})
					if err != nil {
						b.Fatal(err)
					}
					benchExtSink = exts[0]
				}
			})
		}
	}
}
