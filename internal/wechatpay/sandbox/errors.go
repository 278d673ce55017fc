package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

// apiError is a WeChat Pay error answer: HTTP status and the body
// {code, message, detail} (§1.5).
type apiError struct {
	status  int
	code    string
	message string
	detail  *errorDetail
}

// errorDetail is the detail WeChat Pay gives with a PARAM_ERROR: where the
// bad input was and its value.
type errorDetail struct {
	Location string `json:"location"`
	Value    any    `json:"value"`
}

type errorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Detail  *errorDetail `json:"detail,omitempty"`
}

func (e *apiError) body() errorBody {
	return errorBody{Code: e.code, Message: e.message, Detail: e.detail}
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// paramErr is 400 PARAM_ERROR for the body field at ptr (a JSON pointer
// below /body without the prefix, e.g. "coupon_use_rule/use_method"). The
// message names the pointer the way WeChat Pay's observed messages do:
// 输入源“/body/<ptr>”映射到值字段“<name>”规则校验失败，<reason>.
func paramErr(ptr string, value any, reason string) *apiError {
	return fieldErr("body", ptr, value, reason)
}

// queryErr is paramErr for a query or path parameter.
func queryErr(name string, value any, reason string) *apiError {
	return fieldErr("query", name, value, reason)
}

func fieldErr(location, ptr string, value any, reason string) *apiError {
	source := "/" + location
	if ptr != "" && ptr != location {
		source += "/" + ptr
	}
	name := ptr[strings.LastIndexByte(ptr, '/')+1:]
	if value == nil {
		value = ""
	}
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "PARAM_ERROR",
		message: "输入源“" + source + "”映射到值字段“" + name + "”规则校验失败，" + reason,
		detail:  &errorDetail{Location: location, Value: value},
	}
}

// invalid is 400 INVALID_REQUEST: well-formed but against a business rule.
func invalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "INVALID_REQUEST", message: fmt.Sprintf(format, args...)}
}

// notFound is 404 RESOURCE_NOT_EXISTS (§7.3).
func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: "RESOURCE_NOT_EXISTS", message: fmt.Sprintf(format, args...)}
}

// noAuth is 403 NO_AUTH.
func noAuth(format string, args ...any) *apiError {
	return &apiError{status: http.StatusForbidden, code: "NO_AUTH", message: fmt.Sprintf(format, args...)}
}

// signError is 401 SIGN_ERROR; reason is logged, the message is WeChat
// Pay's generic one.
func signError(reason string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: "SIGN_ERROR", message: "签名错误：" + reason}
}

// codeStatus is the HTTP status WeChat Pay answers a code with, for faults
// that give only a code.
func codeStatus(code string) int {
	switch code {
	case "SIGN_ERROR":
		return http.StatusUnauthorized
	case "NO_AUTH":
		return http.StatusForbidden
	case "RESOURCE_NOT_EXISTS", "NOT_FOUND", "ORDER_NOT_EXIST":
		return http.StatusNotFound
	case "FREQUENCY_LIMITED", "RATELIMIT_EXCEEDED", "RATE_LIMITED":
		return http.StatusTooManyRequests
	case "SYSTEM_ERROR":
		return http.StatusInternalServerError
	case "SERVICE_UNAVAILABLE":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// statusCode is the code WeChat Pay answers an HTTP status with, for faults
// that give only a status.
func statusCode(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "SIGN_ERROR"
	case status == http.StatusForbidden:
		return "NO_AUTH"
	case status == http.StatusNotFound:
		return "RESOURCE_NOT_EXISTS"
	case status == http.StatusTooManyRequests:
		return "FREQUENCY_LIMITED"
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return "SERVICE_UNAVAILABLE"
	case status >= 500:
		return "SYSTEM_ERROR"
	}
	return "PARAM_ERROR"
}
