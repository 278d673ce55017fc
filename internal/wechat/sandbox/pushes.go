package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

// Event push (wechat-card-api.md §8): when a user-card or card changes state
// the emulator POSTs the event to Options.CallbackURL as WeChat does, in
// plain, safe (AES) or compatible mode, and retries a push that did not get
// success: 3 attempts in all, each with the same body and so the same
// CreateTime, which is what receivers dedupe WeChat's retries on.
//
// Pushes are made under the state lock (emit: build the URL and body, queue
// them) and delivered by one worker goroutine, in the order they were made,
// without the lock, so API calls never wait for a push. One ordered queue
// keeps the events of one change in order (user_gifting_card before the
// receiver's user_get_card) and an add before its consume; the price is
// that a receiver that hangs delays the pushes behind it (WeChat's own
// ordering across events is not documented).

// Callback modes (Options.CallbackMode).
const (
	ModePlain  = "plain"  // the event XML as is
	ModeSafe   = "safe"   // 安全模式: only ToUserName and Encrypt
	ModeCompat = "compat" // 兼容模式: the plain fields and Encrypt in one document
)

const (
	defaultPushTimeout    = 5 * time.Second // WeChat's
	defaultPushRetryDelay = time.Second
	defaultOriginalID     = "gh_sandbox000001"
	pushAttempts          = 3 // WeChat's: one try and two retries (§8.4)
	maxPushReply          = 64 << 10
	encodingAESKeyLen     = 43
)

// pusher delivers events. Its configuration is fixed by New; working and
// idle are guarded by Emulator.mu.
type pusher struct {
	e          *Emulator
	target     *url.URL // nil: pushes are off
	token      string
	mode       string
	originalID string
	crypter    *callback.Crypter // safe and compat mode
	client     *http.Client
	timeout    time.Duration
	retryDelay time.Duration
	// configErr makes every push fail at once (the options were invalid);
	// the pushes are still listed, given up, with this as last_error.
	configErr error
	// systemOpenID is FromUserName of events that concern the card rather
	// than a user (review, stock). What WeChat puts there is unconfirmed
	// (its sample says "FromUser"); an openid-shaped constant of the account.
	systemOpenID string

	working bool          // the worker goroutine is running
	idle    chan struct{} // closed when the worker stops
}

// push is one event delivery, with the exact request every attempt sends.
type push struct {
	id         string
	repushOf   string
	event      string
	cardID     string
	code       string
	openid     string
	createTime int64
	url        string
	body       []byte

	// Guarded by Emulator.mu.
	attempts  int
	delivered bool
	lastError string
}

// pushMode is Options.CallbackMode with its default.
func (o Options) pushMode() string {
	if o.CallbackMode != "" {
		return o.CallbackMode
	}
	if o.EncodingAESKey != "" {
		return ModeSafe
	}
	return ModePlain
}

// Validate reports the first option that makes event push impossible. New
// accepts invalid options (it cannot fail); pushes then give up at once
// with this error, and New logs it.
func (o Options) Validate() error {
	_, _, err := o.pushConfig()
	return err
}

// pushConfig checks the push options: the callback URL and the crypter
// (nil in plain mode).
func (o Options) pushConfig() (*url.URL, *callback.Crypter, error) {
	var target *url.URL
	if o.CallbackURL != "" {
		u, err := url.Parse(o.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, fmt.Errorf("CallbackURL %q: want an absolute http or https URL", o.CallbackURL)
		}
		target = u
	}
	if o.PushTimeout < 0 || o.PushRetryDelay < 0 {
		return nil, nil, errors.New("PushTimeout and PushRetryDelay must not be negative")
	}
	mode := o.pushMode()
	switch mode {
	case ModePlain, ModeSafe, ModeCompat:
	default:
		return nil, nil, fmt.Errorf("CallbackMode %q: want plain, safe or compat", o.CallbackMode)
	}
	if err := CheckEncodingAESKey(o.EncodingAESKey); err != nil {
		return nil, nil, err
	}
	if mode == ModePlain {
		return target, nil, nil
	}
	if o.EncodingAESKey == "" {
		return nil, nil, fmt.Errorf("CallbackMode %s needs an EncodingAESKey", mode)
	}
	if o.CallbackToken == "" {
		return nil, nil, fmt.Errorf("CallbackMode %s needs a CallbackToken", mode)
	}
	cr, err := callback.NewCrypter(o.CallbackToken, o.EncodingAESKey, or(o.AppID, DefaultAppID))
	if err != nil {
		return nil, nil, fmt.Errorf("EncodingAESKey: %w", err)
	}
	return target, cr, nil
}

// CheckEncodingAESKey reports whether key is a usable EncodingAESKey: empty,
// or 43 characters of base64 that decode (with "=" added) to 32 bytes.
func CheckEncodingAESKey(key string) error {
	if key == "" {
		return nil
	}
	if len(key) != encodingAESKeyLen {
		return fmt.Errorf("EncodingAESKey is %d characters, want %d", len(key), encodingAESKeyLen)
	}
	raw, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil || len(raw) != 32 {
		return errors.New("EncodingAESKey is not base64 of 32 bytes")
	}
	return nil
}

func newPusher(e *Emulator, opts Options) *pusher {
	px := &pusher{
		e:            e,
		token:        opts.CallbackToken,
		mode:         opts.pushMode(),
		originalID:   or(opts.OriginalID, defaultOriginalID),
		client:       opts.HTTPClient,
		timeout:      opts.PushTimeout,
		retryDelay:   opts.PushRetryDelay,
		systemOpenID: "o" + e.idPrefix + strings.Repeat("0", 22),
		idle:         make(chan struct{}),
	}
	close(px.idle)
	if px.client == nil {
		// WeChat is not known to follow redirects: a 3xx is a failed attempt.
		px.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if px.timeout == 0 {
		px.timeout = defaultPushTimeout
	}
	if px.retryDelay == 0 {
		px.retryDelay = defaultPushRetryDelay
	}
	if opts.CallbackURL == "" {
		return px // pushes are off
	}
	target, cr, err := opts.pushConfig()
	if err != nil {
		px.configErr = err
		// Keep the pushes visible in sandbox/pushes, each given up.
		target, _ = url.Parse(opts.CallbackURL)
		if target == nil {
			target = &url.URL{}
		}
		e.log.Error("sandbox event push misconfigured; every push will be given up", "err", err)
	}
	px.target, px.crypter = target, cr
	return px
}

// newEvent is the common header of an event made now.
func newEvent(name, from string, now time.Time) callback.Event {
	return callback.Event{FromUserName: from, CreateTime: now.Unix(), MsgType: "event", Event: name}
}

// emit records and queues a push of ev. Called with the lock held.
func (st *state) emit(ev callback.Event) {
	px := st.px
	if px.target == nil {
		return
	}
	ev.ToUserName = px.originalID
	ev.MsgType = "event"
	st.pushSeq++
	p := &push{
		id: strconv.Itoa(st.pushSeq), event: ev.Event, cardID: ev.CardID, code: ev.UserCardCode,
		openid: ev.FromUserName, createTime: ev.CreateTime,
	}
	st.record(p)
	if err := px.prepare(p, ev); err != nil {
		p.lastError = err.Error() // given up at once; New logged the cause
		return
	}
	st.enqueue(p)
}

// maxKeptPushes bounds the list sandbox/pushes shows in a long-running
// emulator: when it doubles, the oldest are forgotten (queued ones are still
// delivered, but can no longer be listed or repushed).
const maxKeptPushes = 10_000

// record adds p to the list. Called with the lock held.
func (st *state) record(p *push) {
	st.pushes = append(st.pushes, p)
	if len(st.pushes) >= 2*maxKeptPushes {
		st.pushes = append([]*push(nil), st.pushes[len(st.pushes)-maxKeptPushes:]...)
	}
}

// enqueue queues p for delivery and starts the worker if it is not running.
// Called with the lock held.
func (st *state) enqueue(p *push) {
	st.pushQueue = append(st.pushQueue, p)
	px := st.px
	if !px.working {
		px.working = true
		px.idle = make(chan struct{})
		go px.run()
	}
}

// prepare builds the request every attempt of p sends (§8.2, §8.3):
// signature over token, timestamp and nonce, the openid, and in safe and
// compat mode encrypt_type=aes and msg_signature over the Encrypt too. The
// query timestamp is the event's CreateTime.
func (px *pusher) prepare(p *push, ev callback.Event) error {
	if px.configErr != nil {
		return px.configErr
	}
	msg := ev.XML()
	ts := strconv.FormatInt(ev.CreateTime, 10)
	nonce := randomString(1, "123456789") + randomString(9, "0123456789") // WeChat's nonces are digits
	q := px.target.Query()
	q.Set("signature", callback.Signature(px.token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	// openid in the query: what the official page shows, unused by the SDKs
	// checked (unconfirmed).
	q.Set("openid", ev.FromUserName)
	body := msg
	if px.mode != ModePlain {
		enc, err := px.crypter.Encrypt(msg)
		if err != nil {
			return fmt.Errorf("encrypt: %w", err)
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", px.crypter.MsgSignature(ts, nonce, enc))
		encrypt := "<Encrypt>" + cdata(enc) + "</Encrypt>"
		if px.mode == ModeSafe {
			body = []byte("<xml><ToUserName>" + cdata(px.originalID) + "</ToUserName>" + encrypt + "</xml>")
		} else {
			// Compatible mode: the plain document with Encrypt added as its
			// last element (the layout is unconfirmed; receivers parse by
			// element name, so the position should not matter).
			body = insertBeforeClose(msg, encrypt)
		}
	}
	u := *px.target
	u.RawQuery = q.Encode()
	p.url, p.body = u.String(), body
	return nil
}

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// insertBeforeClose puts elem before the document's closing </xml>.
func insertBeforeClose(doc []byte, elem string) []byte {
	i := bytes.LastIndex(doc, []byte("</xml>"))
	if i < 0 {
		return append(append([]byte{}, doc...), elem...)
	}
	out := make([]byte, 0, len(doc)+len(elem))
	out = append(out, doc[:i]...)
	out = append(out, elem...)
	return append(out, doc[i:]...)
}

// run delivers queued pushes one at a time until the queue is empty. It
// reads the queue of whatever state is current, so after sandbox/reset it
// goes on with the new state's pushes.
func (px *pusher) run() {
	e := px.e
	e.mu.Lock()
	for len(e.st.pushQueue) > 0 {
		st := e.st
		p := st.pushQueue[0]
		st.pushQueue[0] = nil
		st.pushQueue = st.pushQueue[1:]
		ctx := st.pushCtx
		e.mu.Unlock()
		px.deliver(ctx, p)
		e.mu.Lock()
	}
	px.working = false
	close(px.idle)
	e.mu.Unlock()
}

// deliver makes up to pushAttempts attempts, pausing retryDelay before each
// retry. ctx ends when sandbox/reset forgets the push.
func (px *pusher) deliver(ctx context.Context, p *push) {
	for n := 1; n <= pushAttempts; n++ {
		if n > 1 && !retry.Sleep(ctx, px.retryDelay) {
			return
		}
		err := px.attempt(ctx, p)
		final := err == nil || n == pushAttempts || ctx.Err() != nil
		px.e.mu.Lock()
		p.attempts = n
		p.delivered = err == nil
		if err != nil {
			p.lastError = err.Error()
		} else {
			p.lastError = ""
		}
		px.e.mu.Unlock()
		switch {
		case err == nil:
			px.e.log.Debug("sandbox push delivered", "id", p.id, "event", p.event, "attempt", n)
		case final:
			px.e.log.Info("sandbox push given up", "id", p.id, "event", p.event, "attempts", n, "err", err)
		default:
			px.e.log.Debug("sandbox push failed; will retry", "id", p.id, "event", p.event, "attempt", n, "err", err)
		}
		if final {
			return
		}
	}
}

// attempt POSTs p once. It succeeds on HTTP 200 with body "success" or an
// empty body (surrounding whitespace ignored) within the push timeout.
func (px *pusher) attempt(ctx context.Context, p *push) error {
	actx, cancel := context.WithTimeout(ctx, px.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := px.client.Do(req)
	var reply []byte
	if err == nil {
		reply, err = io.ReadAll(io.LimitReader(resp.Body, maxPushReply))
		resp.Body.Close()
	}
	switch {
	case ctx.Err() != nil:
		return errors.New("cancelled by sandbox/reset")
	case actx.Err() != nil:
		return fmt.Errorf("no answer within %v", px.timeout)
	case err != nil:
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is long and known
		}
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if s := strings.TrimSpace(string(reply)); s != "" && s != "success" {
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		return fmt.Errorf("answered %q, want success or an empty body", s)
	}
	return nil
}

// WaitPushes returns when no push is queued or being delivered, or with
// ctx's error. Reviews still waiting for their delay are not pushes yet.
func (e *Emulator) WaitPushes(ctx context.Context) error {
	for {
		e.mu.Lock()
		working, idle := e.px.working, e.px.idle
		e.mu.Unlock()
		if !working {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("wait for pushes: %w", ctx.Err())
		}
	}
}

// stopPushes forgets queued pushes and cancels the one in flight (reset).
// Called with the lock held.
func (st *state) stopPushes() {
	st.cancelPushes()
	st.pushQueue = nil
}

type pushView struct {
	ID        string `json:"id"`
	RepushOf  string `json:"repush_of,omitempty"`
	Event     string `json:"event"`
	CardID    string `json:"card_id"`
	Code      string `json:"code"`
	OpenID    string `json:"openid"`
	Attempts  int    `json:"attempts"`
	Delivered bool   `json:"delivered"`
	LastError string `json:"last_error"`
}

type pushesReply struct {
	okBody
	Pushes []pushView `json:"pushes"`
}

// sandboxPushes is GET sandbox/pushes: every push so far, in the order
// they were made (a repush is a push of its own, naming the original).
func (c *call) sandboxPushes() any {
	return c.locked(func(st *state) any {
		out := pushesReply{okBody: ok, Pushes: make([]pushView, 0, len(st.pushes))}
		for _, p := range st.pushes {
			out.Pushes = append(out.Pushes, pushView{
				ID: p.id, RepushOf: p.repushOf, Event: p.event, CardID: p.cardID, Code: p.code,
				OpenID: p.openid, Attempts: p.attempts, Delivered: p.delivered, LastError: p.lastError,
			})
		}
		return out
	})
}

type repushReply struct {
	okBody
	ID string `json:"id"`
}

// sandboxRepush is POST sandbox/repush {"id"}: send an earlier push again
// exactly as before (same URL, same body, so the same CreateTime), as
// WeChat's duplicate deliveries do. It is a new push with its own attempts.
func (c *call) sandboxRepush() any {
	var req struct {
		ID flexInt `json:"id"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.ID.raw == "" {
		return wxErr(41011, "id is required")
	}
	return c.locked(func(st *state) any {
		var src *push
		for _, p := range st.pushes {
			if p.id == req.ID.raw {
				src = p
			}
		}
		if src == nil {
			return wxErrf(40097, "no push %s", req.ID.raw)
		}
		if src.url == "" {
			return wxErrf(40097, "push %s was never sent: %s", src.id, src.lastError)
		}
		st.pushSeq++
		p := &push{
			id: strconv.Itoa(st.pushSeq), repushOf: src.id, event: src.event, cardID: src.cardID,
			code: src.code, openid: src.openid, createTime: src.createTime, url: src.url, body: src.body,
		}
		st.record(p)
		st.enqueue(p)
		return repushReply{okBody: ok, ID: p.id}
	})
}
