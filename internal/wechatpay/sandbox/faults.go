package sandbox

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
)

// fault is one sandbox/pay/faults entry: its next `left` calls wait delay,
// then answer status with code, or (status 0) proceed normally.
type fault struct {
	status int
	code   string
	delay  time.Duration
	left   int
}

// enter counts a call to a /v3/ path and takes one turn of the first fault
// queued for it. It returns a copy, so the caller may wait without the lock.
func (e *Emulator) enter(path string) *fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.calls[path]++
	q := e.st.faults[path]
	if len(q) == 0 {
		return nil
	}
	f := *q[0]
	q[0].left--
	if q[0].left <= 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(e.st.faults, path)
	} else {
		e.st.faults[path] = q
	}
	return &f
}

// wait sleeps the fault's delay; false when ctx ended first.
func (f *fault) wait(ctx context.Context) bool {
	return f.delay <= 0 || retry.Sleep(ctx, f.delay)
}

type faultRequest struct {
	Path       string `json:"path"`
	HTTPStatus int    `json:"http_status"`
	Code       string `json:"code"`
	DelayMS    int64  `json:"delay_ms"`
	Times      int    `json:"times"`
}

// driverFaults is POST sandbox/pay/faults: queue a fault for the next
// `times` calls to a /v3/ path (the path as requested, without the query;
// the leading slash is optional). A code alone gets WeChat Pay's status for
// it (SYSTEM_ERROR 500, FREQUENCY_LIMITED 429, …), a status alone WeChat
// Pay's code for it; delay_ms alone delays a call that then proceeds.
func (c *call) driverFaults() any {
	var req faultRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	path := strings.TrimPrefix(req.Path, "/")
	switch {
	case !strings.HasPrefix(path, "v3/"):
		return driverErr("path must be a /v3/… path of WeChat Pay, without the query")
	case strings.Contains(path, "?"):
		return driverErr("path must not have a query")
	case req.Times < 1:
		return driverErr("times must be ≥ 1")
	case req.DelayMS < 0:
		return driverErr("delay_ms must be ≥ 0")
	case req.HTTPStatus != 0 && (req.HTTPStatus < 400 || req.HTTPStatus > 599):
		return driverErr("http_status must be a 4xx or 5xx status")
	case req.HTTPStatus == 0 && req.Code == "" && req.DelayMS == 0:
		return driverErr("give http_status, code or delay_ms")
	}
	f := &fault{status: req.HTTPStatus, code: req.Code, delay: time.Duration(req.DelayMS) * time.Millisecond, left: req.Times}
	switch {
	case f.status == 0 && f.code != "":
		f.status = codeStatus(f.code)
	case f.status != 0 && f.code == "":
		f.code = statusCode(f.status)
	}
	return c.locked(func(st *state) any {
		st.faults[path] = append(st.faults[path], f)
		return driverOK
	})
}

// driverErr is the answer to a driver request that is itself wrong.
func driverErr(message string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "PARAM_ERROR", message: message}
}

var driverOK = map[string]string{"code": "OK"}
