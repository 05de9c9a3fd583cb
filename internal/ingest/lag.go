package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/bus"
)

// LagReporter tells how many messages a durable consumer has not
// acknowledged yet (the bus implements it).
type LagReporter interface {
	Pending(ctx context.Context, subject, durable string) (uint64, error)
}

// Stage names a pipeline stage by the subject and durable consumer it reads.
type Stage struct {
	Subject, Durable string
}

// LagLimitOptions configures a LagLimit.
type LagLimitOptions struct {
	Lag LagReporter
	// Stages are the consumers watched.
	Stages []Stage
	// MaxPending is the most messages a stage may have pending before
	// ingest refuses new alerts with 503; it bounds the time from
	// acknowledgement to queryable under overload. Required.
	MaxPending uint64
	// Interval between two looks at the stages; default 250ms.
	Interval time.Duration
	// RetryAfter is what refused senders are told; default 1s.
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// LagLimit is back-pressure from the pipeline to ingest: while a watched
// stage is further behind than MaxPending, Check fails with a
// transport.UnavailableError (503 with Retry-After), so that an overload
// slows the senders down instead of growing a backlog, and the latency,
// without bound. The stages are looked at most once per Interval, by
// whichever request comes first; the others use that reading.
type LagLimit struct {
	opts LagLimitOptions
	log  *slog.Logger

	mu      sync.Mutex   // one reader of the stages at a time
	checked atomic.Int64 // unix nanos of the last reading
	behind  atomic.Pointer[string]
}

// NewLagLimit returns a LagLimit for opts.
func NewLagLimit(opts LagLimitOptions) (*LagLimit, error) {
	if opts.Lag == nil || len(opts.Stages) == 0 || opts.MaxPending == 0 {
		return nil, errors.New("ingest: lag limit needs a LagReporter, stages and MaxPending")
	}
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &LagLimit{opts: opts, log: opts.Logger}, nil
}

// Check returns nil while every stage keeps up.
func (l *LagLimit) Check(ctx context.Context) error {
	if time.Since(time.Unix(0, l.checked.Load())) >= l.opts.Interval && l.mu.TryLock() {
		l.refresh(ctx)
		l.mu.Unlock()
	}
	if why := l.behind.Load(); why != nil {
		return &transport.UnavailableError{RetryAfter: l.opts.RetryAfter, Err: fmt.Errorf("%w: %s", bus.ErrBackpressure, *why)}
	}
	return nil
}

func (l *LagLimit) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	var why *string
	for _, st := range l.opts.Stages {
		n, err := l.opts.Lag.Pending(ctx, st.Subject, st.Durable)
		if err != nil {
			// Not knowing is no reason to refuse alerts: the bus's own
			// limits still hold.
			l.log.Warn("cannot read pipeline lag", "stage", st.Durable, "err", err)
			continue
		}
		if n > l.opts.MaxPending {
			s := fmt.Sprintf("pipeline stage %s is %d messages behind (limit %d)", st.Durable, n, l.opts.MaxPending)
			why = &s
			break
		}
	}
	prev := l.behind.Swap(why)
	switch {
	case why != nil && prev == nil:
		l.log.Warn("ingest slowed down: pipeline behind", "reason", *why)
	case why == nil && prev != nil:
		l.log.Info("ingest resumed: pipeline caught up")
	}
	l.checked.Store(time.Now().UnixNano())
}
