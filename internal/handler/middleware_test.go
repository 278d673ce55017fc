package handler

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// A panic answers the internal envelope, as toHTTP builds it, with no cause shown.
func TestRecoveryAnswersTheEnvelope(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := gin.New()
	r.Use(requestIDMiddleware(), recovery(log), errorsMiddleware(log))
	r.GET("/boom", func(*gin.Context) { panic("secret cause") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/boom", nil))
	var got errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if w.Code != http.StatusInternalServerError || got.Error.Code != "internal" || got.Error.Message != "internal error" {
		t.Errorf("got %d %s, want 500 internal / internal error", w.Code, w.Body)
	}
}
