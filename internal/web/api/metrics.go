package api

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's Prometheus collectors:
//
//	vigie_api_requests_total{route,method,status}
//	vigie_api_request_duration_seconds{route,method}
//
// route is the registered pattern ("GET /api/v1/alerts/{id}") or
// "unmatched", so that clients cannot grow the label set.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_api_requests_total",
			Help: "REST API requests by route, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_api_request_duration_seconds",
			Help:    "REST API request latency by route and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9), // 0.5 ms … 33 s
		}, []string{"route", "method"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(route, method, status string, d time.Duration) {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, status).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}
