package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
)

const apiCode2Session = "sns/jscode2session"

// Session is the mini-program login result. SessionKey is a secret: it is
// left out when a Session is formatted or logged.
type Session struct {
	OpenID     string
	SessionKey string
	UnionID    string // only when the mini-program is bound to an Open Platform account
}

// String leaves out the session key.
func (s Session) String() string {
	return fmt.Sprintf("{OpenID:%s UnionID:%s SessionKey:%s}", s.OpenID, s.UnionID, redacted)
}

// GoString leaves out the session key.
func (s Session) GoString() string {
	return fmt.Sprintf("wechat.Session{OpenID:%q, UnionID:%q, SessionKey:%q}", s.OpenID, s.UnionID, redacted)
}

// LogValue leaves out the session key.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("openid", s.OpenID), slog.String("unionid", s.UnionID))
}

// Code2Session exchanges a wx.login code for the user's openid and session
// key (sns/jscode2session, with the mini-program's credentials, no
// access_token). A code works once: 40029 invalid, 40163 already used,
// 40226 blocked.
func (c *Client) Code2Session(ctx context.Context, jsCode string) (Session, error) {
	if c.miniAppID == "" || c.miniAppSecret == "" {
		return Session{}, errors.New("wechat: no mini-program configured (MiniAppID, MiniAppSecret)")
	}
	if jsCode == "" {
		return Session{}, errors.New("wechat: empty login code")
	}
	var out struct {
		OpenID     string `json:"openid"`
		SessionKey string `json:"session_key"`
		UnionID    string `json:"unionid"`
	}
	r := &request{api: apiCode2Session, method: http.MethodGet, replayable: true, query: url.Values{
		"appid": {c.miniAppID}, "secret": {c.miniAppSecret},
		"js_code": {jsCode}, "grant_type": {"authorization_code"},
	}}
	// Not idempotent: the code is single-use, so a repeat after an answer
	// was lost would only say 40163.
	if err := c.call(ctx, r, &out); err != nil {
		return Session{}, err
	}
	if out.OpenID == "" {
		return Session{}, &UnavailableError{API: apiCode2Session, Err: errors.New("no openid in the answer")}
	}
	return Session{OpenID: out.OpenID, SessionKey: out.SessionKey, UnionID: out.UnionID}, nil
}
