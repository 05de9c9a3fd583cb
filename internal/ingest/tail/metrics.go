package tail

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	lines, truncated, unparsed, truncations, handlerErrors prometheus.Counter
	files                                                  prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "vigie_tail_" + name, Help: help})
	}
	m := &metrics{
		lines:         c("lines_total", "Lines read from followed files and accepted by the handler."),
		truncated:     c("lines_truncated_total", "Lines cut at the maximum line length."),
		unparsed:      c("json_unparsed_total", "JSON-lines lines that are not a JSON object (kept as text)."),
		truncations:   c("file_truncations_total", "Followed files truncated in place (copytruncate rotation)."),
		handlerErrors: c("handler_errors_total", "Batches the handler refused (retried at the next poll)."),
		files:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigie_tail_files", Help: "Files followed."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, col := range []prometheus.Collector{m.lines, m.truncated, m.unparsed, m.truncations, m.handlerErrors, m.files} {
		if err := reg.Register(col); err != nil {
			return nil, fmt.Errorf("tail: register metrics: %w", err)
		}
	}
	return m, nil
}
