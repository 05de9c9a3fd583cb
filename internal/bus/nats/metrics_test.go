package nats

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vigie-siem/vigie/internal/bus"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	ctx := t.Context()
	dir := t.TempDir()
	streams := []bus.Stream{{Subject: bus.SubjectIn, MaxMsgs: 3}, {Subject: bus.SubjectDead}}
	b, err := Open(ctx, Options{DataDir: dir, Streams: streams, Registerer: reg, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)

	m := func(key string) bus.Message { return bus.Message{Subject: bus.SubjectIn, Key: key, Data: []byte(key)} }
	for _, msg := range []bus.Message{m("ok"), m("ok"), m("bad"), m("retry"), m("full")} {
		_ = b.Publish(ctx, msg) // "full" hits MaxMsgs; counted below
	}

	done := make(chan struct{})
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := func(_ context.Context, d bus.Delivery) error {
		switch {
		case d.Key == "bad":
			return bus.Permanent(errors.New("bad"))
		case d.Key == "retry" && d.Attempt == 1:
			return errors.New("again")
		case d.Key == "retry":
			close(done)
		}
		return nil
	}
	consumed := make(chan error, 1)
	go func() {
		consumed <- b.Consume(cctx, bus.SubjectIn, "stage", bus.ConsumeOptions{Backoff: fastBackoff()}, h)
	}()
	select {
	case <-done:
	case <-t.Context().Done():
	}
	cancel()
	if err := <-consumed; err != nil {
		t.Fatalf("Consume: %v", err)
	}

	in := []string{bus.SubjectIn}
	inStage := []string{bus.SubjectIn, "stage"}
	checks := []struct {
		name string
		c    prometheus.Metric
		want float64
	}{
		{"published", b.metrics.published.WithLabelValues(in...), 4},
		{"duplicates", b.metrics.duplicates.WithLabelValues(in...), 1},
		{"publish errors", b.metrics.publishErrs.WithLabelValues(in...), 1},
		{"backpressure", b.metrics.backpressure.WithLabelValues(in...), 1},
		{"delivered", b.metrics.delivered.WithLabelValues(inStage...), 4}, // ok, bad, retry ×2
		{"acked", b.metrics.acked.WithLabelValues(inStage...), 2},
		{"naked", b.metrics.naked.WithLabelValues(inStage...), 1},
		{"dead-lettered", b.metrics.deadLettered.WithLabelValues(bus.SubjectIn, "stage", reasonPermanent), 1},
		{"dead stream published", b.metrics.published.WithLabelValues(bus.SubjectDead), 1},
		{"pending", b.metrics.pending.WithLabelValues(inStage...), 0},
	}
	for _, c := range checks {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}

	// A second bus on the same registry shares the series instead of failing.
	b2, err := Open(ctx, Options{DataDir: t.TempDir(), Streams: streams, Registerer: reg})
	if err != nil {
		t.Fatalf("second bus on the same registry: %v", err)
	}
	defer b2.Close(ctx)
	if err := b2.Publish(ctx, m("other")); err != nil {
		t.Fatal(err)
	}
	if got := value(t, b.metrics.published.WithLabelValues(in...)); got != 5 {
		t.Errorf("published after a publish on the second bus = %v, want 5", got)
	}
}

func fastBackoff() []time.Duration { return []time.Duration{0} }

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatalf("read metric: %v", err)
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}
