package service

import (
	"errors"
	"fmt"
)

// Sentinel errors that stores and providers return and callers branch on with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is a dependency (the database) that cannot be reached now;
	// the same request may succeed later.
	ErrUnavailable = errors.New("unavailable")
	// ErrLastAdmin is a change that would leave no active admin.
	ErrLastAdmin = fmt.Errorf("the last active admin: %w", ErrConflict)
)

// Kind is the class of a service error; the handler maps each kind to an HTTP status.
type Kind string

const (
	KindInvalid             Kind = "invalid_argument"
	KindUnauthenticated     Kind = "unauthenticated"
	KindForbidden           Kind = "forbidden"
	KindNotFound            Kind = "not_found"
	KindConflict            Kind = "conflict"
	KindTooLarge            Kind = "payload_too_large"
	KindUnsupportedMedia    Kind = "unsupported_media_type"
	KindRateLimited         Kind = "rate_limited"
	KindUpstream            Kind = "upstream_error"
	KindUpstreamUnavailable Kind = "upstream_unavailable"
	KindInternal            Kind = "internal"
	KindCodeNotOwned        Kind = "code_not_owned"
)

// Error is an error the service reports to its callers: a kind, a message safe to
// show, optional details, and the cause (never shown, only logged).
type Error struct {
	Kind    Kind
	Message string
	Details map[string]any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a bad field; details.field names the field path.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Message: fmt.Sprintf(format, args...), Details: map[string]any{"field": field}}
}

// KindOf returns the kind of err: that of the first *Error in its chain, not_found or
// conflict for the sentinels, internal otherwise.
func KindOf(err error) Kind {
	var se *Error
	switch {
	case errors.As(err, &se):
		return se.Kind
	case errors.Is(err, ErrNotFound):
		return KindNotFound
	case errors.Is(err, ErrConflict):
		return KindConflict
	case errors.Is(err, ErrUnavailable):
		return KindUpstreamUnavailable
	}
	return KindInternal
}
