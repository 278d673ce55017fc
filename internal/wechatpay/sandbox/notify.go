package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// COUPON.SEND notifications (§5): when a coupon is sent and the merchant has
// a callbacks URL, the emulator POSTs the envelope, its resource encrypted
// with the APIv3 key and the body signed with WeChat Pay's key, and retries
// until the receiver answers 2xx or the schedule is used up. Each attempt is
// signed afresh (a fresh timestamp, so a late retry still passes the
// receiver's 5-minute check); the body, and so the notification id, stays
// the same, which is what receivers dedupe on.
//
// Notifications are made under the state lock and delivered by one worker
// goroutine, in order, without the lock.

const (
	defaultNotifyTimeout = 5 * time.Second // WeChat Pay's
	maxNotifyReply       = 64 << 10
)

// defaultRetryDelays is the coupon-event copy's schedule: every 60 s, 11
// attempts in all (§5.3; unconfirmed against the general v3 schedule).
var defaultRetryDelays = []time.Duration{
	time.Minute, time.Minute, time.Minute, time.Minute, time.Minute,
	time.Minute, time.Minute, time.Minute, time.Minute, time.Minute,
}

// notifier delivers notifications; working and idle are guarded by
// Emulator.mu.
type notifier struct {
	e       *Emulator
	client  *http.Client
	timeout time.Duration
	delays  []time.Duration

	working bool
	idle    chan struct{}
}

func newNotifier(e *Emulator, opts Options) *notifier {
	n := &notifier{e: e, client: opts.HTTPClient, timeout: opts.NotifyTimeout, delays: opts.NotifyRetryDelays, idle: make(chan struct{})}
	close(n.idle)
	if n.client == nil {
		n.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if n.timeout <= 0 {
		n.timeout = defaultNotifyTimeout
	}
	if n.delays == nil {
		n.delays = defaultRetryDelays
	}
	return n
}

// note is one notification with the exact body every attempt sends.
type note struct {
	id, stockID, code, openid string
	url                       string
	body                      []byte

	// Guarded by Emulator.mu.
	attempts  int
	delivered bool
	lastError string
}

// sendResource is the decrypted resource of COUPON.SEND (§5.2).
type sendResource struct {
	EventType    string `json:"event_type"`
	CouponCode   string `json:"coupon_code"`
	StockID      string `json:"stock_id"`
	SendTime     string `json:"send_time"`
	OpenID       string `json:"openid,omitempty"`
	SendChannel  string `json:"send_channel"`
	SendMerchant string `json:"send_merchant"`
}

// couponSent makes and queues the COUPON.SEND of cp when a callbacks URL is
// set. The openid is reported only when the stock has
// notify_config.notify_appid, as WeChat Pay does. Called with the lock held.
func (n *notifier) couponSent(st *state, cp *coupon, channel string, now time.Time) {
	if st.notifyURL == "" {
		return
	}
	res := sendResource{
		EventType: "EVENT_TYPE_BUSICOUPON_SEND", CouponCode: cp.code, StockID: cp.stockID,
		SendTime: wxTime(now), SendChannel: channel, SendMerchant: n.e.mchID,
	}
	if nc := st.stocks[cp.stockID].def.NotifyConfig; nc != nil && nc.NotifyAppID != "" {
		res.OpenID = cp.openid
	}
	nt := &note{id: newNotificationID(), stockID: cp.stockID, code: cp.code, openid: cp.openid, url: st.notifyURL}
	st.notes = append(st.notes, nt)
	resource, err := wechatpay.EncryptResource([]byte(n.e.Merchant().APIv3Key), "coupon", "coupon", wechatpay.NewNonceN(12), encode(res))
	if err != nil {
		nt.lastError = "encrypt: " + err.Error()
		return
	}
	nt.body = encode(wechatpay.Notification{
		ID: nt.id, CreateTime: wxTime(now), ResourceType: "encrypt-resource", EventType: "COUPON.SEND",
		Summary: "商家券领券通知", Resource: resource,
	})
	st.noteQueue = append(st.noteQueue, nt)
	if !n.working {
		n.working = true
		n.idle = make(chan struct{})
		go n.run()
	}
}

// newNotificationID is UUID-shaped, as WeChat Pay's are.
func newNotificationID() string {
	h := newRequestID()
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// run delivers queued notifications one at a time until the queue is empty,
// following whatever state is current (reset swaps it).
func (n *notifier) run() {
	e := n.e
	e.mu.Lock()
	for len(e.st.noteQueue) > 0 {
		st := e.st
		nt := st.noteQueue[0]
		st.noteQueue[0] = nil
		st.noteQueue = st.noteQueue[1:]
		ctx := st.noteCtx
		e.mu.Unlock()
		n.deliver(ctx, nt)
		e.mu.Lock()
	}
	n.working = false
	close(n.idle)
	e.mu.Unlock()
}

// deliver makes the first attempt and one retry per delay.
func (n *notifier) deliver(ctx context.Context, nt *note) {
	for i := 0; i <= len(n.delays); i++ {
		if i > 0 && !retry.Sleep(ctx, n.delays[i-1]) {
			return
		}
		err := n.attempt(ctx, nt)
		final := err == nil || i == len(n.delays) || ctx.Err() != nil
		n.e.mu.Lock()
		nt.attempts = i + 1
		nt.delivered = err == nil
		nt.lastError = ""
		if err != nil {
			nt.lastError = err.Error()
		}
		n.e.mu.Unlock()
		switch {
		case err == nil:
			n.e.log.Debug("wechatpay notification delivered", "id", nt.id, "attempt", i+1)
		case final:
			n.e.log.Info("wechatpay notification given up", "id", nt.id, "attempts", i+1, "err", err)
		default:
			n.e.log.Debug("wechatpay notification failed; will retry", "id", nt.id, "attempt", i+1, "err", err)
		}
		if final {
			return
		}
	}
}

// attempt POSTs nt once, freshly signed; 2xx within the timeout is success.
func (n *notifier) attempt(ctx context.Context, nt *note) error {
	actx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, nt.url, bytes.NewReader(nt.body))
	if err != nil {
		return err
	}
	sh, err := wechatpay.SignResponse(n.e.keys.payKey, n.e.Merchant().PublicKeyID,
		strconv.FormatInt(n.e.now().Unix(), 10), wechatpay.NewNonce(), nt.body)
	if err != nil {
		return err
	}
	sh.Set(req.Header)
	req.Header.Set("Wechatpay-Signature-Type", wechatpay.AuthScheme)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wechatpay.HeaderRequestID, newRequestID())
	resp, err := n.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxNotifyReply))
		resp.Body.Close()
	}
	switch {
	case ctx.Err() != nil:
		return errors.New("cancelled by sandbox/pay/reset")
	case actx.Err() != nil:
		return fmt.Errorf("no answer within %v", n.timeout)
	case err != nil:
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return err
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// WaitNotifications returns when no notification is queued or being
// delivered, or with ctx's error.
func (e *Emulator) WaitNotifications(ctx context.Context) error {
	for {
		e.mu.Lock()
		working, idle := e.nt.working, e.nt.idle
		e.mu.Unlock()
		if !working {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("wait for notifications: %w", ctx.Err())
		}
	}
}

type noteView struct {
	ID         string `json:"id"`
	StockID    string `json:"stock_id"`
	CouponCode string `json:"coupon_code"`
	OpenID     string `json:"openid"`
	URL        string `json:"url"`
	Attempts   int    `json:"attempts"`
	Delivered  bool   `json:"delivered"`
	LastError  string `json:"last_error"`
}

// driverNotifications is GET sandbox/pay/notifications: every COUPON.SEND
// made, in order, with its delivery state.
func (c *call) driverNotifications() any {
	return c.locked(func(st *state) any {
		out := make([]noteView, 0, len(st.notes))
		for _, nt := range st.notes {
			out = append(out, noteView{ID: nt.id, StockID: nt.stockID, CouponCode: nt.code, OpenID: nt.openid,
				URL: nt.url, Attempts: nt.attempts, Delivered: nt.delivered, LastError: nt.lastError})
		}
		return map[string]any{"notifications": out}
	})
}
