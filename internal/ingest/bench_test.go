package ingest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// BenchmarkIngestBatch500 posts batches of 500 generated alerts to the
// ingest handler over loopback HTTP, with an embedded bus: validation, the
// HTTP exchange and the durable publish of every alert.
func BenchmarkIngestBatch500(b *testing.B) {
	srv, _ := newIngestTB(b)
	g, err := alertgen.New(alertgen.Options{Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	var batches []string
	for range 20 {
		msgs := make([]string, 500)
		for i := range msgs {
			data, err := idmefv2.Encode(g.Next())
			if err != nil {
				b.Fatal(err)
			}
			msgs[i] = string(data)
		}
		batches = append(batches, "["+strings.Join(msgs, ",")+"]")
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(batches[i%len(batches)]))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "alerts/s")
}
