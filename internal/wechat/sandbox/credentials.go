package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

const (
	credentialLifetime = 7200 * time.Second
	// supersededGrace: an access_token keeps working this long after a newer
	// one is issued (official wording). The api_ticket mirrors it
	// (unconfirmed for tickets; the doc's suggested emulation).
	supersededGrace = 5 * time.Minute
	// jsCodeLifetime: a wx.login code's lifetime (≈5 minutes, unconfirmed).
	jsCodeLifetime = 5 * time.Minute
)

// credential is one issued access_token or ticket.
type credential struct {
	expires    time.Time
	superseded time.Time // zero while it is the newest
	revoked    bool      // by sandbox/expire
}

// credChain is every access_token (or ticket) issued, newest last.
type credChain struct {
	all    map[string]*credential
	latest string
}

func (c *credChain) issue(value string, now time.Time) {
	if c.all == nil {
		c.all = map[string]*credential{}
	}
	if prev := c.all[c.latest]; prev != nil && prev.superseded.IsZero() {
		prev.superseded = now
	}
	c.all[value] = &credential{expires: now.Add(credentialLifetime)}
	c.latest = value
}

// check returns 0 when value is usable at now, else WeChat's errcode:
// 40014 unknown, 42001 past its lifetime or expired by sandbox/expire,
// 40001 superseded longer than the grace period ago.
func (c *credChain) check(value string, now time.Time) int {
	cr := c.all[value]
	switch {
	case cr == nil:
		return 40014
	case cr.revoked || !now.Before(cr.expires):
		return 42001
	case !cr.superseded.IsZero() && !now.Before(cr.superseded.Add(supersededGrace)):
		return 40001
	}
	return 0
}

// valid lists the values usable at now (the newest and those in their grace).
func (c *credChain) valid(now time.Time) []string {
	var out []string
	for v := range c.all {
		if c.check(v, now) == 0 {
			out = append(out, v)
		}
	}
	return out
}

// revokeAll expires everything issued so far.
func (c *credChain) revokeAll() {
	for _, cr := range c.all {
		cr.revoked = true
	}
}

// checkToken validates the access_token query parameter.
func (c *call) checkToken() *wxError {
	tok := c.r.URL.Query().Get("access_token")
	if tok == "" {
		return wxErr(41001, "no access_token in the query")
	}
	c.e.mu.Lock()
	code := c.e.st.tokens.check(tok, c.now)
	c.e.mu.Unlock()
	if code != 0 {
		return wxErr(code, "access_token rejected")
	}
	return nil
}

type tokenReply struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// token is GET cgi-bin/token: a new access_token on every call; no errcode
// on success.
func (c *call) token() any {
	q := c.r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		return wxErr(40002, "grant_type must be client_credential")
	case q.Get("appid") == "":
		return wxErr(41002, "no appid")
	case q.Get("secret") == "":
		return wxErr(41004, "no secret")
	case q.Get("appid") != c.e.appID:
		// Only the Official Account that owns the cards gets tokens here.
		return wxErr(40013, "unknown appid")
	case q.Get("secret") != c.e.appSecret:
		return wxErr(40125, "wrong secret")
	}
	tok := randomToken(96) // 128 characters; clients reserve 512
	c.locked(func(st *state) any { st.tokens.issue(tok, c.now); return nil })
	return tokenReply{AccessToken: tok, ExpiresIn: int(credentialLifetime / time.Second)}
}

type ticketReply struct {
	okBody
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expires_in"`
}

// getTicket is GET cgi-bin/ticket/getticket: type=wx_card is the card
// api_ticket, type=jsapi the JS-SDK ticket; a new one on every call, the
// previous one valid 5 more minutes. Any other type (including none) is
// 40097 (unconfirmed; the doc's guess).
func (c *call) getTicket() any {
	typ := c.r.URL.Query().Get("type")
	if typ != "wx_card" && typ != "jsapi" {
		return wxErrf(40097, "unknown ticket type %q", typ)
	}
	ticket := randomToken(64) // 86 characters, like the documented example
	c.locked(func(st *state) any {
		if typ == "wx_card" {
			st.cardTickets.issue(ticket, c.now)
		} else {
			st.jsapiTickets.issue(ticket, c.now)
		}
		return nil
	})
	return ticketReply{okBody: ok, Ticket: ticket, ExpiresIn: int(credentialLifetime / time.Second)}
}

// jsCode is a wx.login code made by sandbox/login.
type jsCode struct {
	openid  string
	expires time.Time
	used    bool
}

type sessionReply struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
}

// jscode2session is GET sns/jscode2session with the mini-program's
// credentials. A code works once (40163 after), for 5 minutes (40029 after).
// The credential errcodes (40013/40125) are the generic ones; that this
// endpoint uses them is unconfirmed.
func (c *call) jscode2session() any {
	q := c.r.URL.Query()
	switch {
	case q.Get("grant_type") != "authorization_code":
		return wxErr(40002, "grant_type must be authorization_code")
	case q.Get("appid") == "":
		return wxErr(41002, "no appid")
	case q.Get("secret") == "":
		return wxErr(41004, "no secret")
	case q.Get("appid") != c.e.miniAppID:
		return wxErr(40013, "unknown mini-program appid")
	case q.Get("secret") != c.e.miniAppSecret:
		return wxErr(40125, "wrong mini-program secret")
	case q.Get("js_code") == "":
		return wxErr(41008, "no js_code")
	}
	return c.locked(func(st *state) any {
		jc := st.jsCodes[q.Get("js_code")]
		switch {
		case jc == nil:
			return wxErr(40029, "unknown js_code")
		case jc.used:
			return wxErr(40163, "js_code already exchanged")
		case !c.now.Before(jc.expires):
			return wxErr(40029, "js_code expired")
		}
		jc.used = true
		key := make([]byte, 16)
		_, _ = rand.Read(key)
		return sessionReply{OpenID: jc.openid, SessionKey: base64.StdEncoding.EncodeToString(key)}
	})
}
