package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// The push tests' settings: the doc's self-made EncodingAESKey (§10, bytes
// 0x00..0x1f) and short timings.
const (
	testToken      = "testtoken"
	testAESKey     = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	testRetryDelay = 5 * time.Millisecond
	waitLimit      = 10 * time.Second // bounds every wait; never reached when things work
)

// delivery is one request the receiver got.
type delivery struct {
	method      string
	query       url.Values
	rawQuery    string
	contentType string
	body        []byte
}

// receiver is the test's callback server: it records every request and
// answers as the test says.
type receiver struct {
	t   *testing.T
	url string

	mu     sync.Mutex
	got    []delivery
	answer func(n int, r *http.Request) (status int, body string) // n counts from 1
	notify chan struct{}
}

// newReceiver answers 200 "success" unless answer is set.
func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{t: t, notify: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/wechat/callback"
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{r.Method, r.URL.Query(), r.URL.RawQuery, r.Header.Get("Content-Type"), body})
	n, answer := len(rc.got), rc.answer
	rc.mu.Unlock()
	select {
	case rc.notify <- struct{}{}:
	default:
	}
	status, text := http.StatusOK, "success"
	if answer != nil {
		status, text = answer(n, r)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

func (rc *receiver) setAnswer(f func(n int, r *http.Request) (int, string)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = f
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// waitFor waits until at least n requests arrived, failing after waitLimit.
func (rc *receiver) waitFor(n int) []delivery {
	rc.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		if got := rc.deliveries(); len(got) >= n {
			return got
		}
		select {
		case <-rc.notify:
		case <-deadline.C:
			rc.t.Fatalf("receiver got %d requests within %v, want %d", len(rc.deliveries()), waitLimit, n)
		}
	}
}

// hang blocks a request until the emulator gives up on it.
func hang(r *http.Request) { <-r.Context().Done() }

// pushEnv is an emulator pushing to a receiver.
func pushEnv(t *testing.T, opts sandbox.Options) (*env, *receiver) {
	t.Helper()
	rc := newReceiver(t)
	opts.CallbackURL = rc.url
	if opts.CallbackToken == "" {
		opts.CallbackToken = testToken
	}
	if opts.PushRetryDelay == 0 {
		opts.PushRetryDelay = testRetryDelay
	}
	return newEnv(t, opts), rc
}

// wait returns when the emulator has no push pending.
func (e *env) wait() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := e.emu.WaitPushes(ctx); err != nil {
		e.t.Fatalf("WaitPushes: %v", err)
	}
}

type pushInfo struct {
	ID        string `json:"id"`
	RepushOf  string `json:"repush_of"`
	Event     string `json:"event"`
	CardID    string `json:"card_id"`
	Code      string `json:"code"`
	OpenID    string `json:"openid"`
	Attempts  int    `json:"attempts"`
	Delivered bool   `json:"delivered"`
	LastError string `json:"last_error"`
}

// pushes is GET sandbox/pushes.
func (e *env) pushes() []pushInfo {
	e.t.Helper()
	r := e.get("/sandbox/pushes")
	var out struct {
		Pushes []pushInfo `json:"pushes"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 {
		e.t.Fatalf("sandbox/pushes = %d %s", r.status, r.body)
	}
	return out.Pushes
}

// fields reads a flat WeChat XML document into element name → text; every
// element is recorded, the root's children only.
func fields(t *testing.T, doc []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth, name := 0, ""
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("XML %s: %v", doc, err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && tk.Name.Local != "xml" {
				t.Errorf("root element %s, want xml", tk.Name.Local)
			}
			if depth == 2 {
				name = tk.Name.Local
				text.Reset()
				if _, dup := out[name]; dup {
					t.Errorf("element %s twice in %s", name, doc)
				}
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(tk)
			}
		case xml.EndElement:
			if depth == 2 {
				out[name] = text.String()
			}
			depth--
		}
	}
}

// wantFields checks the fields want names; "" wants the element present and empty.
func wantFields(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		g, has := got[k]
		if !has {
			t.Errorf("%s: no %s element; got %v", what, k, got)
		} else if g != v {
			t.Errorf("%s: %s = %q, want %q", what, k, g, v)
		}
	}
}

// events is the Event of each plain-mode delivery, in order.
func events(t *testing.T, ds []delivery) []string {
	t.Helper()
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fields(t, d.body)["Event"]
	}
	return out
}
