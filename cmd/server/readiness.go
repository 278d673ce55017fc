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
)

// reachability remembers whether the latest WeChat call got an answer. The
// readiness probe does not call WeChat itself (that would spend quota on
// every probe of every replica); the service's own calls tell.
type reachability struct {
	// downSince is when (unix ns) a call last found WeChat unreachable, 0
	// once a call got an answer again.
	downSince atomic.Int64
}

func (r *reachability) observe(errcode int) {
	if errcode == wechat.CodeUnavailable {
		r.downSince.CompareAndSwap(0, time.Now().UnixNano())
		return
	}
	r.downSince.Store(0) // any answer, an errcode included, means WeChat is there
}

func (r *reachability) err() error {
	if since := r.downSince.Load(); since != 0 {
		return errors.New("WeChat unreachable since " + time.Unix(0, since).UTC().Format(time.RFC3339))
	}
	return nil
}

// wechatHooks counts calls for /metrics and feeds reachability.
func wechatHooks(m *metrics.Metrics, up *reachability) wechat.Hooks {
	return wechat.Hooks{
		OnCall: func(api string, errcode int, d time.Duration) {
			m.ObserveWeChatCall(api, errcode, d)
			up.observe(errcode)
		},
		OnRefresh: m.ObserveRefresh,
	}
}

// readiness is what /readyz looks at (api.md, Operations): the store is
// required; the cache is not (credentials and limits are held in process
// while it is out); WeChat is required only while no usable access_token is
// held, and otherwise degraded while it cannot be reached.
func readiness(st *store.Store, kv cache.Store, wx *wechat.Client, up *reachability) []handler.ReadyCheck {
	return []handler.ReadyCheck{
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
}
