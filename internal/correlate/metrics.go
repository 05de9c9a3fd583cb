package correlate

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the vigie_correlation_* series.
type metrics struct {
	rules         *prometheus.GaugeVec   // kind
	firings       *prometheus.CounterVec // rule
	suppressed    *prometheus.CounterVec // rule
	groups        prometheus.Gauge
	evictedGroups prometheus.Counter
	evictedEvents prometheus.Counter
	expired       prometheus.Counter
	late          prometheus.Counter
	invalidTime   prometheus.Counter
	ungrouped     prometheus.Counter
	depthLimited  prometheus.Counter
	matches       prometheus.Counter
	undecodable   prometheus.Counter
	duplicates    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "vigie_correlation_" + name, Help: help})
	}
	m := &metrics{
		rules:         prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigie_correlation_rules", Help: "Rules loaded, by kind (detection, correlation)."}, []string{"kind"}),
		firings:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigie_correlation_firings_total", Help: "Alerts emitted (or chained) per rule."}, []string{"rule"}),
		suppressed:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigie_correlation_suppressed_total", Help: "Firings silenced by a rule's suppress setting."}, []string{"rule"}),
		groups:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigie_correlation_groups", Help: "Open correlation groups."}),
		evictedGroups: counter("evicted_groups_total", "Groups evicted because a rule reached its group limit."),
		evictedEvents: counter("evicted_events_total", "Events evicted because a group reached its event limit."),
		expired:       counter("expired_events_total", "Events that left their window without a firing."),
		late:          counter("late_events_total", "Alerts dropped because they arrived later than the allowed lateness."),
		invalidTime:   counter("invalid_time_total", "Alerts without a usable CreateTime/StartTime, not correlated."),
		ungrouped:     counter("ungrouped_total", "Matches without a value for a group-by field or the value field."),
		depthLimited:  counter("depth_limited_total", "Firings not emitted because the chain was too deep."),
		matches:       counter("matches_total", "Detection rule matches."),
		undecodable:   counter("undecodable_total", "Alerts on the bus that did not decode, not correlated."),
		duplicates:    counter("duplicate_events_total", "Alerts already in a group (redeliveries), counted once."),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.rules, m.firings, m.suppressed, m.groups, m.evictedGroups, m.evictedEvents, m.expired, m.late, m.invalidTime, m.ungrouped, m.depthLimited, m.matches, m.undecodable, m.duplicates} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				continue
			}
			return nil, fmt.Errorf("correlate: register metrics: %w", err)
		}
	}
	return m, nil
}
