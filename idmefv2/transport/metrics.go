package transport

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the handler's Prometheus metrics; a nil *metrics records
// nothing.
type metrics struct {
	requests    *prometheus.CounterVec
	duration    prometheus.Histogram
	messages    *prometheus.CounterVec
	deadLetters prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_transport_requests_total",
			Help: "IDMEFv2 HTTP requests handled, by response status code.",
		}, []string{"code"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vigie_transport_request_duration_seconds",
			Help:    "Time to handle an IDMEFv2 HTTP request, from headers read to response written.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_transport_messages_total",
			Help: "IDMEFv2 messages received, by outcome (accepted, rejected).",
		}, []string{"outcome"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigie_transport_dead_letter_errors_total",
			Help: "Rejected inputs the dead-letter hook failed to record.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.messages, m.deadLetters} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register transport metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) request(code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *metrics) outcome(accepted, rejected int) {
	if m == nil {
		return
	}
	if accepted > 0 {
		m.messages.WithLabelValues("accepted").Add(float64(accepted))
	}
	if rejected > 0 {
		m.messages.WithLabelValues("rejected").Add(float64(rejected))
	}
}

func (m *metrics) deadLetterFailed() {
	if m != nil {
		m.deadLetters.Inc()
	}
}
