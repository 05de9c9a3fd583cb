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

// Defaults of LagLimitOptions.
const (
	DefaultLagInterval = 250 * time.Millisecond
	DefaultMinPending  = 500
	// rateWeight is the weight of a new drain-rate sample in the moving
	// average: with readings every 250ms, a change of rate is mostly
	// taken into account after about a second.
	rateWeight = 0.3
)

// LagLimitOptions configures a LagLimit. At least one of MaxPending and
// MaxLatency is required.
type LagLimitOptions struct {
	Lag LagReporter
	// Stages are the consumers watched, in pipeline order: what a stage
	// acknowledges is what the next one receives.
	Stages []Stage
	// MaxPending is the most messages a stage may have pending before
	// ingest refuses new alerts with 503, whatever the drain rate: a hard
	// cap. 0: none.
	MaxPending uint64
	// MaxLatency is the longest time the stages may need, at their
	// measured drain rates, to work off what they have pending before
	// ingest refuses new alerts with 503: it bounds the time from
	// acknowledgement to queryable under overload on any machine. 0: no
	// latency bound.
	MaxLatency time.Duration
	// MinPending is the backlog (all stages together) under which the
	// latency bound never refuses, so that a cold start or an idle
	// stage, whose rate is not known, does not refuse; default 500.
	MinPending uint64
	// Interval between two looks at the stages; default 250ms.
	Interval time.Duration
	// RetryAfter is what refused senders are told; default 1s.
	RetryAfter time.Duration
	Logger     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// LagLimit is back-pressure from the pipeline to ingest: while the stages
// are too far behind, Check fails with a transport.UnavailableError (503
// with Retry-After), so that an overload slows the senders down instead of
// growing a backlog, and the latency, without bound.
//
// "Too far behind" is either a stage with more than MaxPending messages
// pending, or a backlog the stages need more than MaxLatency to work off.
// That time is the sum, over the stages, of pending ÷ drain rate: a new
// alert waits behind each stage's backlog in turn. A stage's drain rate
// (messages acknowledged per second) is derived from successive readings:
// what it received (the alerts ingest published, counted by Published, for
// the first stage; what the previous stage acknowledged for the next ones)
// minus the growth of its backlog. It is smoothed by a moving average, and
// taken as the stage's capacity only while the stage had a backlog of at
// least MinPending for the whole interval; otherwise it only ever raises the
// estimate (a stage that keeps up drains at least that fast). Until a stage's rate is known, only
// MaxPending applies to it.
//
// The stages are looked at most once per Interval, by whichever request
// comes first; the others use that reading.
type LagLimit struct {
	opts LagLimitOptions
	log  *slog.Logger

	published atomic.Uint64 // alerts published to the first stage
	checked   atomic.Int64  // unix nanos of the last reading
	behind    atomic.Pointer[string]

	mu    sync.Mutex // one reader of the stages at a time; guards the fields below
	last  time.Time  // of the previous reading; zero before the first
	pubAt uint64     // published at the previous reading
	st    []stageLag
}

// stageLag is what a LagLimit knows of one stage.
type stageLag struct {
	pending uint64  // at the previous reading
	ok      bool    // pending was read
	rate    float64 // smoothed drain rate, messages/s; 0: not known yet
}

// NewLagLimit returns a LagLimit for opts.
func NewLagLimit(opts LagLimitOptions) (*LagLimit, error) {
	if opts.Lag == nil || len(opts.Stages) == 0 || (opts.MaxPending == 0 && opts.MaxLatency <= 0) {
		return nil, errors.New("ingest: lag limit needs a LagReporter, stages and MaxPending or MaxLatency")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultLagInterval
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Second
	}
	if opts.MinPending == 0 {
		opts.MinPending = DefaultMinPending
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &LagLimit{opts: opts, log: opts.Logger, st: make([]stageLag, len(opts.Stages))}, nil
}

// Published tells the limit that n more alerts were published to the
// first stage; the drain rates are derived from it.
func (l *LagLimit) Published(n int) {
	if n > 0 {
		l.published.Add(uint64(n))
	}
}

// Check returns nil while the stages keep up.
func (l *LagLimit) Check(ctx context.Context) error {
	if l.opts.Now().Sub(time.Unix(0, l.checked.Load())) >= l.opts.Interval && l.mu.TryLock() {
		l.refresh(ctx)
		l.mu.Unlock()
	}
	if why := l.behind.Load(); why != nil {
		return &transport.UnavailableError{RetryAfter: l.opts.RetryAfter, Err: fmt.Errorf("%w: %s", bus.ErrBackpressure, *why)}
	}
	return nil
}

// Rates returns the smoothed drain rate of each stage, in messages per
// second (0: not known yet), as of the last reading.
func (l *LagLimit) Rates() []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]float64, len(l.st))
	for i, s := range l.st {
		out[i] = s.rate
	}
	return out
}

func (l *LagLimit) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	now := l.opts.Now()
	pub := l.published.Load()
	dt := now.Sub(l.last).Seconds()
	measure := !l.last.IsZero() && dt > 0
	// arrived is what the current stage received since the previous
	// reading; known is false when that cannot be told.
	arrived, known := float64(pub-l.pubAt), measure
	var why *string
	var wait float64 // seconds to work off every backlog
	var total uint64
	for i, st := range l.opts.Stages {
		s := &l.st[i]
		n, err := l.opts.Lag.Pending(ctx, st.Subject, st.Durable)
		if err != nil {
			// Not knowing is no reason to refuse alerts: the bus's own
			// limits still hold.
			l.log.Warn("cannot read pipeline lag", "stage", st.Durable, "err", err)
			s.ok, known = false, false
			continue
		}
		if known && s.ok {
			drained := max(float64(s.pending)+arrived-float64(n), 0)
			s.observe(drained/dt, min(s.pending, n) >= l.opts.MinPending)
			arrived = drained
		} else {
			known = false
		}
		s.pending, s.ok = n, true
		total += n
		if why == nil && l.opts.MaxPending > 0 && n > l.opts.MaxPending {
			r := fmt.Sprintf("pipeline stage %s is %d messages behind (limit %d)", st.Durable, n, l.opts.MaxPending)
			why = &r
		}
		if s.rate > 0 {
			wait += float64(n) / s.rate
		}
	}
	if lim := l.opts.MaxLatency; why == nil && lim > 0 && total >= l.opts.MinPending && wait > lim.Seconds() {
		r := fmt.Sprintf("the pipeline needs %.1fs to work off %d pending messages (limit %s)", wait, total, lim)
		why = &r
	}
	l.last, l.pubAt = now, pub
	prev := l.behind.Swap(why)
	switch {
	case why != nil && prev == nil:
		l.log.Warn("ingest slowed down: pipeline behind", "reason", *why)
	case why == nil && prev != nil:
		l.log.Info("ingest resumed: pipeline caught up")
	}
	l.checked.Store(now.UnixNano())
}

// observe takes a drain-rate sample into the moving average. A stage that
// had a backlog for the whole interval (busy) drained as fast as it can:
// the sample is its capacity. Otherwise the stage kept up with what it
// received, and the sample is only a lower bound of its capacity.
func (s *stageLag) observe(sample float64, busy bool) {
	switch {
	case s.rate == 0:
		if busy || sample > 0 {
			s.rate = sample
		}
	case busy:
		s.rate += rateWeight * (sample - s.rate)
	case sample > s.rate:
		s.rate += rateWeight * (sample - s.rate)
	}
}
