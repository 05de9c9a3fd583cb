package syslog

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	received, unparsed, truncated, framing *prometheus.CounterVec
	overflow, refused, idle, tlsErrors     prometheus.Counter
	delivered, handlerErrors, lost         prometheus.Counter
	conns                                  prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "vigie_syslog_" + name, Help: help})
	}
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigie_syslog_" + name, Help: help}, []string{"input"})
	}
	m := &metrics{
		received:      vec("messages_received_total", "Syslog messages received, by input (syslog/tcp, syslog/udp, syslog/tls)."),
		unparsed:      vec("messages_unparsed_total", "Syslog messages neither RFC 5424 nor RFC 3164 accepted; kept as raw lines."),
		truncated:     vec("messages_truncated_total", "Syslog messages cut at the maximum message size."),
		framing:       vec("framing_errors_total", "TCP connections closed because their framing could not be followed."),
		overflow:      counter("udp_overflow_total", "UDP datagrams not queued because the handler was behind."),
		refused:       counter("connections_refused_total", "TCP connections closed at once because the connection limit was reached."),
		idle:          counter("connections_idle_closed_total", "TCP connections closed after the idle timeout."),
		tlsErrors:     counter("tls_handshake_errors_total", "TLS handshakes that failed."),
		delivered:     counter("events_delivered_total", "Events the handler accepted."),
		handlerErrors: counter("handler_errors_total", "Failed hand-offs of a batch to the handler (each is retried)."),
		lost:          counter("events_lost_total", "Events dropped after the handler kept failing."),
		conns:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigie_syslog_connections", Help: "Open TCP connections."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.received, m.unparsed, m.truncated, m.framing, m.overflow, m.refused, m.idle, m.tlsErrors, m.delivered, m.handlerErrors, m.lost, m.conns} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("syslog: register metrics: %w", err)
		}
	}
	return m, nil
}
