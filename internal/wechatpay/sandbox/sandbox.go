package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

// Options configure an Emulator. The zero value is usable.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives one debug line per call; nil discards.
	Logger *slog.Logger
	// MchID and AppID of the sandbox merchant; DefaultMchID and
	// DefaultAppID when empty. BoundAppIDs are further appids bound to the
	// merchant (mini_programs_appid, notify_appid, appid parameters);
	// DefaultBoundAppID alone when nil.
	MchID, AppID string
	BoundAppIDs  []string
	// SkewTolerance is how far a request's timestamp may be from the
	// emulator's clock; 5 minutes when 0.
	SkewTolerance time.Duration

	// Notifications (COUPON.SEND). NotifyURL is the callbacks URL the
	// merchant starts with, as if set by POST callbacks (§3.7); the merchant
	// may change it with that call. NotifyTimeout bounds one attempt (5 s,
	// WeChat Pay's, when 0); NotifyRetryDelays are the pauses before each
	// retry (60 s × 10, the coupon-event copy's schedule, when nil).
	NotifyURL         string
	NotifyTimeout     time.Duration
	NotifyRetryDelays []time.Duration
	// MarketingPushDisabled plays a merchant without the 营销事件推送
	// product: POST callbacks answers 403 NO_AUTH.
	MarketingPushDisabled bool
	// HTTPClient delivers notifications; nil: a client that does not follow
	// redirects.
	HTTPClient *http.Client
}

// The sandbox merchant's identity when Options leave it empty.
const (
	DefaultMchID = "1900000001"
	DefaultAppID = "wxsandboxmini" // the WeChat emulator's mini-program
	// DefaultBoundAppID is bound to the merchant besides its AppID: the
	// WeChat emulator's Official Account.
	DefaultBoundAppID = "wxsandbox"
)

// Emulator is the WeChat Pay emulator, an http.Handler. All state is in
// memory behind one mutex, never held while a fault delays a call nor while
// a notification is delivered.
type Emulator struct {
	mchID, appID string
	bound        map[string]bool
	keys         *keySet
	now          func() time.Time
	skew         time.Duration
	log          *slog.Logger
	api          *http.ServeMux // /v3/… paths
	driver       *http.ServeMux // /sandbox/pay/… paths
	nt           *notifier
	// initialNotifyURL is Options.NotifyURL, restored by reset.
	initialNotifyURL string
	pushDisabled     bool

	mu sync.Mutex
	st *state
}

// New returns an emulator with empty state and the sandbox merchant's fixed
// keys.
func New(opts Options) *Emulator {
	e := &Emulator{
		mchID:            or(opts.MchID, DefaultMchID),
		appID:            or(opts.AppID, DefaultAppID),
		keys:             fixedKeys(),
		now:              opts.Now,
		skew:             opts.SkewTolerance,
		log:              opts.Logger,
		pushDisabled:     opts.MarketingPushDisabled,
		initialNotifyURL: opts.NotifyURL,
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.skew == 0 {
		e.skew = 5 * time.Minute
	}
	e.bound = map[string]bool{e.appID: true}
	bound := opts.BoundAppIDs
	if bound == nil {
		bound = []string{DefaultBoundAppID}
	}
	for _, id := range bound {
		e.bound[id] = true
	}
	e.nt = newNotifier(e, opts)
	e.st = newState(opts.NotifyURL)
	e.api, e.driver = e.routes()
	return e
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// state is everything sandbox/pay/reset forgets.
type state struct {
	stocks     map[string]*stock
	stockOrder []string
	// coupons by stock id then code: merchant codes are unique only within
	// a stock (§3).
	coupons map[string]map[string]*coupon
	// wxCodes finds WECHATPAY_MODE coupons, whose codes are global.
	wxCodes map[string]*coupon
	// requests remembers every request number used (§1.6), by endpoint.
	requests  map[string]*request
	notifyURL string
	calls     map[string]int
	faults    map[string][]*fault
	seq       int // id source for stocks
	// sends counts every send by (stock, openid, out_request_no) (§7.2).
	sends map[sendKey]*coupon
	// byUser is every coupon of each openid in the order sent: the user
	// calls (§3.2, §3.3) read one user's coupons, not every coupon.
	byUser map[string][]*coupon
	// Notifications made, in order, and those waiting for the worker
	// (notify.go); noteCtx ends when reset forgets them.
	notes       []*note
	noteQueue   []*note
	noteCtx     context.Context
	cancelNotes context.CancelFunc
}

func newState(notifyURL string) *state {
	ctx, cancel := context.WithCancel(context.Background())
	return &state{
		noteCtx:     ctx,
		cancelNotes: cancel,
		stocks:      map[string]*stock{},
		coupons:     map[string]map[string]*coupon{},
		wxCodes:     map[string]*coupon{},
		requests:    map[string]*request{},
		notifyURL:   notifyURL,
		calls:       map[string]int{},
		faults:      map[string][]*fault{},
		sends:       map[sendKey]*coupon{},
		byUser:      map[string][]*coupon{},
	}
}

// call is one request on its way through a handler.
type call struct {
	e    *Emulator
	r    *http.Request
	path string // without the leading slash, e.g. v3/marketing/busifavor/stocks
	body []byte
	now  time.Time
}

// noContent is a handler result answered 204 with an empty body.
type noContent struct{}

// handler answers one call: a *apiError, noContent, or a value encoded as
// the 200 body.
type handler func(*call) any

// ServeHTTP serves WeChat Pay's /v3/… paths and the sandbox/pay/… drivers;
// other paths are 404.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case strings.HasPrefix(path, "v3/"):
		e.serveAPI(w, r, path)
	case strings.HasPrefix(path, "sandbox/pay/"):
		e.driver.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveAPI counts the call and plays any queued fault, then checks the
// signature and runs the endpoint. Every answer, errors included, is signed.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request, path string) {
	if f := e.enter(path); f != nil {
		if !f.wait(r.Context()) {
			return // the caller gave up while the fault delayed it
		}
		if f.status != 0 {
			e.log.Debug("wechatpay fault", "path", path, "http_status", f.status, "code", f.code)
			e.writeError(w, path, &apiError{status: f.status, code: f.code, message: "injected by sandbox/pay/faults"})
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e.writeError(w, path, paramErr("body", "", "请求体超过 1 MB"))
		}
		return
	}
	c := &call{e: e, r: r, path: path, body: body, now: e.now()}
	if aerr := c.checkSignature(); aerr != nil {
		e.writeError(w, path, aerr)
		return
	}
	// The mux matches the pattern and fills r.PathValue; the handler finds
	// its call in the context.
	e.api.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

type callKey struct{}

// apiRoute adapts a handler to the API mux.
func (e *Emulator) apiRoute(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r
		e.write(w, c.path, h(c))
	})
}

// unknownPath answers a /v3/ path or method the emulator does not serve.
func unknownPath(c *call) any {
	return &apiError{status: http.StatusNotFound, code: "NOT_FOUND", message: "未知的接口 " + c.r.Method + " /" + c.path}
}

// write answers a handler's result.
func (e *Emulator) write(w http.ResponseWriter, path string, out any) {
	switch v := out.(type) {
	case *apiError:
		e.writeError(w, path, v)
	case noContent:
		e.log.Debug("wechatpay ok", "path", path)
		e.respond(w, http.StatusNoContent, nil)
	default:
		e.log.Debug("wechatpay ok", "path", path)
		e.respond(w, http.StatusOK, encode(v))
	}
}

func (e *Emulator) writeError(w http.ResponseWriter, path string, aerr *apiError) {
	e.log.Debug("wechatpay error", "path", path, "status", aerr.status, "code", aerr.code, "message", aerr.message)
	e.respond(w, aerr.status, encode(aerr.body()))
}

// encode is v as JSON without HTML escaping (WeChat Pay sends raw UTF-8).
func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("sandbox: encode answer: " + err.Error()) // only the emulator's own types are encoded
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// decode reads the JSON body into v: an empty or malformed body is
// PARAM_ERROR.
func (c *call) decode(v any) *apiError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return paramErr("body", "", "请求体为空")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// Fields of an embedded struct come prefixed with its Go name.
			field := strings.TrimPrefix(te.Field, "stockDef.")
			return paramErr(strings.ReplaceAll(field, ".", "/"), te.Value, "类型错误，应为 "+te.Type.String())
		}
		return paramErr("body", "", "请求体不是合法的 JSON")
	}
	return nil
}

// locked runs f with the state lock held.
func (c *call) locked(f func(st *state) any) any {
	c.e.mu.Lock()
	defer c.e.mu.Unlock()
	return f(c.e.st)
}
