package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
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

	// WeChat Pay: the banner names the merchant and where its keys are,
	// never a key; the emulator answers under the same root.
	for _, want := range []string{"1900000001", "PUB_KEY_ID_", base + "/sandbox/pay/merchant", "WECHATPAY_API_BASE=" + base} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout does not name %q: %q", want, out.String())
		}
	}
	for _, secret := range []string{"PRIVATE KEY", "PUBLIC KEY", "TestAPIv3Key", "abcdefghijklmnopqrstuvwxyz012345"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("stdout shows a key (%q)", secret)
		}
	}
	pay, err := http.Get(base + "/v3/marketing/busifavor/callbacks")
	if err != nil {
		t.Fatal(err)
	}
	pay.Body.Close()
	if pay.StatusCode != http.StatusUnauthorized || pay.Header.Get("Wechatpay-Serial") == "" {
		t.Errorf("unsigned WeChat Pay call = %d, want a signed 401", pay.StatusCode)
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

const testAESKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // the variable the error names; "" for success
		want    config
	}{
		{"defaults", nil, "", config{addr: defaultAddr, mode: "plain"}},
		{"safe by default with a key",
			map[string]string{"SANDBOX_CALLBACK_URL": "http://127.0.0.1:8080/wechat/callback", "SANDBOX_CALLBACK_TOKEN": "tok", "SANDBOX_ENCODING_AES_KEY": testAESKey, "SANDBOX_REVIEW_DELAY": "30s"},
			"", config{addr: defaultAddr, callbackURL: "http://127.0.0.1:8080/wechat/callback", token: "tok", aesKey: testAESKey, mode: "safe", reviewDelay: 30 * time.Second}},
		{"compat", map[string]string{"SANDBOX_CALLBACK_MODE": "compat", "SANDBOX_CALLBACK_TOKEN": "tok", "SANDBOX_ENCODING_AES_KEY": testAESKey},
			"", config{addr: defaultAddr, token: "tok", aesKey: testAESKey, mode: "compat"}},
		{"plain with a key", map[string]string{"SANDBOX_CALLBACK_MODE": "plain", "SANDBOX_ENCODING_AES_KEY": testAESKey},
			"", config{addr: defaultAddr, aesKey: testAESKey, mode: "plain"}},
		{"relative URL", map[string]string{"SANDBOX_CALLBACK_URL": "/wechat/callback"}, "SANDBOX_CALLBACK_URL", config{}},
		{"short key", map[string]string{"SANDBOX_ENCODING_AES_KEY": "abc"}, "SANDBOX_ENCODING_AES_KEY", config{}},
		{"key not base64", map[string]string{"SANDBOX_ENCODING_AES_KEY": strings.Repeat("*", 43)}, "SANDBOX_ENCODING_AES_KEY", config{}},
		{"unknown mode", map[string]string{"SANDBOX_CALLBACK_MODE": "aes"}, "SANDBOX_CALLBACK_MODE", config{}},
		{"safe without a key", map[string]string{"SANDBOX_CALLBACK_MODE": "safe", "SANDBOX_CALLBACK_TOKEN": "tok"}, "SANDBOX_ENCODING_AES_KEY", config{}},
		{"safe without a token", map[string]string{"SANDBOX_ENCODING_AES_KEY": testAESKey}, "SANDBOX_CALLBACK_TOKEN", config{}},
		{"review delay not a duration", map[string]string{"SANDBOX_REVIEW_DELAY": "30"}, "SANDBOX_REVIEW_DELAY", config{}},
		{"negative review delay", map[string]string{"SANDBOX_REVIEW_DELAY": "-1s"}, "SANDBOX_REVIEW_DELAY", config{}},
	}
	for _, tt := range tests {
		got, err := parseConfig(func(k string) string { return tt.env[k] })
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: error %v", tt.name, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("%s: config = %+v, want %+v", tt.name, got, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr+": ") || strings.Contains(err.Error(), "\n")):
			t.Errorf("%s: error = %v, want one line starting with %s", tt.name, err, tt.wantErr)
		}
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SANDBOX_ADDR": "127.0.0.1:0", "SANDBOX_CALLBACK_MODE": "safe"}
	err := run(context.Background(), func(k string) string { return env[k] }, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "SANDBOX_ENCODING_AES_KEY") {
		t.Errorf("run in safe mode without a key = %v, want an error naming SANDBOX_ENCODING_AES_KEY", err)
	}
}

// TestRunPushesEvents starts the command with event push on and creates a
// card: its card_pass_check arrives in safe mode, the start banner names the
// settings and masks the AES key.
func TestRunPushesEvents(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 10)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		_, _ = io.WriteString(w, "success")
	}))
	defer rc.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	env := map[string]string{
		"SANDBOX_ADDR": "127.0.0.1:0", "SANDBOX_CALLBACK_URL": rc.URL + "/wechat/callback",
		"SANDBOX_CALLBACK_TOKEN": "callback-token-7f3a", "SANDBOX_ENCODING_AES_KEY": testAESKey, "SANDBOX_REVIEW_DELAY": "0s",
	}
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
	banner := out.String()
	if strings.Contains(banner, testAESKey) || !strings.Contains(banner, "43 characters") {
		t.Errorf("banner shows the AES key or does not say it is set: %q", banner)
	}
	if strings.Contains(banner, "callback-token-7f3a") || !strings.Contains(banner, "token set, masked (19 characters)") {
		t.Errorf("banner shows the callback token or does not say it is set: %q", banner)
	}
	for _, want := range []string{"safe mode", rc.URL + "/wechat/callback", "review delay:     0s"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner does not say %q: %q", want, banner)
		}
	}

	resp, err := http.Get(base + "/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret")
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	end := time.Now().Add(30 * 24 * time.Hour).Unix()
	card := `{"card":{"card_type":"GENERAL_COUPON","general_coupon":{"default_detail":"满100减10","base_info":{
		"logo_url":"http://mmbiz.qpic.cn/mmbiz/demo/0","code_type":"CODE_TYPE_TEXT","brand_name":"微信餐厅",
		"title":"10元代金券","color":"Color010","notice":"出示此券","description":"不可与其他优惠同享",
		"sku":{"quantity":10},"date_info":{"type":"DATE_TYPE_FIX_TIME_RANGE","begin_timestamp":` +
		strconv.FormatInt(time.Now().Unix()-3600, 10) + `,"end_timestamp":` + strconv.FormatInt(end, 10) + `}}}}}`
	resp, err = http.Post(base+"/card/create?access_token="+tok.AccessToken, "application/json", strings.NewReader(card))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Errcode int    `json:"errcode"`
		CardID  string `json:"card_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if created.Errcode != 0 || created.CardID == "" {
		t.Fatalf("card/create = %+v", created)
	}
	select {
	case r := <-got:
		if q := r.URL.Query(); q.Get("encrypt_type") != "aes" || q.Get("msg_signature") == "" || r.URL.Path != "/wechat/callback" {
			t.Errorf("push %s, want a safe-mode push to /wechat/callback", r.URL)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no push within 10 s")
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
