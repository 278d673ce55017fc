package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

func TestReadyzStates(t *testing.T) {
	t.Parallel()
	check := func(st ReadyState) func(context.Context) (ReadyState, error) {
		return func(context.Context) (ReadyState, error) {
			if st == ReadyOK {
				return st, nil
			}
			return st, errors.New("down")
		}
	}
	tests := []struct {
		name       string
		states     [3]ReadyState
		wantStatus int
		wantBody   string
	}{
		{"all ok", [3]ReadyState{ReadyOK, ReadyOK, ReadyOK}, 200, "ok"},
		{"cache degraded", [3]ReadyState{ReadyOK, ReadyDegraded, ReadyOK}, 200, "degraded"},
		{"store failing", [3]ReadyState{ReadyFailing, ReadyDegraded, ReadyOK}, 503, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: []ReadyCheck{
				{Name: "store", Check: check(tt.states[0])},
				{Name: "cache", Check: check(tt.states[1])},
				{Name: "wechat", Check: check(tt.states[2])},
			}})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
			var body struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
				Error  *struct {
					Details struct {
						Failing []string `json:"failing"`
					} `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.wantStatus || body.Status != tt.wantBody {
				t.Errorf("readyz = %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			for i, name := range []string{"store", "cache", "wechat"} {
				if body.Checks[name] != string(tt.states[i]) {
					t.Errorf("checks[%s] = %q, want %q", name, body.Checks[name], tt.states[i])
				}
			}
			if tt.wantStatus == 503 && (body.Error == nil || len(body.Error.Details.Failing) != 1 || body.Error.Details.Failing[0] != "store") {
				t.Errorf("503 body %s does not name the store alone", w.Body)
			}
		})
	}
}
