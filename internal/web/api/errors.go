package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// Stable machine codes of API errors. Clients branch on them; messages may
// change. docs/API.md lists them with their HTTP status.
const (
	CodeBadRequest        = "bad_request"            // 400: malformed body or parameter
	CodeInvalidQuery      = "invalid_query"          // 400: the q filter, sort, cursor or aggregation is malformed
	CodeInvalidArgument   = "invalid_argument"       // 400: a well-formed value the server refuses (unknown state, empty name…)
	CodeWeakPassword      = "weak_password"          // 400: the password breaks the policy
	CodeUnauthenticated   = "unauthenticated"        // 401: no or bad credentials
	CodeForbidden         = "forbidden"              // 403: the role does not allow the action
	CodeCSRF              = "csrf"                   // 403: a session request without its CSRF token
	CodeDisabled          = "disabled"               // 403: the account is disabled
	CodeNotFound          = "not_found"              // 404
	CodeMethodNotAllowed  = "method_not_allowed"     // 405
	CodeConflict          = "conflict"               // 409: the user or token exists already
	CodeInvalidTransition = "invalid_transition"     // 409: the triage workflow refuses the state change
	CodeTooLarge          = "payload_too_large"      // 413
	CodeUnsupportedMedia  = "unsupported_media_type" // 415: not application/json
	CodeLocked            = "locked"                 // 429: too many failed logins
	CodeInternal          = "internal"               // 500: details are in the server log, keyed by request ID
	CodeUnavailable       = "unavailable"            // 503: not ready
)

// Error is an error meant for API clients: an HTTP status, a stable code, a
// public message and optional details. The cause, if any, stays private and
// is only logged.
type Error struct {
	Status  int
	Code    string
	Message string
	Details any
	cause   error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.cause }

// errorf builds a public error.
func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, CodeBadRequest, format, args...)
}

func notFound(what string) *Error {
	return errorf(http.StatusNotFound, CodeNotFound, "%s not found", what)
}

// queryDetails names where a query is wrong.
type queryDetails struct {
	Parameter string `json:"parameter"`
	Position  *int   `json:"position,omitempty"` // byte offset in the parameter
}

// toPublic maps any error a handler returns to the error a client sees. Known
// sentinels of the store and auth layers get their status and code; anything
// else is an internal error whose text is not shown.
func toPublic(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	switch {
	case errors.Is(err, store.ErrInvalidQuery):
		e := &Error{Status: http.StatusBadRequest, Code: CodeInvalidQuery, Message: publicText(err), cause: err}
		if qe, ok := errors.AsType[*query.Error](err); ok {
			pos := qe.Pos
			e.Message = fmt.Sprintf("q: at offset %d: %s", qe.Pos, qe.Msg)
			e.Details = queryDetails{Parameter: "q", Position: &pos}
		}
		return e
	case errors.Is(err, store.ErrInvalidTransition):
		return &Error{Status: http.StatusConflict, Code: CodeInvalidTransition, Message: publicText(err), cause: err}
	case errors.Is(err, auth.ErrWeakPassword):
		return &Error{Status: http.StatusBadRequest, Code: CodeWeakPassword, Message: publicText(err), cause: err}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: publicText(err), cause: err}
	case errors.Is(err, store.ErrNotFound), errors.Is(err, auth.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: publicText(err), cause: err}
	case errors.Is(err, store.ErrConflict), errors.Is(err, auth.ErrExists):
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: publicText(err), cause: err}
	case errors.Is(err, store.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: publicText(err), cause: err}
	case errors.Is(err, auth.ErrForbidden):
		return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "your role does not allow this", cause: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error; the server log has details under this request's ID", cause: err}
}

// publicText is an error's text without the engine prefixes ("sqlite: …")
// that say where it came from rather than what is wrong with the request.
// Only used for errors caused by the request, whose text names the input.
func publicText(err error) string {
	s := err.Error()
	for _, p := range []string{"sqlite: ", "auth: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}
