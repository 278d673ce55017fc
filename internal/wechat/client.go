// Package wechat is the client of the WeChat Official Account card API (微信卡券)
// and of the mini-program login: typed calls, WeChat's errcodes as *Error, the
// access_token and card api_ticket shared by all replicas through a cache, the
// card signature and nonces. No credential ever appears in an error or a log
// line.
//
// Every call has a deadline (Config.Timeout, retries included), retries
// transient failures (errcode -1, HTTP 5xx, transport errors) with exponential
// backoff and jitter, and, when WeChat rejects the access_token (40001, 40014,
// 42001), obtains a fresh one and repeats the call once.
//
// One file per purpose: client.go (configuration and the call machinery),
// errors.go, credentials.go (token and ticket sources), calls_*.go (typed
// APIs), signature.go, nonce.go.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

const (
	defaultTimeout = 5 * time.Second
	// defaultCredentialRecheck bounds how long a credential replaced by another
	// instance goes on being used here.
	defaultCredentialRecheck = 5 * time.Second
	maxAttempts              = 3
	backoffBase              = 50 * time.Millisecond
	backoffCap               = time.Second
	maxAnswer                = 8 << 20 // bytes read from one answer
)

// Hooks are optional callbacks for metrics. Nil fields are skipped.
type Hooks struct {
	// OnCall reports one API call once it is over, retries included: errcode
	// is 0 on success, WeChat's errcode, or CodeUnavailable.
	OnCall func(api string, errcode int, d time.Duration)
	// OnRefresh reports that a credential ("access_token", "api_ticket") was
	// fetched from WeChat.
	OnRefresh func(what string)
}

func (h Hooks) call(api string, errcode int, d time.Duration) {
	if h.OnCall != nil {
		h.OnCall(api, errcode, d)
	}
}

func (h Hooks) refresh(what string) {
	if h.OnRefresh != nil {
		h.OnRefresh(what)
	}
}

// Config configures a Client.
type Config struct {
	BaseURL                  string        // DefaultBaseURL when empty; the emulator in tests
	AppID, AppSecret         string        // the Official Account that owns the cards
	MiniAppID, MiniAppSecret string        // the mini-program, for Code2Session
	Timeout                  time.Duration // deadline of one API call, retries included (default 5s)
	// CredentialRecheck is how long the access_token and api_ticket read from
	// the Cache are used from process memory before the Cache is read again
	// (default 5s; negative: read the Cache on every call).
	CredentialRecheck time.Duration
	HTTPClient        *http.Client // default: a client with bounded dial, TLS and idle settings
	Cache             Cache        // where the access_token and api_ticket live; required
	Logger            *slog.Logger // nil: discard
	Hooks             Hooks
}

// Client calls WeChat. It is safe for concurrent use; several Clients (in one
// process or many) sharing one Cache share one access_token and api_ticket.
type Client struct {
	base                     string
	appID, appSecret         string
	miniAppID, miniAppSecret string
	timeout                  time.Duration
	recheck                  time.Duration
	http                     *http.Client
	cache                    Cache
	log                      *slog.Logger
	hooks                    Hooks

	tokens  *credSource
	tickets *credSource
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wechat: BaseURL %q is not an http(s) URL", redactURL(cfg.BaseURL))
	}
	switch {
	case cfg.AppID == "" || cfg.AppSecret == "":
		return nil, errors.New("wechat: AppID and AppSecret are required")
	case cfg.Cache == nil:
		return nil, errors.New("wechat: Cache is required")
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("wechat: Timeout %s is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	switch {
	case cfg.CredentialRecheck == 0:
		cfg.CredentialRecheck = defaultCredentialRecheck
	case cfg.CredentialRecheck < 0:
		cfg.CredentialRecheck = 0
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		base:          strings.TrimRight(cfg.BaseURL, "/"),
		appID:         cfg.AppID,
		appSecret:     cfg.AppSecret,
		miniAppID:     cfg.MiniAppID,
		miniAppSecret: cfg.MiniAppSecret,
		timeout:       cfg.Timeout,
		recheck:       cfg.CredentialRecheck,
		http:          cfg.HTTPClient,
		cache:         cfg.Cache,
		log:           cfg.Logger,
		hooks:         cfg.Hooks,
	}
	c.tokens = c.newCredSource("access_token", apiToken, c.fetchToken)
	c.tickets = c.newCredSource("api_ticket", apiTicket, c.fetchTicket)
	return c, nil
}

// defaultHTTPClient has no overall timeout (every call carries a deadline)
// but bounds each phase of a connection.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2: true,
		// Every call goes to one host: keep as many idle connections as
		// requests run at once, or each burst closes and redials (measured in
		// docs/benchmarks.md).
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}

// request is one API call before it is sent.
type request struct {
	api    string // the path under the base URL, e.g. "card/get"
	method string
	query  url.Values // without the access_token
	token  bool       // authenticated with the access_token
	// idempotent: safe to send again after a failure that may have reached
	// WeChat. Other calls are retried only when WeChat said it did nothing
	// (errcode -1, HTTP 5xx) or the connection was never made.
	idempotent bool
	// body makes the request body for one attempt; nil for none.
	body func() (io.Reader, string, error)
	// replayable: body can be made again, so the call can be repeated at all.
	replayable bool
}

// postJSON is a POST of payload as JSON (raw UTF-8, no HTML escaping),
// authenticated with the access_token.
func postJSON(api string, idempotent bool, payload any) (*request, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(payload); err != nil {
		return nil, fmt.Errorf("wechat %s: encode request: %w", api, err)
	}
	b := buf.Bytes()
	return &request{
		api: api, method: http.MethodPost, token: true, idempotent: idempotent, replayable: true,
		body: func() (io.Reader, string, error) {
			return bytes.NewReader(b), "application/json; charset=utf-8", nil
		},
	}, nil
}

// getAuthed is a GET authenticated with the access_token.
func getAuthed(api string, query url.Values) *request {
	return &request{api: api, method: http.MethodGet, query: query, token: true, idempotent: true, replayable: true}
}

// do sends a JSON request and decodes the answer into out.
func (c *Client) do(ctx context.Context, api string, idempotent bool, payload, out any) error {
	r, err := postJSON(api, idempotent, payload)
	if err != nil {
		return err
	}
	return c.call(ctx, r, out)
}

// call performs r within the Timeout and decodes the answer into out (nil:
// only the errcode is read).
func (c *Client) call(ctx context.Context, r *request, out any) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := whenCanceled(ctx, r.api, c.callAuthed(ctx, r, out))
	d := time.Since(start)
	c.hooks.call(r.api, errcodeOf(err), d)
	if err != nil {
		c.log.DebugContext(ctx, "wechat call failed", "api", r.api, "duration", d, "err", err)
	} else {
		c.log.DebugContext(ctx, "wechat call", "api", r.api, "duration", d)
	}
	return err
}

// tokenRejected are the errcodes that mean the access_token is no longer good.
var tokenRejected = []int{40001, 40014, 42001}

// callAuthed adds the access_token when r needs one; when WeChat rejects it,
// it replaces that token and repeats the call once.
func (c *Client) callAuthed(ctx context.Context, r *request, out any) error {
	if !r.token {
		return c.attempts(ctx, r, "", out)
	}
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return err
	}
	err = c.attempts(ctx, r, tok, out)
	if !IsCode(err, tokenRejected...) || !r.replayable {
		return err
	}
	c.log.WarnContext(ctx, "wechat rejected the access_token; replacing it and repeating the call once",
		"api", r.api, "errcode", errcodeOf(err))
	fresh, ferr := c.tokens.refresh(ctx, tok)
	if ferr != nil {
		return ferr
	}
	return c.attempts(ctx, r, fresh, out)
}

// attempts sends r up to maxAttempts times while the failure is transient
// and ctx lasts, and returns the outcome as *Error, *UnavailableError or nil.
func (c *Client) attempts(ctx context.Context, r *request, token string, out any) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = c.once(ctx, r, token, out)
		if err == nil {
			return nil
		}
		if attempt >= maxAttempts || !r.replayable || !retryable(r, err) || ctx.Err() != nil {
			break
		}
		wait := retry.Backoff(attempt, backoffBase, backoffCap)
		c.log.DebugContext(ctx, "wechat call failed; retrying", "api", r.api, "attempt", attempt, "backoff", wait, "err", err)
		if !retry.Sleep(ctx, wait) {
			break
		}
	}
	return outcome(ctx, r.api, err)
}

// outcome turns the last attempt's failure into the error callers see.
func outcome(ctx context.Context, api string, err error) error {
	var be *bodyError
	if errors.As(err, &be) {
		return fmt.Errorf("wechat %s: %w", api, be)
	}
	var we *Error
	if errors.As(err, &we) && (we.Code != -1 || ctx.Err() == nil) {
		return we // WeChat's answer; -1 only when the retries ran out, not the time
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (last attempt: %w)", cerr, err)
	}
	return &UnavailableError{API: api, Err: err}
}

// retryable reports whether a failed attempt may be repeated.
func retryable(r *request, err error) bool {
	var (
		we *Error
		se *statusError
		be *bodyError
		de *decodeError
	)
	switch {
	case errors.As(err, &we):
		return we.Code == -1
	case errors.As(err, &se):
		// A 500 or 504 may come after WeChat did the work (a card created, a
		// stock changed): only an idempotent call is sent again. A 503 is
		// refused before any work.
		return se.status >= 500 && (r.idempotent || se.status == http.StatusServiceUnavailable)
	case errors.As(err, &be), errors.As(err, &de):
		return false
	case r.idempotent:
		return true
	default:
		return neverSent(err)
	}
}

// neverSent reports a transport failure before the request left: the
// connection could not be made.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// bodyError is a failure to produce the request body (an upload's reader).
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// decodeError is an answer that is not the JSON expected.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode answer: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// answer is the part of every answer that says whether the call succeeded.
type answer struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

// once sends r one time. Transport errors come back with credentials
// removed from their URL.
func (c *Client) once(ctx context.Context, r *request, token string, out any) error {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if token != "" {
		q.Set("access_token", token)
	}
	u := c.base + "/" + r.api
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var (
		body        io.Reader
		contentType string
	)
	if r.body != nil {
		var err error
		if body, contentType, err = r.body(); err != nil {
			return &bodyError{err}
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return scrub(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return scrub(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return scrub(fmt.Errorf("read answer: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{status: resp.StatusCode, text: http.StatusText(resp.StatusCode)}
	}
	if len(data) > maxAnswer {
		return &decodeError{fmt.Errorf("answer over %d bytes", maxAnswer)}
	}
	var head answer
	if err := json.Unmarshal(data, &head); err != nil {
		return &decodeError{err}
	}
	if head.Errcode != 0 {
		return &Error{API: r.api, Code: head.Errcode, Msg: redact(head.Errmsg)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &decodeError{err}
		}
	}
	return nil
}
