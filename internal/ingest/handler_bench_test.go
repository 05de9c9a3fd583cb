package ingest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/cputime"
)

// discardPublisher takes every batch at no cost.
type discardPublisher struct{}

func (discardPublisher) PublishBatch(context.Context, []bus.Message) error { return nil }

// BenchmarkHandlerInProcess500 is ingest's own CPU per alert: the transport
// handler with Vigie's validator and sink as the server configures them, in
// process (no socket, no bus), on JSON-array batches of 500 generated
// alerts. allocs/op and B/op are per batch: divide by 500.
func BenchmarkHandlerInProcess500(b *testing.B) {
	v, err := NewValidator(ValidatorOptions{Upgrade: true, Lenient: true, RequireCurrent: true, IDOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	h, err := transport.NewHandler(transport.Options{Sink: NewSink(discardPublisher{}, "", nil), Validator: v, Rejecter: NewDeadLetters(discardPublisher{})})
	if err != nil {
		b.Fatal(err)
	}
	g, err := alertgen.New(alertgen.Options{Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for range 10 {
		body := []byte{'['}
		for i := range 500 {
			if i > 0 {
				body = append(body, ',')
			}
			if body, err = idmefv2.AppendEncode(body, g.Next()); err != nil {
				b.Fatal(err)
			}
		}
		bodies = append(bodies, append(body, ']'))
	}
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64((cputime.Process()-cpu0).Nanoseconds())/1e3/float64(b.N*500), "cpu-µs/alert")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N*500), "µs/alert")
}
