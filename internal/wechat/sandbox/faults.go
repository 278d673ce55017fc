package sandbox

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/retry"
)

// fault is one sandbox/faults entry: its next `left` calls wait delay, then
// answer errcode or httpStatus, or (with neither) proceed normally.
type fault struct {
	errcode    int
	httpStatus int
	delay      time.Duration
	left       int
}

// enter counts a call to a WeChat path and takes one turn of the first fault
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
	Errcode    *int   `json:"errcode"`
	HTTPStatus int    `json:"http_status"`
	DelayMS    int64  `json:"delay_ms"`
	Times      int    `json:"times"`
}

// sandboxFaults is POST sandbox/faults: queue a fault for the next `times`
// calls to a WeChat path. Faults for one path queue up in order.
func (c *call) sandboxFaults() any {
	var req faultRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	path := strings.TrimPrefix(req.Path, "/")
	switch {
	case path == "":
		return wxErr(41011, "path is required")
	case req.Times == 0:
		return wxErr(41011, "times is required (≥ 1)")
	case req.Times < 0:
		return wxErr(40097, "times must be ≥ 1")
	case req.DelayMS < 0:
		return wxErr(40097, "delay_ms must be ≥ 0")
	case req.Errcode != nil && *req.Errcode == 0:
		return wxErr(40097, "errcode 0 is not a fault")
	case req.Errcode != nil && req.HTTPStatus != 0:
		return wxErr(40097, "give errcode or http_status, not both")
	case req.HTTPStatus != 0 && (req.HTTPStatus < 100 || req.HTTPStatus > 599):
		return wxErrf(40097, "http_status %d is not an HTTP status", req.HTTPStatus)
	case req.Errcode == nil && req.HTTPStatus == 0 && req.DelayMS == 0:
		return wxErr(41011, "give errcode, http_status or delay_ms")
	}
	if rt, known := c.e.routes[path]; !known || !rt.wechat {
		return wxErrf(40097, "%q is not a WeChat path the emulator serves", path)
	}
	f := &fault{httpStatus: req.HTTPStatus, delay: time.Duration(req.DelayMS) * time.Millisecond, left: req.Times}
	if req.Errcode != nil {
		f.errcode = *req.Errcode
	}
	if f.httpStatus == http.StatusOK {
		// 200 with no errcode would be a success: treat it as a delay-only fault.
		f.httpStatus = 0
	}
	return c.locked(func(st *state) any {
		st.faults[path] = append(st.faults[path], f)
		return ok
	})
}
