package handler

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var testConsole = fstest.MapFS{
	"index.html":  {Data: []byte("<!doctype html><title>商户后台</title>")},
	"app.css":     {Data: []byte("body{}")},
	"js/app.js":   {Data: []byte("export {}")},
	"icon.png":    {Data: []byte("\x89PNG")},
	"notes.txt":   {Data: []byte("not an asset type")},
	"js/dir/x.js": {Data: []byte("export {}")},
}

func consoleRouter() http.Handler {
	return New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Console: testConsole})
}

func TestConsoleServesAssets(t *testing.T) {
	t.Parallel()
	h := consoleRouter()
	tests := []struct {
		path, wantType, wantBody string
	}{
		{"/console/", "text/html; charset=utf-8", "商户后台"},
		{"/console/index.html", "text/html; charset=utf-8", "商户后台"},
		{"/console/app.css", "text/css; charset=utf-8", "body{}"},
		{"/console/js/app.js", "text/javascript; charset=utf-8", "export {}"},
		{"/console/js/dir/x.js", "text/javascript; charset=utf-8", "export {}"},
		{"/console/icon.png", "image/png", "\x89PNG"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != tt.wantType || !strings.Contains(w.Body.String(), tt.wantBody) {
			t.Errorf("GET %s = %d %q %q, want 200 %q %q", tt.path, w.Code, w.Header().Get("Content-Type"), w.Body, tt.wantType, tt.wantBody)
		}
		checkConsoleHeaders(t, tt.path, w.Header())
		if w.Header().Get("ETag") == "" || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q", tt.path, w.Header().Get("ETag"), w.Header().Get("Cache-Control"))
		}
	}
}

func TestConsoleRevalidates(t *testing.T) {
	t.Parallel()
	h := consoleRouter()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/console/app.css", nil))
	r := httptest.NewRequest(http.MethodGet, "/console/app.css", nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, r)
	if w2.Code != http.StatusNotModified {
		t.Errorf("GET with the ETag = %d, want 304", w2.Code)
	}
}

func TestConsoleRedirectsAndRefuses(t *testing.T) {
	t.Parallel()
	h := consoleRouter()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/console", nil))
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/console/" {
		t.Errorf("GET /console = %d Location %q, want 301 /console/", w.Code, w.Header().Get("Location"))
	}
	for _, p := range []string{"/console/nope.js", "/console/notes.txt", "/console/js/", "/console/../go.mod", "/console/%2e%2e/router.go"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"not_found"`) {
			t.Errorf("GET %s = %d %s, want 404 not_found", p, w.Code, w.Body)
		}
		checkConsoleHeaders(t, p, w.Header())
	}
}

func TestConsoleAbsentWithoutAssets(t *testing.T) {
	t.Parallel()
	h := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/console/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /console/ without assets = %d, want 404", w.Code)
	}
}

func checkConsoleHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("GET %s: %s = %q, want %q", path, k, h.Get(k), v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
		t.Errorf("GET %s: Content-Security-Policy %q, want default-src 'self' and nothing looser", path, csp)
	}
}
