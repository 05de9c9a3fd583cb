package transport

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sink errors the handler answers with 503 Service Unavailable and a
// Retry-After header, as the transport draft prescribes for overload and
// downstream outages. Match them with errors.Is. Any other Sink error is
// answered with 500 and a generic message.
var (
	// ErrUnavailable means the sink (bus, store) cannot be reached now.
	ErrUnavailable = errors.New("transport: sink unavailable")
	// ErrBackpressure means the sink is full and the sender must slow down.
	ErrBackpressure = errors.New("transport: sink full")
)

// Message is one received IDMEFv2 message handed to a Sink or a Rejecter.
type Message struct {
	// Data is the message's JSON (one object). The receiver owns it: the
	// handler never modifies it after the call. For a request-level
	// rejection (malformed body) it is the whole body.
	Data []byte
	// Peer is the authenticated sender.
	Peer Peer
	// Received is when the handler started reading the request.
	Received time.Time
	// Index is the message's position in its request: 0 for a single
	// message, the array or multipart index in a batch, -1 when a
	// rejection concerns the whole request.
	Index int
	// Value is the Verdict.Value the Validator returned, if any.
	Value any
}

// Sink takes accepted messages. The handler acknowledges (2xx) only after
// Accept returns nil, so Accept must return only once every message is
// durably stored or relayed (at-least-once). It is called once per request
// with every valid message of that request, in request order, and must be
// safe for concurrent use. Return an error wrapping ErrUnavailable or
// ErrBackpressure for transient conditions (→ 503); the whole request is
// then refused and the sender retries it.
type Sink interface {
	Accept(ctx context.Context, batch []Message) error
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(ctx context.Context, batch []Message) error

// Accept calls f(ctx, batch).
func (f SinkFunc) Accept(ctx context.Context, batch []Message) error { return f(ctx, batch) }

// UnavailableError is a Sink error that carries how long the sender
// should wait. It matches ErrUnavailable with errors.Is.
type UnavailableError struct {
	RetryAfter time.Duration
	Err        error // the cause; may be nil
}

func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("sink unavailable, retry after %s", e.RetryAfter)
	}
	return fmt.Sprintf("sink unavailable, retry after %s: %v", e.RetryAfter, e.Err)
}

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Rejection is an input the handler refused after reading it, with the
// reason, for a dead-letter store.
type Rejection struct {
	Message
	// Status is the HTTP status given for this input (400, 413, 415).
	Status int
	// Reason is a one-line explanation.
	Reason string
	// Problems are the validation problems, if validation ran.
	Problems []Problem
}

// Rejecter receives every input the handler read and refused (malformed
// JSON, non-objects, invalid messages, oversized batch items), so that
// nothing is dropped silently. It is called after the valid messages of
// the same request were accepted by the Sink, and not at all when the Sink
// failed (the sender will retry the whole request). A Rejecter error is
// logged and counted but does not change the response: the sender has
// been told the input is invalid. Must be safe for concurrent use.
type Rejecter interface {
	Reject(ctx context.Context, rejected []Rejection) error
}

// RejecterFunc adapts a function to the Rejecter interface.
type RejecterFunc func(ctx context.Context, rejected []Rejection) error

// Reject calls f(ctx, rejected).
func (f RejecterFunc) Reject(ctx context.Context, rejected []Rejection) error {
	return f(ctx, rejected)
}
