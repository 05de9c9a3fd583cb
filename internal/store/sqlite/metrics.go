package sqlite

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	written  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lockWait *prometheus.HistogramVec
	deleted  prometheus.Counter
	// textQueue is the number of changes queued for the free-text index.
	textQueue prometheus.Gauge
	// checkpoints counts the WAL checkpoints that copied frames, by who
	// ran them; walBytes is the WAL's size at the last one.
	checkpoints *prometheus.CounterVec
	walBytes    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_store_alerts_written_total",
			Help: "Alerts given to PutAlerts, by result (inserted, updated, unchanged).",
		}, []string{"result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_store_operation_duration_seconds",
			Help:    "Duration of store operations.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"op"}),
		lockWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_store_write_lock_wait_seconds",
			Help:    "Time write operations waited for the single writer (included in vigie_store_operation_duration_seconds).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"op"}),
		deleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigie_store_alerts_deleted_total",
			Help: "Alerts deleted by retention.",
		}),
		textQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigie_store_text_queue",
			Help: "Changes queued for the free-text index (written after the alerts, in a database of its own).",
		}),
		checkpoints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_store_wal_checkpoints_total",
			Help: "Checkpoints of the alert database's WAL that copied frames, by who ran them (background, or the writer once the WAL is full).",
		}, []string{"by"}),
		walBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigie_store_wal_bytes",
			Help: "Size of the alert database's WAL at the last checkpoint.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.written, m.duration, m.lockWait, m.deleted, m.textQueue, m.checkpoints, m.walBytes} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("sqlite: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(op string, start time.Time) {
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}
