package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// payCollectors count WeChat Pay calls (by API and outcome code) and the
// notifications WeChat Pay pushes (by result). Labels carry no secret: API
// names, WeChat Pay's error codes and fixed result words only.
type payCollectors struct {
	calls         *prometheus.CounterVec
	time          *prometheus.HistogramVec
	notifications *prometheus.CounterVec
}

func newPayCollectors(r *prometheus.Registry) *payCollectors {
	p := &payCollectors{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechatpay_calls_total", Help: "WeChat Pay API calls by API and outcome code (OK or WeChat Pay's code).",
		}, []string{"api", "code"}),
		time: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wechatpay_call_duration_seconds", Help: "WeChat Pay API call latency by API, retries included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"api"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechatpay_notifications_total", Help: "WeChat Pay notifications by result: recorded, ignored, bad_signature, unreadable, error.",
		}, []string{"result"}),
	}
	r.MustRegister(p.calls, p.time, p.notifications)
	return p
}

// ObserveWeChatPayCall counts one WeChat Pay call (the wechatpay client's
// Hooks.OnCall).
func (m *Metrics) ObserveWeChatPayCall(api, code string, d time.Duration) {
	m.pay.calls.WithLabelValues(api, code).Inc()
	m.pay.time.WithLabelValues(api).Observe(d.Seconds())
}

// Notification counts one WeChat Pay notification by result.
func (m *Metrics) Notification(result string) {
	m.pay.notifications.WithLabelValues(result).Inc()
}
