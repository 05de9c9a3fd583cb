package store

import "errors"

// Sentinel errors that callers branch on. Engines wrap them with context, so
// test with errors.Is.
var (
	// ErrNotFound: the alert, user, token, session or dead letter does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the user or token already exists.
	ErrConflict = errors.New("already exists")
	// ErrInvalidQuery: the filter, sort, cursor or aggregation request is malformed.
	ErrInvalidQuery = errors.New("invalid query")
	// ErrInvalidTransition: a triage state change the workflow does not allow.
	ErrInvalidTransition = errors.New("invalid state transition")
	// ErrInvalid: an argument is malformed (empty name, unknown state…).
	ErrInvalid = errors.New("invalid argument")
	// ErrUnavailable: the request is valid but cannot be answered now (an
	// index that is being rebuilt); retrying later may succeed.
	ErrUnavailable = errors.New("temporarily unavailable")
)
