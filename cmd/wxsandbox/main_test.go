package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is stdout shared by run and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)/`)

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	env := map[string]string{"SANDBOX_ADDR": "127.0.0.1:0"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, &out) }()

	var base string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatalf("no listening line in stdout: %q", out.String())
	}
	for _, want := range []string{"wxsandbox", "sandbox-secret", "wxsandboxmini", "sandbox-mini-secret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout does not name %q: %q", want, out.String())
		}
	}

	resp, err := http.Get(base + "/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret")
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Errorf("token from the standalone emulator: %v %+v", err, tok)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunBadAddress(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SANDBOX_ADDR": "256.0.0.1:bad"}
	err := run(context.Background(), func(k string) string { return env[k] }, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "256.0.0.1:bad") {
		t.Errorf("run with a bad address = %v, want an error naming it", err)
	}
}
