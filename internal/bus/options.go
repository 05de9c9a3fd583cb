package bus

import (
	"fmt"
	"time"
)

// Defaults for ConsumeOptions.
const (
	DefaultConcurrency = 1
	DefaultAckWait     = 30 * time.Second
	DefaultMaxDeliver  = 5

	// DefaultMaxBatch and DefaultMaxBatchWait apply to ConsumeBatch only.
	DefaultMaxBatch     = 500
	DefaultMaxBatchWait = 20 * time.Millisecond
)

// ConsumeOptions tunes one durable consumer. The zero value means defaults.
type ConsumeOptions struct {
	// Concurrency is how many handlers run at once (default 1, which keeps
	// stream order). With ConsumeBatch it counts batch handlers. A stage
	// that batches its writes uses ConsumeBatch.
	Concurrency int
	// MaxInFlight bounds messages delivered but not yet acknowledged,
	// prefetched ones included (default 2×Concurrency, at least 64; with
	// ConsumeBatch 2×Concurrency×MaxBatch). Every
	// one of them counts against AckWait from the moment it is delivered,
	// so keep it small for slow handlers.
	MaxInFlight int
	// AckWait is how long a delivered message may stay unacknowledged
	// before the bus redelivers it (default 30 s). It is also the deadline
	// of the handler's context.
	AckWait time.Duration
	// MaxDeliver is how many attempts a message gets before it is
	// dead-lettered (default 5).
	MaxDeliver int
	// Backoff is the redelivery delay after the n-th failed attempt; the
	// last value repeats (default 1 s, 5 s, 30 s). A zero entry means
	// redeliver at once.
	Backoff []time.Duration
	// DeadLetterSubject receives messages the consumer gives up on
	// (default SubjectDead).
	DeadLetterSubject string

	// MaxBatch bounds the deliveries handed to one BatchHandler call
	// (ConsumeBatch only; default DefaultMaxBatch).
	MaxBatch int
	// MaxBatchWait is how long a batch may wait to fill, from its first
	// delivery, before it is handed over as it is (ConsumeBatch only;
	// default DefaultMaxBatchWait). It bounds the latency batching adds
	// when traffic is light; under load batches fill before it expires.
	MaxBatchWait time.Duration
}

// WithDefaults returns o with every zero field set to its default.
func (o ConsumeOptions) WithDefaults() ConsumeOptions {
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = max(2*o.Concurrency, 64)
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = DefaultMaxDeliver
	}
	if o.Backoff == nil {
		o.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	}
	if o.DeadLetterSubject == "" {
		o.DeadLetterSubject = SubjectDead
	}
	return o
}

// WithBatchDefaults returns o with every zero field set to its default for
// ConsumeBatch, MaxBatch and MaxBatchWait included.
func (o ConsumeOptions) WithBatchDefaults() ConsumeOptions {
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxBatchWait == 0 {
		o.MaxBatchWait = DefaultMaxBatchWait
	}
	if o.MaxInFlight == 0 && o.MaxBatch > 0 {
		o.MaxInFlight = max(2*max(o.Concurrency, 1)*o.MaxBatch, 64)
	}
	return o.WithDefaults()
}

// Validate reports the first field of o (after WithDefaults or
// WithBatchDefaults) that is out of range.
func (o ConsumeOptions) Validate() error {
	switch {
	case o.MaxBatch < 0:
		return fmt.Errorf("consume options: MaxBatch %d: must not be negative", o.MaxBatch)
	case o.MaxBatchWait < 0:
		return fmt.Errorf("consume options: MaxBatchWait %v: must not be negative", o.MaxBatchWait)
	case o.Concurrency < 1:
		return fmt.Errorf("consume options: Concurrency %d: must be at least 1", o.Concurrency)
	case o.MaxInFlight < o.Concurrency:
		return fmt.Errorf("consume options: MaxInFlight %d: must be at least Concurrency (%d)", o.MaxInFlight, o.Concurrency)
	case o.AckWait < time.Millisecond:
		return fmt.Errorf("consume options: AckWait %v: must be at least 1ms", o.AckWait)
	case o.MaxDeliver < 1:
		return fmt.Errorf("consume options: MaxDeliver %d: must be at least 1", o.MaxDeliver)
	case len(o.Backoff) == 0:
		return fmt.Errorf("consume options: Backoff: must have at least one value")
	}
	for i, d := range o.Backoff {
		if d < 0 {
			return fmt.Errorf("consume options: Backoff[%d] %v: must not be negative", i, d)
		}
	}
	return nil
}

// BackoffFor returns the redelivery delay after failed attempt n (1-based).
func (o ConsumeOptions) BackoffFor(attempt int) time.Duration {
	if len(o.Backoff) == 0 {
		return 0
	}
	i := min(max(attempt-1, 0), len(o.Backoff)-1)
	return o.Backoff[i]
}
