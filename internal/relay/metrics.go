package relay

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the relay framework's Prometheus collectors. Build it once
// per process with [NewMetrics] and pass it to [MuxOptions] and
// [JWKSOptions].
type Metrics struct {
	http *httpMetrics
	jwks *prometheus.CounterVec
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the relay collectors on reg:
//
//	vigie_relay_requests_total{route,method,status}
//	vigie_relay_request_duration_seconds{route}
//	vigie_relay_jwks_fetches_total{result}
//
// route is the registered path, or "unmatched" for a 404, so that hostile
// paths cannot grow the label set.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		http: &httpMetrics{
			requests: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "vigie_relay_requests_total",
				Help: "Relay HTTP requests by route, method and status code.",
			}, []string{"route", "method", "status"}),
			latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name:    "vigie_relay_request_duration_seconds",
				Help:    "Relay HTTP request latency by route.",
				Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
			}, []string{"route"}),
		},
		jwks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_relay_jwks_fetches_total",
			Help: "JWKS look-ups by result: fetched, cached, refused (host not allowed) or failed.",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.http.requests, m.http.latency, m.jwks} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("relay: register metrics: %w", err)
		}
	}
	return m, nil
}

func (h *httpMetrics) observe(route, method, status string, d time.Duration) {
	switch method {
	case "GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH":
	default:
		method = "other"
	}
	h.requests.WithLabelValues(route, method, status).Inc()
	h.latency.WithLabelValues(route).Observe(d.Seconds())
}

// jwksResult counts one JWKS look-up; m may be nil.
func (m *Metrics) jwksResult(result string) {
	if m != nil {
		m.jwks.WithLabelValues(result).Inc()
	}
}
