package bus

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrBackpressure means a stream (or the engine's storage) is full and
	// the message was not stored. Retry later; do not drop.
	ErrBackpressure = errors.New("bus full: message not stored")
	// ErrTooLarge means a message exceeds the engine's maximum size. Retrying
	// will not help.
	ErrTooLarge = errors.New("message too large for the bus")
	// ErrUnknownSubject means a subject names no stream the bus was opened
	// with.
	ErrUnknownSubject = errors.New("unknown subject")
	// ErrPermanent marks a handler error that retrying cannot fix; see
	// Permanent.
	ErrPermanent = errors.New("permanent failure")
)

// Permanent wraps err so that the consumer dead-letters the message at once
// instead of redelivering it. errors.Is(Permanent(err), ErrPermanent) holds,
// and the result still unwraps to err. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string        { return e.err.Error() }
func (e permanentError) Unwrap() error        { return e.err }
func (e permanentError) Is(target error) bool { return target == ErrPermanent }

// BatchError reports, message by message, the outcome of a batch: which
// messages of a PublishBatch call were not stored, or which deliveries a
// BatchHandler failed on.
type BatchError struct {
	// Errs has one entry per message of the batch: nil when that message
	// was stored (PublishBatch) or handled (BatchHandler).
	Errs []error
}

// BatchErrors returns nil when every entry of errs is nil, and a *BatchError
// holding errs otherwise. A BatchHandler ends with it.
func BatchErrors(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return &BatchError{Errs: errs}
		}
	}
	return nil
}

// Failed returns the indexes of the messages that failed.
func (e *BatchError) Failed() []int {
	var idx []int
	for i, err := range e.Errs {
		if err != nil {
			idx = append(idx, i)
		}
	}
	return idx
}

func (e *BatchError) Error() string {
	failed := e.Failed()
	var b strings.Builder
	fmt.Fprintf(&b, "batch: %d of %d messages failed", len(failed), len(e.Errs))
	if len(failed) > 0 {
		fmt.Fprintf(&b, "; first (#%d): %v", failed[0], e.Errs[failed[0]])
	}
	return b.String()
}

// Unwrap returns the per-message errors, so that errors.Is(err,
// ErrBackpressure) tells whether any message hit back-pressure.
func (e *BatchError) Unwrap() []error {
	var errs []error
	for _, err := range e.Errs {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
