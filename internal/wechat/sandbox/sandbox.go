// Package sandbox is an in-memory emulator of the WeChat Official Account card
// API (微信卡券) and of the mini-program login, faithful where a client can see
// it: it validates what WeChat validates and answers with WeChat's errcodes
// (see shared/wechat-card-api.md). Beside WeChat's own paths it serves driver
// endpoints under sandbox/ that play the WeChat client's part (wx.login,
// wx.addCard) and let tests inject faults, expire credentials and count calls.
//
// Paths are relative to the emulator's root: the handler serves
// /cgi-bin/token, /card/create, /sandbox/login, … and is mounted with
// http.StripPrefix by whoever serves it. WeChat Pay's paths under the same
// root (/v3/…, /sandbox/pay/…) go to the WeChat Pay emulator
// (internal/wechatpay/sandbox; Options.Pay, Emulator.Pay).
//
// One file per area: credentials.go (token, ticket, jscode2session),
// cards.go and carddef.go (card templates), codes.go (user codes),
// review.go (review timers), addcard.go and cardext.go (wx.addCard and its
// signature), driver.go (sandbox/* endpoints), pushes.go (event push to the
// callback URL), faults.go, media.go, errors.go.
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

	paysandbox "github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
)

// The credentials the emulator accepts when Options leaves them empty.
const (
	DefaultAppID         = "wxsandbox"
	DefaultAppSecret     = "sandbox-secret"
	DefaultMiniAppID     = "wxsandboxmini"
	DefaultMiniAppSecret = "sandbox-mini-secret"
)

// maxBody bounds every request body (media uploads are the largest).
const maxBody = 16 << 20

// Options configure an Emulator. The zero value is usable.
type Options struct {
	// The Official Account (owner of the cards) and the mini-program; the
	// Default* constants when empty.
	AppID, AppSecret, MiniAppID, MiniAppSecret string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ReviewDelay is how long a created (or re-reviewed) card stays
	// CARD_STATUS_NOT_VERIFY; 0 passes review at once.
	ReviewDelay time.Duration
	// Logger receives one debug line per call; nil discards.
	Logger *slog.Logger

	// Event push (pushes.go). CallbackURL is the service's callback
	// endpoint; empty: no pushes. CallbackToken signs them; EncodingAESKey
	// (43 characters) encrypts them in safe and compat mode.
	CallbackURL, CallbackToken, EncodingAESKey string
	// CallbackMode is ModePlain, ModeSafe or ModeCompat; empty: safe when
	// EncodingAESKey is set, else plain.
	CallbackMode string
	// PushTimeout bounds one attempt (default 5 s, WeChat's); PushRetryDelay
	// is the pause before each retry (default 1 s).
	PushTimeout, PushRetryDelay time.Duration
	// OriginalID is the Official Account's original id (gh_…), the events'
	// ToUserName; default "gh_sandbox000001".
	OriginalID string
	// HTTPClient makes the pushes; nil: a client that does not follow
	// redirects. PushTimeout bounds each attempt either way.
	HTTPClient *http.Client

	// Pay is the WeChat Pay emulator served beside this one under the same
	// root (its /v3/… and sandbox/pay/… paths do not collide with
	// WeChat's); nil: one with this Logger and clock, whose merchant's appid
	// is MiniAppID, with AppID bound too.
	Pay *paysandbox.Emulator
}

// Emulator is the WeChat emulator, an http.Handler. All state is in memory
// behind one mutex, which is never held while a fault delays a call nor
// while an event is pushed.
type Emulator struct {
	appID, appSecret         string
	miniAppID, miniAppSecret string
	now                      func() time.Time
	reviewDelay              time.Duration
	log                      *slog.Logger
	idPrefix                 string // characters 2–6 of card ids, derived from the appid (§10)
	routes                   map[string]route
	px                       *pusher // configuration fixed; its worker fields under mu
	pay                      *paysandbox.Emulator

	mu sync.Mutex
	st *state
}

// state is everything sandbox/reset forgets.
type state struct {
	tokens       credChain // cgi-bin/token access tokens
	cardTickets  credChain // getticket type=wx_card (the api_ticket)
	jsapiTickets credChain // getticket type=jsapi
	jsCodes      map[string]*jsCode
	cards        map[string]*card
	cardOrder    []string               // creation order, for card/batchget
	codes        map[string][]*userCode // by code value; custom codes may repeat across cards
	encrypted    map[string]codeRef     // encrypt_code → code
	nonces       map[string]map[string]bool
	calls        map[string]int
	faults       map[string][]*fault
	reviewTimers map[string]*time.Timer // card id → its pending review (review.go)

	// Event push (pushes.go).
	px           *pusher
	pushes       []*push // every push made, in order
	pushQueue    []*push // waiting for the worker
	pushSeq      int
	pushCtx      context.Context // ends when reset forgets the pushes
	cancelPushes context.CancelFunc
}

func newState(px *pusher) *state {
	ctx, cancel := context.WithCancel(context.Background())
	return &state{
		reviewTimers: map[string]*time.Timer{},
		px:           px,
		pushCtx:      ctx,
		cancelPushes: cancel,
		jsCodes:      map[string]*jsCode{},
		cards:        map[string]*card{},
		codes:        map[string][]*userCode{},
		encrypted:    map[string]codeRef{},
		nonces:       map[string]map[string]bool{},
		calls:        map[string]int{},
		faults:       map[string][]*fault{},
	}
}

// New returns an emulator with empty state. Options it cannot use for event
// push (see Options.Validate) are logged and make every push give up.
func New(opts Options) *Emulator {
	e := &Emulator{
		appID:         or(opts.AppID, DefaultAppID),
		appSecret:     or(opts.AppSecret, DefaultAppSecret),
		miniAppID:     or(opts.MiniAppID, DefaultMiniAppID),
		miniAppSecret: or(opts.MiniAppSecret, DefaultMiniAppSecret),
		now:           opts.Now,
		reviewDelay:   opts.ReviewDelay,
		log:           opts.Logger,
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.pay = opts.Pay
	if e.pay == nil {
		// The merchant's appid is this emulator's mini-program, and its
		// Official Account is bound too, so the two emulators agree.
		e.pay = paysandbox.New(paysandbox.Options{
			Now: opts.Now, Logger: opts.Logger, AppID: e.miniAppID, BoundAppIDs: []string{e.appID},
		})
	}
	e.idPrefix = idPrefix(e.appID)
	e.routes = e.routeTable()
	e.px = newPusher(e, opts)
	e.st = newState(e.px)
	return e
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// route describes one path. WeChat paths are counted in sandbox/stats and
// can be faulted; driver paths (sandbox/*) cannot.
type route struct {
	method string // required method; "" accepts GET and POST
	wechat bool
	token  bool // needs a valid access_token in the query
	handle func(*call) any
}

func (rt route) allows(method string) bool {
	if rt.method == "" {
		return method == http.MethodGet || method == http.MethodPost
	}
	return method == rt.method
}

func (e *Emulator) routeTable() map[string]route {
	get, post := http.MethodGet, http.MethodPost
	wx := func(method string, token bool, h func(*call) any) route {
		return route{method: method, wechat: true, token: token, handle: h}
	}
	driver := func(method string, h func(*call) any) route { return route{method: method, handle: h} }
	return map[string]route{
		// credentials.go
		"cgi-bin/token":            wx(get, false, (*call).token),
		"cgi-bin/ticket/getticket": wx(get, true, (*call).getTicket),
		"sns/jscode2session":       wx(get, false, (*call).jscode2session),
		// cards.go
		"card/create":      wx(post, true, (*call).cardCreate),
		"card/get":         wx(post, true, (*call).cardGet),
		"card/batchget":    wx(post, true, (*call).cardBatchGet),
		"card/update":      wx(post, true, (*call).cardUpdate),
		"card/delete":      wx(post, true, (*call).cardDelete),
		"card/modifystock": wx(post, true, (*call).cardModifyStock),
		// Every SDK calls getcolors with GET; POST is accepted too (unconfirmed).
		"card/getcolors": wx("", true, (*call).cardGetColors),
		// codes.go
		"card/code/decrypt":     wx(post, true, (*call).codeDecrypt),
		"card/code/get":         wx(post, true, (*call).codeGet),
		"card/code/consume":     wx(post, true, (*call).codeConsume),
		"card/code/update":      wx(post, true, (*call).codeUpdate),
		"card/code/unavailable": wx(post, true, (*call).codeUnavailable),
		// media.go
		"cgi-bin/media/uploadimg": wx(post, true, (*call).mediaUploadImg),
		"cgi-bin/media/upload":    wx(post, true, (*call).mediaUpload),
		// driver.go, addcard.go
		"sandbox/login":    driver(post, (*call).sandboxLogin),
		"sandbox/add-card": driver(post, (*call).sandboxAddCard),
		"sandbox/stats":    driver(get, (*call).sandboxStats),
		"sandbox/faults":   driver(post, (*call).sandboxFaults),
		"sandbox/expire":   driver(post, (*call).sandboxExpire),
		"sandbox/reset":    driver(post, (*call).sandboxReset),
		// driver.go, pushes.go: the user's part after receipt, event push
		"sandbox/delete-card": driver(post, (*call).sandboxDeleteCard),
		"sandbox/gift-card":   driver(post, (*call).sandboxGiftCard),
		"sandbox/pushes":      driver(get, (*call).sandboxPushes),
		"sandbox/repush":      driver(post, (*call).sandboxRepush),
	}
}

// call is one request on its way through a handler.
type call struct {
	e    *Emulator
	r    *http.Request
	path string
	body []byte
	now  time.Time
}

// Pay is the WeChat Pay emulator this one serves beside itself.
func (e *Emulator) Pay() *paysandbox.Emulator { return e.pay }

// ServeHTTP routes a request: WeChat Pay's paths (v3/…, sandbox/pay/…) to
// the WeChat Pay emulator; WeChat paths are counted, then any queued fault
// is played, then method, access_token and the handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if strings.HasPrefix(path, "v3/") || strings.HasPrefix(path, "sandbox/pay/") {
		e.pay.ServeHTTP(w, r)
		return
	}
	rt, found := e.routes[path]
	if !found {
		http.NotFound(w, r)
		return
	}
	if rt.wechat {
		f := e.enter(path)
		if f != nil {
			if !f.wait(r.Context()) {
				return // the caller gave up while the fault delayed it
			}
			if f.httpStatus != 0 {
				e.log.Debug("wechat fault", "path", path, "http_status", f.httpStatus)
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(f.httpStatus)
				_, _ = io.WriteString(w, http.StatusText(f.httpStatus)+"\n")
				return
			}
			if f.errcode != 0 {
				e.write(w, path, rt, wxErr(f.errcode, "injected by sandbox/faults"))
				return
			}
		}
	}
	if !rt.allows(r.Method) {
		code := 43002
		if rt.method != http.MethodPost {
			code = 43001
		}
		e.write(w, path, rt, wxErr(code, r.Method+" "+path))
		return
	}
	c := &call{e: e, r: r, path: path}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e.write(w, path, rt, wxErr(47001, "body over 16 MB"))
			return
		}
		return // the caller went away
	}
	c.body = body
	c.now = e.now()
	if rt.token {
		if err := c.checkToken(); err != nil {
			e.write(w, path, rt, err)
			return
		}
	}
	e.write(w, path, rt, rt.handle(c))
}

// decode reads the JSON body into v: an empty body is 44002, anything that
// does not parse into v (syntax or type) is 47001.
func (c *call) decode(v any) *wxError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return wxErr(44002, "empty body")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return wxErr(47001, err.Error())
	}
	return nil
}

// locked runs f with the state lock held.
func (c *call) locked(f func(st *state) any) any {
	c.e.mu.Lock()
	defer c.e.mu.Unlock()
	return f(c.e.st)
}
