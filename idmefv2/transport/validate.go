package transport

import "context"

// Severity grades a Problem.
type Severity string

// Problem severities. Only errors make a message invalid.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one thing wrong with a message. It is also the wire format of
// the "problems" list in a 400 response.
type Problem struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value ("" for
	// the whole message).
	Pointer string `json:"pointer"`
	// Rule names the rule broken, e.g. "required", "enum", "port-range".
	Rule string `json:"rule,omitempty"`
	// Message explains the problem to a human.
	Message string `json:"message"`
	// Severity is "error" or "warning".
	Severity Severity `json:"severity,omitempty"`
}

// Verdict is a Validator's decision on one message.
type Verdict struct {
	// OK is true when the message is acceptable (it may still carry
	// warnings in Problems).
	OK bool
	// Problems lists what is wrong, errors and warnings alike.
	Problems []Problem
	// Rewritten, when non-nil, replaces the message bytes handed to the
	// Sink, e.g. a message upgraded from an older draft or repaired by a
	// lenient mode.
	Rewritten []byte
	// Value is handed to the Sink untouched in Message.Value, so that what
	// the validator decoded (a typed alert, its ID) need not be decoded
	// again.
	Value any
}

// Validator decides whether one message (one JSON object, already known
// to be well-formed) is a valid IDMEFv2 message. Implementations must be
// safe for concurrent use; they must not modify msg. The handler does not
// modify it either (it becomes Message.Data), so a Verdict.Value may share
// its memory.
type Validator interface {
	Validate(ctx context.Context, msg []byte) Verdict
}

// ValidatorFunc adapts a function to the Validator interface.
type ValidatorFunc func(ctx context.Context, msg []byte) Verdict

// Validate calls f(ctx, msg).
func (f ValidatorFunc) Validate(ctx context.Context, msg []byte) Verdict { return f(ctx, msg) }
