package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/bus"
)

// Admission wait: while the stages are too far behind, Admit holds a
// request, up to MaxWait, instead of refusing it at once, and Run admits the
// held requests in arrival order as the backlog drains. A refusal makes a
// sender wait a whole Retry-After (at least a second); a held request is
// admitted as soon as there is room, so that the senders slow down to the
// pipeline's pace instead of stopping and starting.
//
// A held request is admitted on the same test as a new one (behind), and
// counts as published as soon as it is: what is admitted stays bounded by
// MaxPending and MaxLatency, and so does the latency from acknowledgement to
// queryable. The wait itself comes before the acknowledgement.

// waiter is a request held by Admit.
type waiter struct {
	n     int
	at    time.Time
	ready chan struct{} // closed when admitted or released
	// Guarded by LagLimit.wmu.
	admitted bool
	queued   bool // still in LagLimit.queue
}

// Outcomes of an admission wait (label of vigie_ingest_admission_wait_seconds).
const (
	waitAdmitted = "admitted"
	waitRefused  = "refused"  // MaxWait passed
	waitCanceled = "canceled" // the request's context ended
	waitShutdown = "shutdown" // Run returned
)

// admissionMetrics are the LagLimit's metrics; nil records nothing.
type admissionMetrics struct {
	waiting prometheus.Gauge
	wait    *prometheus.HistogramVec
}

func newAdmissionMetrics(reg prometheus.Registerer) (*admissionMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &admissionMetrics{
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigie_ingest_admission_waiting",
			Help: "Ingest requests held while the pipeline is behind, waiting for room.",
		}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_ingest_admission_wait_seconds",
			Help:    "Time ingest requests were held while the pipeline was behind, by outcome (admitted, refused, canceled, shutdown).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.waiting, m.wait} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingest admission metrics: %w", err)
		}
	}
	return m, nil
}

func (m *admissionMetrics) held(delta float64) {
	if m != nil {
		m.waiting.Add(delta)
	}
}

func (m *admissionMetrics) waited(outcome string, d time.Duration) {
	if m != nil {
		m.wait.WithLabelValues(outcome).Observe(d.Seconds())
	}
}

// Run admits held requests as the stages catch up, until ctx ends; then it
// releases every held request with a refusal, and Admit refuses at once
// again. Without Run, Admit never holds a request. It returns nil, or an
// error if Run is already running.
func (l *LagLimit) Run(ctx context.Context) error {
	l.wmu.Lock()
	if l.running {
		l.wmu.Unlock()
		return errors.New("ingest: lag limit already running")
	}
	l.running = true
	l.wmu.Unlock()
	defer l.release()
	// A short tick: between two readings of the stages, the projection of
	// the last one frees room as the stages drain at their rates.
	step := max(l.opts.Interval/10, time.Millisecond)
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.kick:
		}
		for l.admitWaiting(ctx) {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// release refuses every held request and stops holding new ones.
func (l *LagLimit) release() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.running = false
	for _, w := range l.queue {
		w.queued = false
		close(w.ready)
	}
	l.queue, l.queuedAlerts = nil, 0
	l.queued.Store(0)
}

// admitWaiting admits held requests, oldest first, while the stages have
// room, and reports whether some are still held.
func (l *LagLimit) admitWaiting(ctx context.Context) bool {
	now := l.refreshIfDue(ctx)
	l.wmu.Lock()
	defer l.wmu.Unlock()
	for len(l.queue) > 0 {
		why := l.behind(now)
		if why != "" {
			l.note(why)
			return true
		}
		w := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.queuedAlerts -= uint64(w.n)
		l.queued.Add(-1)
		l.published.Add(uint64(w.n))
		w.admitted, w.queued = true, false
		close(w.ready)
	}
	l.note("")
	return false
}

// hold waits, up to MaxWait, for Run to admit a request of n alerts that
// the stages have no room for now (why). It returns nil once admitted, else
// a 503 error.
func (l *LagLimit) hold(ctx context.Context, n int, why string) error {
	if l.opts.MaxWait <= 0 {
		return l.refuse(why)
	}
	now := l.opts.Now()
	l.wmu.Lock()
	switch {
	case !l.running:
		l.wmu.Unlock()
		return l.refuse(why)
	case len(l.queue) > 0 && l.queuedAlerts+uint64(n) > l.opts.MaxWaiting:
		// Held requests keep their bodies in memory: past MaxWaiting
		// alerts, refuse as without a wait. A lone request is always held.
		l.wmu.Unlock()
		return l.refuse(why + "; too many requests waiting")
	}
	w := &waiter{n: n, at: now, ready: make(chan struct{}), queued: true}
	l.queue = append(l.queue, w)
	l.queuedAlerts += uint64(n)
	l.queued.Add(1)
	l.wmu.Unlock()
	l.metrics.held(1)
	defer l.metrics.held(-1)
	select {
	case l.kick <- struct{}{}:
	default: // Run is already awake
	}

	timer := time.NewTimer(l.opts.MaxWait)
	defer timer.Stop()
	outcome := waitRefused
	select {
	case <-w.ready:
	case <-ctx.Done():
		outcome = waitCanceled
	case <-timer.C:
	}
	l.wmu.Lock()
	admitted := w.admitted
	if w.queued {
		i := slices.Index(l.queue, w)
		l.queue = slices.Delete(l.queue, i, i+1)
		l.queuedAlerts -= uint64(n)
		l.queued.Add(-1)
		w.queued = false
	}
	l.wmu.Unlock()
	waited := l.opts.Now().Sub(now)
	switch {
	case admitted:
		// Admitted, even if the wait ended at the same time: it counts
		// as published already.
		l.metrics.waited(waitAdmitted, waited)
		return nil
	case outcome == waitCanceled:
		l.metrics.waited(outcome, waited)
		return &transport.UnavailableError{RetryAfter: l.opts.RetryAfter,
			Err: fmt.Errorf("%w: request ended while waiting for the pipeline: %w", bus.ErrBackpressure, context.Cause(ctx))}
	case isClosed(w.ready):
		l.metrics.waited(waitShutdown, waited)
		return &transport.UnavailableError{RetryAfter: l.opts.RetryAfter,
			Err: fmt.Errorf("%w: ingest is shutting down", bus.ErrBackpressure)}
	}
	l.metrics.waited(waitRefused, waited)
	if why = l.behind(l.opts.Now()); why == "" {
		why = "older requests still waiting"
	}
	return l.refuse(fmt.Sprintf("waited %s: %s", l.opts.MaxWait, why))
}

// refuse is the 503 for a request the stages have no room for.
func (l *LagLimit) refuse(why string) error {
	return &transport.UnavailableError{RetryAfter: l.opts.RetryAfter, Err: fmt.Errorf("%w: %s", bus.ErrBackpressure, why)}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
