package enrich

import "github.com/prometheus/client_golang/prometheus"

// AlertsCounter exposes a result counter to the tests.
func AlertsCounter(m *Metrics, result string) prometheus.Collector {
	return m.alerts.WithLabelValues(result)
}

// LookupCounter exposes a look-up counter to the tests.
func LookupCounter(m *Metrics, enricher, result string) prometheus.Collector {
	return m.lookups.WithLabelValues(enricher, result)
}

// FailureCounter exposes a failure counter to the tests.
func FailureCounter(m *Metrics, enricher, reason string) prometheus.Collector {
	return m.failures.WithLabelValues(enricher, reason)
}
