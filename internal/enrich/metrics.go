package enrich

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the enrichment stage does. One Metrics serves every
// step and cache of a process; a nil *Metrics counts nothing.
type Metrics struct {
	alerts   *prometheus.CounterVec   // result
	lookups  *prometheus.CounterVec   // enricher, result
	failures *prometheus.CounterVec   // enricher, reason
	latency  *prometheus.HistogramVec // enricher
}

// NewMetrics registers the enrichment metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vigie", Subsystem: "enrich", Name: "alerts_total",
			Help: "Alerts through the enrichment chain, by result (enriched, unchanged, reverted: an enricher's change made the alert invalid and was undone).",
		}, []string{"result"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vigie", Subsystem: "enrich", Name: "lookups_total",
			Help: "Cached look-ups by enricher and result (hit, negative: cached absence, miss: queued, wait: answered within the budget, late: the budget expired (the service is then not waited for until it answers again), overflow: queue full, not queued).",
		}, []string{"enricher", "result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vigie", Subsystem: "enrich", Name: "lookup_failures_total",
			Help: "Background look-ups that failed, by enricher and reason (error, timeout).",
		}, []string{"enricher", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "vigie", Subsystem: "enrich", Name: "lookup_seconds",
			Help:    "Duration of background look-ups by enricher.",
			Buckets: []float64{.001, .005, .02, .1, .5, 2, 10},
		}, []string{"enricher"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.alerts, m.lookups, m.failures, m.latency} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("enrich metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *Metrics) alert(result string) {
	if m != nil {
		m.alerts.WithLabelValues(result).Inc()
	}
}

// lookupCounter returns the counter of one enricher's look-up result, to
// be resolved once rather than per alert.
func (m *Metrics) lookupCounter(enricher, result string) prometheus.Counter {
	if m == nil {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"})
	}
	return m.lookups.WithLabelValues(enricher, result)
}

func (m *Metrics) failure(enricher, reason string) {
	if m != nil {
		m.failures.WithLabelValues(enricher, reason).Inc()
	}
}

func (m *Metrics) observe(enricher string, d time.Duration) {
	if m != nil {
		m.latency.WithLabelValues(enricher).Observe(d.Seconds())
	}
}

// RateLog logs a warning per key at most once per interval and says how
// many were suppressed in between, so that a failing service does not
// flood the log.
type RateLog struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*rateState
}

type rateState struct {
	last       time.Time
	suppressed int
}

// NewRateLog returns a RateLog writing to log (nil: discarded) at most
// once per every per key.
func NewRateLog(log *slog.Logger, every time.Duration) *RateLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RateLog{log: log, every: every, now: time.Now, keys: map[string]*rateState{}}
}

// Warn logs msg under key unless key was logged within the interval.
func (r *RateLog) Warn(key, msg string, args ...any) {
	if r == nil {
		return
	}
	now := r.now()
	r.mu.Lock()
	st := r.keys[key]
	if st == nil {
		st = &rateState{}
		r.keys[key] = st
	}
	if !st.last.IsZero() && now.Sub(st.last) < r.every {
		st.suppressed++
		r.mu.Unlock()
		return
	}
	suppressed := st.suppressed
	st.last, st.suppressed = now, 0
	r.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	r.log.Warn(msg, args...)
}
