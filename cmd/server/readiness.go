package main

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/handler"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/wechat"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// reachability remembers whether the latest call to an upstream (WeChat,
// WeChat Pay) got an answer. The readiness probe does not call the upstream
// itself (that would spend quota on every probe of every replica); the
// service's own calls tell.
type reachability struct {
	// downSince is when (unix ns) a call last found WeChat unreachable, 0
	// once a call got an answer again.
	downSince atomic.Int64
}

func (r *reachability) observe(unreachable bool) {
	if unreachable {
		r.downSince.CompareAndSwap(0, time.Now().UnixNano())
		return
	}
	r.downSince.Store(0) // any answer, an error code included, means the upstream is there
}

func (r *reachability) err() error {
	if since := r.downSince.Load(); since != 0 {
		return errors.New("unreachable since " + time.Unix(0, since).UTC().Format(time.RFC3339))
	}
	return nil
}

// wechatHooks counts calls for /metrics and feeds reachability.
func wechatHooks(m *metrics.Metrics, up *reachability) wechat.Hooks {
	return wechat.Hooks{
		OnCall: func(api string, errcode int, d time.Duration) {
			m.ObserveWeChatCall(api, errcode, d)
			up.observe(errcode == wechat.CodeUnavailable)
		},
		OnRefresh: m.ObserveRefresh,
	}
}

// wechatPayHooks counts WeChat Pay calls for /metrics and feeds reachability.
func wechatPayHooks(m *metrics.Metrics, up *reachability) wechatpay.Hooks {
	return wechatpay.Hooks{OnCall: func(api, code string, d time.Duration) {
		m.ObserveWeChatPayCall(api, code, d)
		up.observe(code == wechatpay.OutcomeUnavailable)
	}}
}

// readiness is what /readyz looks at (api.md, Operations): the store is
// required; the cache is not (credentials and limits are held in process
// while it is out); WeChat is required only while no usable access_token is
// held, and otherwise degraded while it cannot be reached.
//
// WeChat Pay (payUp; nil when no merchant is configured) holds no credential:
// while it cannot be reached only 商家券 calls fail, so it is at most
// degraded.
func readiness(st *store.Store, kv cache.Store, wx *wechat.Client, up, payUp *reachability) []handler.ReadyCheck {
	checks := []handler.ReadyCheck{
		{Name: "store", Check: func(ctx context.Context) (handler.ReadyState, error) {
			if err := st.Ping(ctx); err != nil {
				return handler.ReadyFailing, err
			}
			return handler.ReadyOK, nil
		}},
		{Name: "cache", Check: func(ctx context.Context) (handler.ReadyState, error) {
			if err := kv.Ping(ctx); err != nil {
				return handler.ReadyDegraded, err
			}
			return handler.ReadyOK, nil
		}},
		{Name: "wechat", Check: func(ctx context.Context) (handler.ReadyState, error) {
			// Served from the process's copy or the cache while one is valid;
			// fetched from WeChat otherwise.
			if _, err := wx.AccessToken(ctx); err != nil {
				return handler.ReadyFailing, err
			}
			if err := up.err(); err != nil {
				return handler.ReadyDegraded, err
			}
			return handler.ReadyOK, nil
		}},
	}
	if payUp != nil {
		checks = append(checks, handler.ReadyCheck{Name: "wechatpay", Check: func(context.Context) (handler.ReadyState, error) {
			if err := payUp.err(); err != nil {
				return handler.ReadyDegraded, err
			}
			return handler.ReadyOK, nil
		}})
	}
	return checks
}
