package securitytrails

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnexpectedShape reports a SecurityTrails answer whose structure is not
// the documented one (a record without its key field, a body that is not
// an object…). The relay answers it with the TR "key error".
var ErrUnexpectedShape = errors.New("securitytrails: unexpected response structure")

// APIError is a SecurityTrails answer with a critical HTTP status: 401,
// 403, 429, 5xx or any other status ≥ 400 except 400, 404 and 406, which
// mean "no data" (SPEC §6.4).
type APIError struct {
	Endpoint string // "ping", "history" or "domains/list"
	Status   int
	// Body is the raw response text.
	Body string
	// Message is the JSON "message" of the body when it has a non-empty
	// one, else Body.
	Message string
	// RetryAfter is the Retry-After delay of a 429, when given.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("securitytrails %s: HTTP %d: %s", e.Endpoint, e.Status, e.Message)
}

// TLSError is a failed certificate verification. Reason is worded like the
// OpenSSL verify message the original relay shows, e.g. "Self signed
// certificate" (SPEC §6.5).
type TLSError struct {
	Endpoint string
	Reason   string
	Err      error
}

func (e *TLSError) Error() string {
	return fmt.Sprintf("securitytrails %s: TLS: %s", e.Endpoint, e.Reason)
}

func (e *TLSError) Unwrap() error { return e.Err }

// TransportError is a failure to exchange with SecurityTrails: DNS,
// connection refused, timeout, reset.
type TransportError struct {
	Endpoint string
	Timeout  bool
	Err      error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("securitytrails %s: %v", e.Endpoint, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// ResponseError is a successful status whose body is not JSON.
type ResponseError struct {
	Endpoint string
	Status   int
	Body     string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("securitytrails %s: HTTP %d: body is not JSON", e.Endpoint, e.Status)
}
