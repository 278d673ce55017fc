package wechatpay

import (
	"errors"
	"fmt"
	"slices"
)

// Error is WeChat Pay's refusal: a non-2xx answer with the body
// {"code","message","detail"}. Branch on HTTPStatus and Code (helpers
// below), never on Message, which is human text (usually Chinese).
type Error struct {
	API        string         // the call, e.g. "busifavor/stocks/create"
	HTTPStatus int            // the answer's status
	Code       string         // e.g. PARAM_ERROR; empty when the body was not WeChat Pay's error JSON
	Message    string         // WeChat Pay's message
	Detail     map[string]any // the optional detail object, e.g. {"location":"body","value":0}
	RequestID  string         // the Request-ID header, for WeChat Pay support
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "no error code"
	}
	return fmt.Sprintf("wechatpay %s: HTTP %d %s: %s", e.API, e.HTTPStatus, code, e.Message)
}

// WeChat Pay's error codes that callers branch on (§1.5).
const (
	CodeParamError            = "PARAM_ERROR"
	CodeInvalidRequest        = "INVALID_REQUEST"
	CodeSignError             = "SIGN_ERROR"
	CodeNoAuth                = "NO_AUTH"
	CodeResourceNotExists     = "RESOURCE_NOT_EXISTS"
	CodeNotFound              = "NOT_FOUND"
	CodeOrderNotExist         = "ORDER_NOT_EXIST"
	CodeFrequencyLimited      = "FREQUENCY_LIMITED"
	CodeRateLimitExceeded     = "RATELIMIT_EXCEEDED"
	CodeRateLimited           = "RATE_LIMITED"
	CodeResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
	CodeAlreadyExists         = "ALREADY_EXISTS"
	CodeSystemError           = "SYSTEM_ERROR"
	CodeServiceUnavailable    = "SERVICE_UNAVAILABLE"
)

// AsError returns the *Error in err's chain, if any (also inside an
// *UnavailableError: the last refusal before the retries ran out).
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsCode reports whether err carries an *Error with one of codes.
func IsCode(err error, codes ...string) bool {
	e, ok := AsError(err)
	return ok && slices.Contains(codes, e.Code)
}

// IsNotFound: the stock, coupon or code does not exist (404, or one of the
// not-found codes some APIs use).
func IsNotFound(err error) bool {
	e, ok := AsError(err)
	return ok && (e.HTTPStatus == 404 || slices.Contains([]string{CodeResourceNotExists, CodeNotFound, CodeOrderNotExist}, e.Code))
}

// IsParamError: the request was malformed or a field broke its rule.
func IsParamError(err error) bool { return IsCode(err, CodeParamError) }

// IsInvalidRequest: the request broke a business rule (state, limits, a
// request number reused with other content).
func IsInvalidRequest(err error) bool { return IsCode(err, CodeInvalidRequest) }

// IsAlreadyExists: a duplicate resource or request number.
func IsAlreadyExists(err error) bool {
	e, ok := AsError(err)
	return ok && (e.HTTPStatus == 409 || slices.Contains([]string{CodeResourceAlreadyExists, CodeAlreadyExists}, e.Code))
}

// IsNoAuth: the merchant lacks the product permission or the appid binding.
func IsNoAuth(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Code == CodeNoAuth || (e.HTTPStatus == 403 && e.Code == ""))
}

// IsSignError: WeChat Pay refused this service's signature (configuration:
// the serial does not match the private key, or a clock far off).
func IsSignError(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Code == CodeSignError || e.HTTPStatus == 401)
}

// IsRateLimited: WeChat Pay's rate limit.
func IsRateLimited(err error) bool {
	e, ok := AsError(err)
	return ok && (e.HTTPStatus == 429 || slices.Contains([]string{CodeFrequencyLimited, CodeRateLimitExceeded, CodeRateLimited}, e.Code))
}

// transient reports a refusal worth repeating with the same request.
func (e *Error) transient() bool {
	return e.HTTPStatus >= 500 || e.Code == CodeSystemError || e.Code == CodeServiceUnavailable || IsRateLimited(e)
}

// ErrUnavailable is matched (errors.Is) by every *UnavailableError.
var ErrUnavailable = errors.New("wechatpay: unavailable")

// UnavailableError means WeChat Pay gave no usable answer to API in time: it
// could not be reached, the deadline passed, or it kept answering with a
// transient failure (5xx, SYSTEM_ERROR, rate limit) until the retries ran
// out. Err is the last cause (an *Error, a transport error, the context's
// error), so errors.Is(err, context.DeadlineExceeded) works.
type UnavailableError struct {
	API string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("wechatpay %s: unavailable: %v", e.API, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// IsUnavailable reports an *UnavailableError in err's chain.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// Outcome codes reported to Hooks.OnCall besides WeChat Pay's own codes.
const (
	OutcomeOK           = "OK"
	OutcomeUnavailable  = "UNAVAILABLE"
	OutcomeBadSignature = "BAD_SIGNATURE" // the answer failed verification
	OutcomeBadAnswer    = "BAD_ANSWER"    // a 2xx answer that is not the JSON expected
	OutcomeLocal        = "LOCAL_ERROR"   // the request could not be made (encoding)
)

// outcomeOf is the code reported to Hooks.OnCall for a call's result.
func outcomeOf(err error) string {
	var de *decodeError
	switch {
	case err == nil:
		return OutcomeOK
	case IsUnavailable(err):
		return OutcomeUnavailable
	case errors.Is(err, ErrBadSignature):
		return OutcomeBadSignature
	case errors.As(err, &de):
		return OutcomeBadAnswer
	}
	if e, ok := AsError(err); ok {
		if e.Code == "" {
			return fmt.Sprintf("HTTP_%d", e.HTTPStatus)
		}
		return e.Code
	}
	return OutcomeLocal
}

// decodeError is a 2xx answer that is not the JSON expected.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode answer: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }
