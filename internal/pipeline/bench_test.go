package pipeline

import (
	"context"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// touch is an enricher that changes nothing, so that BenchmarkEnrich
// measures the stage's own work: decode, encode.
type touch struct{}

func (touch) Name() string                                 { return "touch" }
func (touch) Enrich(context.Context, *idmefv2.Alert) error { return nil }

// BenchmarkEnrich is the enrich stage's CPU per alert around its enrichers.
func BenchmarkEnrich(b *testing.B) {
	r, err := New(Options{Bus: nopBus{}, Store: newMemStore(), DeadLetters: newMemStore(), Enrichers: []Enricher{touch{}}})
	if err != nil {
		b.Fatal(err)
	}
	g, err := alertgen.New(alertgen.Options{Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, 1000)
	for i := range msgs {
		if msgs[i], err = idmefv2.Encode(g.Next()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := r.enrich(b.Context(), msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// nopBus satisfies Bus for benchmarks that never reach the bus.
type nopBus struct{ Bus }
