// Package apperr holds the one error type of RKC. Domain packages return it;
// the HTTP layer translates it to problem+json (API) or an HTML page (web) in
// exactly one place, so stores and services never speak HTTP.
package apperr

import (
	"errors"
	"fmt"

	"github.com/rkc-nl/rkc/internal/platform/dbhealth"
)

// Code is the class of an error; each code maps to one HTTP status.
type Code string

// The error codes. Their HTTP statuses are fixed in internal/server.
const (
	Invalid         Code = "invalid"           // the input is malformed or breaks a rule: 400
	Unauthenticated Code = "unauthenticated"   // no valid session: 401
	Forbidden       Code = "forbidden"         // known caller, action not allowed: 403
	NotFound        Code = "not_found"         // missing, or the caller may not know it exists: 404
	Conflict        Code = "conflict"          // state or version conflict: 409
	TooLarge        Code = "too_large"         // body or file over the limit: 413
	Unsupported     Code = "unsupported"       // media type not accepted: 415
	TooManyRequests Code = "too_many_requests" // rate limited: 429
	Unavailable     Code = "unavailable"       // dependency down: 503
	Internal        Code = "internal"          // a bug or an unexpected failure: 500
)

// Reason is the stable code of why a field (or a member, a file…) was
// refused, defined by the package that refuses it.
type Reason string

// Error is a domain error. Type is a stable, documented identifier of the
// specific problem (for example "illegal-transition"); Detail is a sentence
// for a person and must never contain personal data.
type Error struct {
	Code   Code
	Type   string
	Detail string
	Fields map[string]string // field name → what is wrong with it
	// Reasons give, for some of the fields, the stable code of why it was
	// refused: a face that words its own messages (the pages, in Dutch)
	// chooses them by code, never by the words in Fields. Not part of the
	// API's problem document.
	Reasons    map[string]Reason
	RetryAfter int   // seconds, for TooManyRequests and Unavailable
	Err        error // the cause, logged but never shown
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%s): %s: %v", e.Type, e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s (%s): %s", e.Type, e.Code, e.Detail)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New makes an error of the given code and type.
func New(code Code, typ, detail string) *Error {
	return &Error{Code: code, Type: typ, Detail: detail}
}

// InvalidFields is a validation error with one message per offending field.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Code: Invalid, Type: "validation", Detail: "The request has invalid fields.", Fields: fields}
}

// NotFoundError answers for a resource that does not exist or that the caller may
// not know exists; the two must be indistinguishable.
func NotFoundError(what string) *Error {
	return &Error{Code: NotFound, Type: "not-found", Detail: what + " not found."}
}

// Wrap turns an unexpected error into an internal one, keeping the cause for
// the log; nil stays nil and domain errors pass unchanged.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return As(err)
}

// As returns err as a domain error; foreign errors become internal ones,
// except a database that could not be reached: that is unavailable (503,
// with Retry-After), because the same request may succeed in a moment.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == Internal && dbhealth.Unreachable(e.Err) {
			return DatabaseUnavailable(e.Err)
		}
		return e
	}
	if dbhealth.Unreachable(err) {
		return DatabaseUnavailable(err)
	}
	return &Error{Code: Internal, Type: "internal", Detail: "An unexpected error occurred.", Err: err}
}

// CodeOf returns the code of err, Internal for foreign errors.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// DatabaseUnavailable is the error of a request that needed the database
// while it could not be reached; cause (may be nil) is kept for the log.
func DatabaseUnavailable(cause error) *Error {
	return &Error{Code: Unavailable, Type: "database-unavailable", Detail: "The database cannot be reached at the moment; try again shortly.",
		RetryAfter: dbhealth.RetryAfter, Err: cause}
}
