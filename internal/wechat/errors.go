package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
)

// Error is WeChat's refusal: a non-zero errcode in the answer to API (the path,
// such as "card/get"). Msg is WeChat's errmsg; match on Code, never on Msg.
type Error struct {
	API  string
	Code int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// IsCode reports whether err is (or wraps) an *Error with one of codes.
func IsCode(err error, codes ...int) bool {
	var we *Error
	return errors.As(err, &we) && slices.Contains(codes, we.Code)
}

// UnavailableError means WeChat gave no usable answer to API: it could not be
// reached, answered with an HTTP error after the retries, or the deadline
// passed. Err is the cause, with credentials removed from any URL in it, so
// errors.Is(err, context.DeadlineExceeded) works.
type UnavailableError struct {
	API string
	Err error
}

func (e *UnavailableError) Error() string {
	return redact(fmt.Sprintf("wechat %s: unavailable: %v", e.API, e.Err))
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// statusError is an HTTP answer other than 200.
type statusError struct {
	status int
	text   string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d %s", e.status, e.text) }

// CodeUnavailable is the errcode Hooks.OnCall reports for a call that got no
// usable answer (an *UnavailableError or another local failure).
const CodeUnavailable = -2

// errcodeOf is the errcode reported to Hooks.OnCall for a call's outcome.
func errcodeOf(err error) int {
	var we *Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &we):
		return we.Code
	default:
		return CodeUnavailable
	}
}

// sensitiveParams are the query parameters that carry credentials.
var sensitiveParams = []string{"access_token", "secret", "appsecret", "js_code", "ticket", "session_key", "api_ticket"}

// sensitiveText finds credentials in free text: query parameters and JSON fields.
var sensitiveText = regexp.MustCompile(
	`(?i)((?:access_token|appsecret|secret|js_code|session_key|api_ticket|ticket)(?:=|"\s*:\s*"))[^&\s"']*`)

const redacted = "REDACTED"

// redact removes credentials from text that may quote a URL or a JSON body.
func redact(s string) string {
	return sensitiveText.ReplaceAllString(s, "${1}"+redacted)
}

// redactURL returns rawURL with the values of credential parameters replaced.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return redact(rawURL)
	}
	q := u.Query()
	changed := false
	for _, k := range sensitiveParams {
		if q.Has(k) {
			q.Set(k, redacted)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	u.User = nil
	return u.String()
}

// scrub replaces a *url.Error (net/http's, whose message holds the whole
// request URL) by one with a redacted URL, keeping the cause for errors.Is.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return err
}

// whenCanceled turns a local failure that happened because ctx ended (a
// cache read cut short, say) into an *UnavailableError, as the caller sees
// the same deadline either way. WeChat's own answers are kept.
func whenCanceled(ctx context.Context, api string, err error) error {
	cerr := ctx.Err()
	if err == nil || cerr == nil {
		return err
	}
	var (
		we *Error
		ue *UnavailableError
	)
	if errors.As(err, &we) || errors.As(err, &ue) {
		return err
	}
	if !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return &UnavailableError{API: api, Err: err}
}
