package securitytrails

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// upstreamMetrics counts SecurityTrails calls.
type upstreamMetrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// newUpstreamMetrics registers
//
//	vigie_relay_upstream_requests_total{upstream="securitytrails",endpoint,status}
//	vigie_relay_upstream_request_duration_seconds{upstream="securitytrails",endpoint}
//
// status is the HTTP status, or "error" when no answer came back.
func newUpstreamMetrics(reg prometheus.Registerer) (*upstreamMetrics, error) {
	labels := prometheus.Labels{"upstream": "securitytrails"}
	m := &upstreamMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "vigie_relay_upstream_requests_total",
			Help:        "Calls to the relay's upstream API by endpoint and HTTP status.",
			ConstLabels: labels,
		}, []string{"endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "vigie_relay_upstream_request_duration_seconds",
			Help:        "Latency of calls to the relay's upstream API (pacing excluded).",
			ConstLabels: labels,
			Buckets:     prometheus.ExponentialBuckets(0.005, 3, 8),
		}, []string{"endpoint"}),
	}
	for _, c := range []prometheus.Collector{m.calls, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("securitytrails: register metrics: %w", err)
		}
	}
	return m, nil
}

// observe records one call; m may be nil.
func (m *upstreamMetrics) observe(endpoint, status string, d time.Duration) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(endpoint, status).Inc()
	m.latency.WithLabelValues(endpoint).Observe(d.Seconds())
}
