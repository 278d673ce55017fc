package wechat

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// The emulator decodes bodies, so it cannot show how they were written.
func TestJSONBodyIsRawUTF8WithoutHTMLEscapes(t *testing.T) {
	t.Parallel()
	r, err := postJSON("card/create", false, map[string]any{
		"card": json.RawMessage(`{"title":"10元 <券> & 礼"}`),
		"note": "a<b>&c 中文",
	})
	if err != nil {
		t.Fatal(err)
	}
	body, contentType, err := r.body()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(body)
	for _, want := range []string{`"10元 <券> & 礼"`, `"a<b>&c 中文"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body %s does not contain %s verbatim", raw, want)
		}
	}
	if strings.Contains(string(raw), `\u`) {
		t.Errorf("body %s has \\u escapes", raw)
	}
	if !strings.HasPrefix(contentType, "application/json") {
		t.Errorf("Content-Type = %q", contentType)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`Post "https://api.weixin.qq.com/card/get?access_token=ABC.def-123": EOF`,
			`Post "https://api.weixin.qq.com/card/get?access_token=REDACTED": EOF`},
		{`GET /cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t`,
			`GET /cgi-bin/token?grant_type=client_credential&appid=wx1&secret=REDACTED`},
		{`{"session_key":"abc==","openid":"o1"}`, `{"session_key":"REDACTED","openid":"o1"}`},
		{`{"ticket": "T1", "expires_in": 7200}`, `{"ticket": "REDACTED", "expires_in": 7200}`},
		{`invalid code rid: 1-2-3`, `invalid code rid: 1-2-3`},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	got := redactURL("http://user:pw@host/sns/jscode2session?appid=wx1&js_code=C&secret=S&grant_type=authorization_code")
	for _, leak := range []string{"pw", "=C", "=S"} {
		if strings.Contains(got, leak) {
			t.Errorf("redactURL left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, "appid=wx1") {
		t.Errorf("redactURL(…) = %q; want appid kept", got)
	}
}
