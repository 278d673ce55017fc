package web_test

import (
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/handler"
	"github.com/wxcoupon/coupon/web"
)

// The router serves every embedded file with its type and the console's
// headers, as cmd/server wires it.
func TestEveryAssetServed(t *testing.T) {
	t.Parallel()
	h := handler.New(handler.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Console: web.ConsoleAssets()})
	types := map[string]string{".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
	n := 0
	err := fs.WalkDir(web.ConsoleAssets(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/console/"+name, nil))
		want, ok := types[path.Ext(name)]
		if !ok {
			t.Errorf("%s: an asset of a type the console does not serve", name)
			return nil
		}
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), want) {
			t.Errorf("GET /console/%s = %d %q, want 200 %s", name, w.Code, w.Header().Get("Content-Type"), want)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Security-Policy"), "default-src 'self'") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET /console/%s: headers %v", name, w.Header())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 15 {
		t.Errorf("served %d files, want the whole console", n)
	}
}
