package sandbox

// Driver endpoints (sandbox/*): not WeChat's, they let tests and a local
// front end play the WeChat client and steer the emulator. add-card is in
// addcard.go, faults in faults.go.

type loginReply struct {
	okBody
	Code string `json:"code"`
}

// sandboxLogin is POST sandbox/login {"openid"}: plays wx.login, a one-time
// js_code for that openid, valid 5 minutes, for sns/jscode2session.
func (c *call) sandboxLogin() any {
	var req struct {
		OpenID string `json:"openid"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.OpenID == "" {
		return wxErr(41011, "openid is required")
	}
	code := randomString(32, urlSafe[:62]) // wx.login codes are 32 letters and digits
	return c.locked(func(st *state) any {
		st.jsCodes[code] = &jsCode{openid: req.OpenID, expires: c.now.Add(jsCodeLifetime)}
		return loginReply{okBody: ok, Code: code}
	})
}

type statsReply struct {
	okBody
	Calls map[string]int `json:"calls"`
}

// sandboxStats is GET sandbox/stats: calls received per WeChat path
// (without the leading slash), faulted ones included.
func (c *call) sandboxStats() any {
	return c.locked(func(st *state) any {
		calls := make(map[string]int, len(st.calls))
		for k, v := range st.calls {
			calls[k] = v
		}
		return statsReply{okBody: ok, Calls: calls}
	})
}

// sandboxExpire is POST sandbox/expire {"what": "access_token"|"api_ticket"}:
// everything of that kind issued so far expires now. Expired tokens answer
// 42001; expired api_tickets no longer validate cardExt signatures.
func (c *call) sandboxExpire() any {
	var req struct {
		What string `json:"what"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		switch req.What {
		case "access_token":
			st.tokens.revokeAll()
		case "api_ticket":
			st.cardTickets.revokeAll()
		case "":
			return wxErr(41011, "what is required: access_token or api_ticket")
		default:
			return wxErrf(40097, "what %q: want access_token or api_ticket", req.What)
		}
		return ok
	})
}

// sandboxReset is POST sandbox/reset: forget all state.
func (c *call) sandboxReset() any {
	return c.locked(func(st *state) any {
		*st = *newState()
		return ok
	})
}
