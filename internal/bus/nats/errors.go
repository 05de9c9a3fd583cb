package nats

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Server error codes (nats-server jetstream_errors) that mean "full".
const (
	errCodeInsufficientResources = 10023 // account or server storage exhausted
	errCodeStoreFailed           = 10077 // wraps the store error, e.g. "maximum messages exceeded"
)

// classify maps a publish error to the bus's sentinels, keeping the original
// in the chain.
func classify(err error) error {
	if sentinel := sentinelFor(err); sentinel != nil {
		return fmt.Errorf("%w: %w", sentinel, err)
	}
	return err
}

func sentinelFor(err error) error {
	if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum) {
		return bus.ErrTooLarge
	}
	apiErr, ok := errors.AsType[*jetstream.APIError](err)
	if !ok {
		return nil
	}
	switch apiErr.ErrorCode {
	case errCodeInsufficientResources:
		return bus.ErrBackpressure
	case errCodeStoreFailed:
		d := strings.ToLower(apiErr.Description)
		switch {
		case strings.Contains(d, "maximum messages"), strings.Contains(d, "maximum bytes"):
			return bus.ErrBackpressure
		case strings.Contains(d, "too large"):
			return bus.ErrTooLarge
		}
	}
	return nil
}
