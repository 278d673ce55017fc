package sandbox

import "net/url"

type callbacksRequest struct {
	MchID     string `json:"mchid"`
	NotifyURL string `json:"notify_url"`
}

type callbacksReply struct {
	UpdateTime string `json:"update_time,omitempty"`
	NotifyURL  string `json:"notify_url,omitempty"`
	MchID      string `json:"mchid"`
}

// setCallbacks is POST callbacks (§3.7): notify_url of 10–256 characters;
// unlike WeChat Pay, http:// is accepted too, for local tests. mchid
// defaults to the caller and may only be the caller (else
// INVALID_REQUEST). A merchant without 营销事件推送 gets 403 NO_AUTH.
func (c *call) setCallbacks() any {
	var req callbacksRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.strRange("notify_url", req.NotifyURL, 10, 256)
	if v.err == nil {
		u, err := url.Parse(req.NotifyURL)
		v.rule(err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "", "notify_url", req.NotifyURL, "须为 https（沙箱也接受 http）的绝对地址")
	}
	if v.err != nil {
		return v.err
	}
	if req.MchID != "" && req.MchID != c.e.mchID {
		return invalid("mchid %s 与调用商户号不一致", req.MchID)
	}
	if c.e.pushDisabled {
		return noAuth("未开通营销事件推送权限")
	}
	return c.locked(func(st *state) any {
		st.notifyURL = req.NotifyURL
		return callbacksReply{UpdateTime: wxTime(c.now), NotifyURL: req.NotifyURL, MchID: c.e.mchID}
	})
}

// getCallbacks is GET callbacks?mchid=…: the URL set, or no notify_url
// when none is (unconfirmed: WeChat Pay may answer 404 then).
func (c *call) getCallbacks() any {
	if m := c.r.URL.Query().Get("mchid"); m != "" && m != c.e.mchID {
		return invalid("mchid %s 与调用商户号不一致", m)
	}
	return c.locked(func(st *state) any {
		return callbacksReply{NotifyURL: st.notifyURL, MchID: c.e.mchID}
	})
}
