package wechatpay

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
)

// DefaultBaseURL is WeChat Pay's API host.
const DefaultBaseURL = "https://api.mch.weixin.qq.com"

const (
	defaultTimeout = 5 * time.Second
	maxAttempts    = 3
	backoffBase    = 50 * time.Millisecond
	backoffCap     = time.Second
	maxAnswer      = 4 << 20 // bytes read from one answer
	userAgent      = "wxcoupon-wechatpay/1 (Go; +stdlib)"
)

// Hooks are optional callbacks for metrics. Nil fields are skipped.
type Hooks struct {
	// OnCall reports one API call once it is over, retries included: code is
	// OutcomeOK, WeChat Pay's error code (or HTTP_<status> without one), or
	// one of the other Outcome* values.
	OnCall func(api, code string, d time.Duration)
}

// Config configures a Client. The keys are parsed already (ParsePrivateKey,
// ParsePublicKey); internal/config reads and checks them at start.
type Config struct {
	BaseURL     string          // DefaultBaseURL when empty; the emulator in tests
	MchID       string          // 商户号, sent in every Authorization
	MchSerialNo string          // serial of the merchant API certificate (商户API证书序列号)
	PrivateKey  *rsa.PrivateKey // the merchant API private key (apiclient_key.pem)
	PublicKeyID string          // 微信支付公钥 id, PUB_KEY_ID_…
	PublicKey   *rsa.PublicKey  // 微信支付公钥: verifies answers and notifications
	APIv3Key    []byte          // 32 bytes; decrypts notifications and jump-link codes (optional for calls)
	APIv2Key    string          // 32 characters; signs the send-coupon plugin (optional for calls)
	Timeout     time.Duration   // deadline of one call, retries included (default 5s)
	HTTPClient  *http.Client    // default: bounded dial, TLS and idle settings
	Logger      *slog.Logger    // nil: discard
	Hooks       Hooks
}

// Client calls WeChat Pay API v3. It is safe for concurrent use.
type Client struct {
	base     string
	mchID    string
	serial   string
	key      *rsa.PrivateKey
	verifier Verifier
	apiV3Key []byte
	apiV2Key string
	timeout  time.Duration
	http     *http.Client
	log      *slog.Logger
	hooks    Hooks
}

// New checks cfg and returns a Client. Its errors name the faulty field and
// never quote a key.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, errors.New("wechatpay: BaseURL is not an http(s) URL without query or credentials")
	}
	switch {
	case cfg.MchID == "":
		return nil, errors.New("wechatpay: MchID is required")
	case cfg.MchSerialNo == "":
		return nil, errors.New("wechatpay: MchSerialNo is required")
	case cfg.PrivateKey == nil:
		return nil, errors.New("wechatpay: PrivateKey is required")
	case !strings.HasPrefix(cfg.PublicKeyID, PublicKeyIDPrefix):
		return nil, fmt.Errorf("wechatpay: PublicKeyID must start with %s", PublicKeyIDPrefix)
	case cfg.PublicKey == nil:
		return nil, errors.New("wechatpay: PublicKey is required")
	case cfg.APIv3Key != nil && len(cfg.APIv3Key) != APIv3KeyLen:
		return nil, fmt.Errorf("wechatpay: APIv3Key must be %d bytes, got %d", APIv3KeyLen, len(cfg.APIv3Key))
	case cfg.APIv2Key != "" && len(cfg.APIv2Key) != 32:
		return nil, fmt.Errorf("wechatpay: APIv2Key must be 32 bytes, got %d", len(cfg.APIv2Key))
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("wechatpay: Timeout %s is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		base:     strings.TrimRight(cfg.BaseURL, "/"),
		mchID:    cfg.MchID,
		serial:   cfg.MchSerialNo,
		key:      cfg.PrivateKey,
		verifier: Verifier{KeyID: cfg.PublicKeyID, Key: cfg.PublicKey},
		apiV3Key: bytes.Clone(cfg.APIv3Key),
		apiV2Key: cfg.APIv2Key,
		timeout:  cfg.Timeout,
		http:     cfg.HTTPClient,
		log:      cfg.Logger,
		hooks:    cfg.Hooks,
	}, nil
}

// MchID is the configured merchant number.
func (c *Client) MchID() string { return c.mchID }

// defaultHTTPClient has no overall timeout (every call carries a deadline)
// but bounds each phase of a connection.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}

// Request is one API v3 call.
type Request struct {
	// API names the call in logs, metrics and errors (a template such as
	// "busifavor/stocks/get", never an id); Path when empty.
	API    string
	Method string // GET, POST, PATCH…
	// Path under the base URL, starting "/v3/", with every variable segment
	// escaped (url.PathEscape); it is sent and signed exactly as given.
	Path  string
	Query url.Values // sent as Query.Encode() (keys sorted), and signed so
	// Body is marshalled once (raw UTF-8, no HTML escaping) and those exact
	// bytes are signed and sent; []byte and json.RawMessage are sent as they
	// are; nil sends no body.
	Body any
	// Idempotent allows repeating the request after a transient failure:
	// GETs, and writes that carry a request number (out_request_no…), which
	// WeChat Pay uses to apply them once. Other requests are never repeated.
	Idempotent bool
}

// Do performs r within the Timeout (retries included), verifies a 2xx
// answer's signature and decodes it into out (nil: ignored; a 204's empty
// body leaves out untouched). Errors: *Error (WeChat Pay refused),
// *UnavailableError (no usable answer in time), ErrBadSignature wrapped (the
// answer failed verification), or a local failure.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	api := r.API
	if api == "" {
		api = r.Path
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := c.do(ctx, api, r, out)
	d := time.Since(start)
	code := outcomeOf(err)
	if c.hooks.OnCall != nil {
		c.hooks.OnCall(api, code, d)
	}
	if err != nil {
		c.log.DebugContext(ctx, "wechatpay call failed", "api", api, "outcome", code, "duration", d, "err", err)
	} else {
		c.log.DebugContext(ctx, "wechatpay call", "api", api, "duration", d)
	}
	return err
}

func (c *Client) do(ctx context.Context, api string, r Request, out any) error {
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("wechatpay %s: path must start with /", api)
	}
	body, err := encodeBody(r.Body)
	if err != nil {
		return fmt.Errorf("wechatpay %s: encode request: %w", api, err)
	}
	target := c.base + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	for attempt := 1; ; attempt++ {
		err = c.once(ctx, api, r.Method, target, body, out)
		if err == nil {
			return nil
		}
		if !r.Idempotent || !transient(err) || attempt >= maxAttempts || ctx.Err() != nil {
			break
		}
		wait := retry.Backoff(attempt, backoffBase, backoffCap)
		c.log.DebugContext(ctx, "wechatpay call failed; repeating it", "api", api, "attempt", attempt, "backoff", wait, "err", err)
		if !retry.Sleep(ctx, wait) {
			break
		}
	}
	return outcome(ctx, api, err)
}

// encodeBody marshals a request body once; its bytes are both signed and sent.
func encodeBody(v any) ([]byte, error) {
	switch b := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// once sends the request one time with a fresh timestamp, nonce and
// signature, and checks the answer.
func (c *Client) once(ctx context.Context, api, method, target string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("wechatpay %s: %w", api, err)
	}
	// Sign what net/http writes on the request line, not a rebuilt URL.
	auth, err := SignRequest(c.key, c.mchID, c.serial, method, req.URL.RequestURI(),
		strconv.FormatInt(time.Now().Unix(), 10), NewNonce(), body)
	if err != nil {
		return fmt.Errorf("wechatpay %s: %w", api, err)
	}
	req.Header.Set("Authorization", auth.String())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	// Names the key this client verifies answers with (as the official SDK).
	req.Header.Set(HeaderSerial, c.verifier.KeyID)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return &transportError{fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return refusal(api, resp, data)
	}
	if len(data) > maxAnswer {
		return fmt.Errorf("wechatpay %s: %w", api, &decodeError{fmt.Errorf("answer over %d bytes", maxAnswer)})
	}
	// A 2xx answer is believed only once its signature verifies.
	if err := c.verifier.Verify(HeadersFrom(resp.Header), data); err != nil {
		rid := clip(resp.Header.Get(HeaderRequestID))
		c.log.WarnContext(ctx, "wechatpay answer failed verification", "api", api, "request_id", rid, "err", err)
		return fmt.Errorf("wechatpay %s: answer refused (Request-ID %q): %w", api, rid, err)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("wechatpay %s: %w", api, &decodeError{err})
		}
	}
	return nil
}

// refusal reads a non-2xx answer's error body. The Go SDK does not verify
// these; neither does this client (WeChat may not sign them).
func refusal(api string, resp *http.Response, data []byte) *Error {
	e := &Error{API: api, HTTPStatus: resp.StatusCode, RequestID: clip(resp.Header.Get(HeaderRequestID))}
	var body struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Detail  map[string]any `json:"detail"`
	}
	if json.Unmarshal(data, &body) == nil && body.Code != "" {
		e.Code, e.Message, e.Detail = body.Code, body.Message, body.Detail
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// transportError is a failure to exchange the request and answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// transient reports a failure worth repeating with the same request.
func transient(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	if e, ok := AsError(err); ok {
		return e.transient()
	}
	return false
}

// outcome turns the last attempt's failure into the error callers see:
// transient failures and a passed deadline become *UnavailableError.
func outcome(ctx context.Context, api string, err error) error {
	var de *decodeError
	if e, ok := AsError(err); ok && !e.transient() {
		return err // WeChat Pay's answer, even when the deadline passed since
	}
	if errors.Is(err, ErrBadSignature) || errors.As(err, &de) {
		return err
	}
	cerr := ctx.Err()
	if !transient(err) && cerr == nil {
		return err
	}
	if cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (last attempt: %w)", cerr, err)
	}
	return &UnavailableError{API: api, Err: err}
}
