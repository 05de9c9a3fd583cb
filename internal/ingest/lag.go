package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
	// Branches are consumers beside the chain (e.g. correlation, which
	// reads the same subject as a chain stage): only MaxPending holds
	// them, since what they drain says nothing of when an alert is
	// queryable.
	Branches []Stage
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
	// MaxWait is the longest Admit holds a request the stages have no
	// room for, waiting for them to catch up, before it refuses it; 0:
	// refuse at once. Requests are held only while Run runs.
	MaxWait time.Duration
	// MaxWaiting bounds the alerts of the requests held at once (their
	// bodies stay in memory); past it, requests are refused at once.
	// Default MaxPending, or 10,000 without it.
	MaxWaiting uint64
	// Registerer receives the admission-wait metrics; nil: none.
	Registerer prometheus.Registerer
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
// That time is the longest, over the stages, of what a new alert finds
// ahead of it in that stage and the stages before it, divided by that
// stage's drain rate: stage k must acknowledge everything pending in stages
// 1..k before the new alert.
//
// A stage's drain rate (messages acknowledged per second) is derived from
// successive readings of the stages' pending counts: what the stage received
// (the alerts ingest admitted, counted by Admit, for the first stage;
// what the previous stage acknowledged for the next ones) minus the growth
// of its backlog. It is smoothed by a moving average, and taken as the
// stage's capacity only while the stage had a backlog of at least MinPending
// for the whole interval; otherwise it only ever raises the estimate (a
// stage that keeps up drains at least that fast). Until a stage's rate is
// known, only MaxPending applies to it.
//
// The stages are read at most once per Interval, by whichever request comes
// first. Between readings, Check projects the last one: what was published
// since is added to every backlog and what the stages drained since, at
// their rates, is taken off, so that a burst of requests is refused as soon
// as it would exceed the target rather than at the next reading.
//
// With MaxWait and Run, a request the stages have no room for is held, up
// to MaxWait, and admitted in arrival order as they catch up, instead of
// being refused at once (see admission.go).
type LagLimit struct {
	opts LagLimitOptions
	log  *slog.Logger

	published atomic.Uint64 // alerts published to the first stage
	checked   atomic.Int64  // unix nanos of the last reading
	snap      atomic.Pointer[lagSnapshot]
	refusing  atomic.Bool

	mu    sync.Mutex // one reader of the stages at a time; guards the fields below
	last  time.Time  // of the previous reading; zero before the first
	pubAt uint64     // published at the previous reading
	st    []stageLag

	// Admission wait (admission.go).
	metrics      *admissionMetrics
	kick         chan struct{} // wakes Run when a request is held
	queued       atomic.Int64  // len(queue), for Admit's fast path
	wmu          sync.Mutex    // guards the fields below
	queue        []*waiter     // held requests, oldest first
	queuedAlerts uint64        // their alerts
	running      bool          // Run runs: requests may be held
}

// stageLag is what a LagLimit knows of one stage.
type stageLag struct {
	pending uint64  // at the previous reading
	ok      bool    // pending was read
	rate    float64 // smoothed drain rate, messages/s; 0: not known yet
}

// lagSnapshot is a reading of the stages, for Check.
type lagSnapshot struct {
	at      time.Time
	pubAt   uint64    // Published count at the reading
	total   uint64    // messages pending in all stages
	ahead   []float64 // per stage with a known rate: pending in it and the stages before
	rates   []float64 // their drain rates
	overCap string    // why the hard cap refuses; empty: it does not
	first   uint64    // pending in the first stage
}

// wait is how long the stages need to work off their backlogs, d after the
// reading, with pub more alerts published since.
func (s *lagSnapshot) wait(d time.Duration, pub uint64) time.Duration {
	var w float64
	for i, r := range s.rates {
		left := max(s.ahead[i]-r*d.Seconds(), 0) + float64(pub)
		w = max(w, left/r)
	}
	return time.Duration(w * float64(time.Second))
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
	if opts.MaxWait < 0 {
		return nil, errors.New("ingest: lag limit MaxWait is negative")
	}
	if opts.MaxWaiting == 0 {
		opts.MaxWaiting = cmp.Or(opts.MaxPending, 10_000)
	}
	m, err := newAdmissionMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &LagLimit{opts: opts, log: opts.Logger, st: make([]stageLag, len(opts.Stages)),
		metrics: m, kick: make(chan struct{}, 1)}, nil
}

// Admit returns nil, and counts n alerts as published to the first stage,
// while the stages keep up; the drain rates and the projection between
// readings are derived from that count. Counting at admission, not
// after the publish, keeps concurrent requests from all passing on the
// same projection.
//
// While the stages are too far behind, or older requests are held, it
// holds the request up to MaxWait (see Run) and returns nil if it is
// admitted in that time; otherwise it returns a transport.UnavailableError.
func (l *LagLimit) Admit(ctx context.Context, n int) error {
	n = max(n, 0)
	now := l.refreshIfDue(ctx)
	why := l.behind(now)
	if why == "" && l.queued.Load() == 0 {
		l.published.Add(uint64(n))
		l.note("")
		return nil
	}
	if why != "" {
		l.note(why)
	} else {
		// Fair: a request does not pass the ones held before it.
		why = "older requests are waiting"
	}
	return l.hold(ctx, n, why)
}

// refreshIfDue reads the stages if the last reading is older than
// Interval and no one else is reading them, and returns the time.
func (l *LagLimit) refreshIfDue(ctx context.Context) time.Time {
	now := l.opts.Now()
	if now.Sub(time.Unix(0, l.checked.Load())) >= l.opts.Interval && l.mu.TryLock() {
		l.refresh(ctx, now)
		l.mu.Unlock()
	}
	return now
}

// note logs when ingest starts and stops finding the stages behind (why
// non-empty: behind).
func (l *LagLimit) note(why string) {
	if was := l.refusing.Swap(why != ""); was != (why != "") {
		if why != "" {
			l.log.Warn("ingest slowed down: pipeline behind", "reason", why)
		} else {
			l.log.Info("ingest resumed: pipeline caught up")
		}
	}
}

// behind says why the stages are too far behind at now, or "". The alerts
// of the request being admitted do not count: a batch that alone is worth
// more than MaxLatency still goes through once the stages caught up, rather
// than never.
func (l *LagLimit) behind(now time.Time) string {
	s := l.snap.Load()
	if s == nil {
		return ""
	}
	if s.overCap != "" {
		return s.overCap
	}
	pub := l.published.Load() - s.pubAt
	if max := l.opts.MaxPending; max > 0 && s.first+pub > max {
		// Projected: what was admitted since the reading lands in the
		// first stage; without this, a burst overshoots the cap by what
		// ingest takes in one interval (a cold start's, at over 20,000
		// alerts/s, by half of it).
		return fmt.Sprintf("pipeline stage %s would be %d messages behind (limit %d)", l.opts.Stages[0].Durable, s.first+pub, max)
	}
	lim := l.opts.MaxLatency
	if lim <= 0 {
		return ""
	}
	if s.total+pub < l.opts.MinPending {
		return ""
	}
	if w := s.wait(now.Sub(s.at), pub); w > lim {
		return fmt.Sprintf("the pipeline needs %s to work off %d pending messages (limit %s)", w.Round(time.Millisecond), s.total+pub, lim)
	}
	return ""
}

// Rates returns the smoothed drain rate of each stage, in messages per
// second (0: not known yet), as of the last reading.
func (l *LagLimit) Rates() []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ratesLocked()
}

func (l *LagLimit) ratesLocked() []float64 {
	out := make([]float64, len(l.st))
	for i, s := range l.st {
		out[i] = s.rate
	}
	return out
}

func (l *LagLimit) refresh(ctx context.Context, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	pub := l.published.Load()
	dt := now.Sub(l.last).Seconds()
	// arrived is what the current stage received since the previous
	// reading; known is false when that cannot be told.
	arrived, known := float64(pub-l.pubAt), !l.last.IsZero() && dt > 0
	snap := &lagSnapshot{at: now, pubAt: pub}
	var ahead uint64
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
		if i == 0 {
			snap.first = n
		}
		ahead += n
		if s.rate > 0 {
			snap.ahead = append(snap.ahead, float64(ahead))
			snap.rates = append(snap.rates, s.rate)
		}
		if snap.overCap == "" && l.opts.MaxPending > 0 && n > l.opts.MaxPending {
			snap.overCap = fmt.Sprintf("pipeline stage %s is %d messages behind (limit %d)", st.Durable, n, l.opts.MaxPending)
		}
	}
	snap.total = ahead
	if l.opts.MaxPending > 0 {
		for _, st := range l.opts.Branches {
			n, err := l.opts.Lag.Pending(ctx, st.Subject, st.Durable)
			if err != nil {
				l.log.Warn("cannot read pipeline lag", "stage", st.Durable, "err", err)
				continue
			}
			if snap.overCap == "" && n > l.opts.MaxPending {
				snap.overCap = fmt.Sprintf("pipeline stage %s is %d messages behind (limit %d)", st.Durable, n, l.opts.MaxPending)
			}
		}
	}
	if l.log.Enabled(ctx, slog.LevelDebug) {
		l.log.Debug("pipeline lag", "pending", snap.total, "wait", snap.wait(0, 0), "rates", l.ratesLocked())
	}
	l.last, l.pubAt = now, pub
	l.snap.Store(snap)
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
