package nats

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bus's Prometheus collectors. Labels use logical subjects
// and durable names, so that they do not change with the prefix.
type metrics struct {
	published    *prometheus.CounterVec // subject
	duplicates   *prometheus.CounterVec // subject
	publishErrs  *prometheus.CounterVec // subject
	backpressure *prometheus.CounterVec // subject
	delivered    *prometheus.CounterVec // subject, consumer
	acked        *prometheus.CounterVec // subject, consumer
	naked        *prometheus.CounterVec // subject, consumer
	deadLettered *prometheus.CounterVec // subject, consumer, reason
	pending      *prometheus.GaugeVec   // subject, consumer
}

// Dead-letter reasons, the values of the "reason" label.
const (
	reasonPermanent  = "permanent"
	reasonMaxDeliver = "max_deliver"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	r := registrar{reg: reg}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return register(&r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vigie", Subsystem: "bus", Name: name, Help: help,
		}, labels))
	}
	m := &metrics{
		published:    counter("published_total", "Publishes acknowledged by the bus, duplicates included.", "subject"),
		duplicates:   counter("duplicates_total", "Publishes recognised as duplicates (same key and data within the window) and not stored again.", "subject"),
		publishErrs:  counter("publish_errors_total", "Messages the bus failed to store, back-pressure included.", "subject"),
		backpressure: counter("backpressure_total", "Messages rejected because a stream or the storage was full.", "subject"),
		delivered:    counter("delivered_total", "Deliveries to consumers, redeliveries included.", "subject", "consumer"),
		acked:        counter("acked_total", "Deliveries acknowledged after their handler succeeded.", "subject", "consumer"),
		naked:        counter("naked_total", "Deliveries handed back for redelivery after a handler error.", "subject", "consumer"),
		deadLettered: counter("dead_lettered_total", "Messages copied to the dead-letter subject, by reason (permanent, max_deliver).", "subject", "consumer", "reason"),
		pending: register(&r, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vigie", Subsystem: "bus", Name: "consumer_pending",
			Help: "Messages in the stream not yet delivered to the consumer, as of its last delivery.",
		}, []string{"subject", "consumer"})),
	}
	if r.err != nil {
		return nil, fmt.Errorf("bus metrics: %w", r.err)
	}
	return m, nil
}

// registrar remembers the first registration error.
type registrar struct {
	reg prometheus.Registerer
	err error
}

// register registers c, or, when an identical collector is already
// registered (a second Bus on the same registry), returns that one so that
// both buses add to the same series.
func register[T prometheus.Collector](r *registrar, c T) T {
	if r.reg == nil {
		return c
	}
	err := r.reg.Register(c)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing
		}
	}
	if err != nil && r.err == nil {
		r.err = err
	}
	return c
}
