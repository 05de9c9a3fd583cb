package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/cputime"
)

const testPassword = "correct horse battery"

// startServer runs a server on loopback ports with a fresh data directory.
func startServer(t testing.TB, edit func(*config.Config)) (*Server, func()) {
	t.Helper()
	return startServerWith(t, edit, nil)
}

// startServerWith is startServer with a log parser.
func startServerWith(t testing.TB, edit func(*config.Config), parser LogParser) (*Server, func()) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Ingest.Addr = "127.0.0.1:0"
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Ingest.Auth = "none"
	cfg.Inputs.Syslog.TCPAddr, cfg.Inputs.Syslog.UDPAddr = "127.0.0.1:0", "127.0.0.1:0"
	if edit != nil {
		edit(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Notice: io.Discard, LogParser: parser,
		Getenv: func(k string) string {
			if k == "VIGIE_ADMIN_PASSWORD" {
				return testPassword
			}
			return ""
		}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	return srv, stop
}

// apiGet GETs an API path as the admin and decodes the JSON answer.
func apiGet(t testing.TB, srv *Server, path string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+srv.APIAddr().String()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", testPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// sendAlerts posts n generated alerts in batches and returns their IDs.
func sendAlerts(t testing.TB, srv *Server, n, batch, senders int) []string {
	t.Helper()
	return sendAlertsObserved(t, srv, n, batch, senders, nil)
}

// sendAlertsObserved is sendAlerts calling onAck, when not nil, with the ID
// of the last alert of every acknowledged batch and the acknowledgement
// time.
func sendAlertsObserved(t testing.TB, srv *Server, n, batch, senders int, onAck func(id string, acked time.Time)) []string {
	t.Helper()
	// Patient senders: while the pipeline pushes back (503 with
	// Retry-After), a load generator keeps coming back rather than give up.
	c, err := transport.NewClient(transport.ClientOptions{URL: "http://" + srv.IngestAddr().String() + "/", Timeout: time.Minute, MaxAttempts: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := alertgen.New(alertgen.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	// The generator's alerts, encoded once and replayed with fresh IDs and
	// times, so that the senders cost the server's cores little. Requests
	// are built while the senders send, into buffers they hand back: the
	// benchmark's own data then does not grow with n, nor, with it, the
	// heap goal (a few times the live heap), which the run would otherwise
	// keep touching for the first time, one page fault per 4 KiB.
	alerts, err := alertgen.NewTemplates(g, min(n, 5000), 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	type request struct {
		msgs [][]byte
		last string // ID of the last alert
		buf  []byte
	}
	var (
		ids  = make([]string, 0, n)
		free = make(chan *request, senders+1)
		work = make(chan *request, senders)
		wg   sync.WaitGroup
	)
	for range senders + 1 {
		free <- &request{buf: make([]byte, 0, batch*1024)}
	}
	for range senders {
		wg.Go(func() {
			for r := range work {
				if _, err := c.SendBatch(context.Background(), r.msgs); err != nil {
					t.Errorf("send: %v", err)
				} else if onAck != nil {
					onAck(r.last, time.Now())
				}
				free <- r
			}
		})
	}
	for len(ids) < n {
		r := <-free
		r.msgs, r.buf = r.msgs[:0], r.buf[:0]
		for i := 0; i < batch && len(ids) < n; i++ {
			at := len(r.buf)
			r.buf, r.last = alerts.Append(r.buf)
			r.msgs = append(r.msgs, r.buf[at:len(r.buf):len(r.buf)])
			ids = append(ids, r.last)
		}
		work <- r
	}
	close(work)
	wg.Wait()
	return ids
}

// waitStored waits until the store holds n alerts.
func waitStored(t testing.TB, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var stats struct{ Total int }
	for time.Now().Before(deadline) {
		if apiGet(t, srv, "/api/v1/stats", &stats) == http.StatusOK && stats.Total >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d of %d alerts stored after 60 s", stats.Total, n)
}

func TestIngestToQueryable(t *testing.T) {
	srv, stop := startServer(t, nil)
	defer stop()
	ids := sendAlerts(t, srv, 500, 100, 2)
	waitQueryable(t, srv, ids)
}

// BenchmarkIngestToStored drives the whole embedded stack: 4 HTTP senders
// post batches of 500 alerts; the alerts go through ingest, alerts.in, the
// enrich stage, alerts.enriched and the store stage into SQLite. It reports
// the acknowledged and stored rates and, for the last alert of every batch,
// the latency from the sender's acknowledgement to the alert being
// queryable in the store (p50, p99). The per-sensor rate limit is off: all
// senders share one address, and the benchmark measures the pipeline, not
// the limiter. The store is polled in process, not through the REST API, so
// that the measurement does not pay for HTTP Basic verification.
func BenchmarkIngestToStored(b *testing.B) {
	b.ReportAllocs()
	// The Go runtime as vigie serve sets it (runtime.gc_percent).
	defer debug.SetGCPercent(debug.SetGCPercent(config.Default().Runtime.GCPercent))
	srv, stop := startServer(b, func(c *config.Config) { c.Ingest.RateLimit.Rate = 0 })
	defer stop()
	// One sampler polls the store for the oldest acknowledged sample not
	// yet seen, so that sampling costs one point query every few
	// milliseconds; a sample found late (because an older one was polled
	// first) only makes its latency an upper bound.
	type sample struct {
		id    string
		acked time.Time
	}
	samples := make(chan sample, b.N/500+8)
	var latencies []time.Duration
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for s := range samples {
			for {
				if _, err := srv.store.Alert(context.Background(), s.id); err == nil {
					latencies = append(latencies, time.Since(s.acked))
					break
				}
				if time.Since(s.acked) > time.Minute {
					b.Errorf("alert %s not queryable a minute after its acknowledgement", s.id)
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	onAck := func(id string, acked time.Time) { samples <- sample{id, acked} }
	b.ResetTimer()
	start, cpu0 := time.Now(), cputime.Process()
	ids := sendAlertsObserved(b, srv, b.N, 500, 4, onAck)
	acked := time.Since(start)
	waitStoredInProcess(b, srv, len(ids))
	stored, cpu := time.Since(start), cputime.Process()-cpu0
	close(samples)
	<-sampled
	b.StopTimer()
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acked/s")
	b.ReportMetric(float64(b.N)/stored.Seconds(), "stored/s")
	// CPU of the whole process (server and senders) per alert: steadier
	// than the rates on a machine shared with other jobs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/alert")
	// How much of the run the store's writer was in a transaction (lock
	// waits left out), and its mean batch: the writer is serial, so near
	// 100 % it is the bottleneck.
	if sum, n := histogramTotals(b, srv, "vigie_store_operation_duration_seconds", "put_alerts"); n > 0 {
		wait, _ := histogramTotals(b, srv, "vigie_store_write_lock_wait_seconds", "put_alerts")
		b.ReportMetric(100*(sum-wait)/stored.Seconds(), "store-busy-%")
		b.ReportMetric(float64(b.N)/float64(n), "alerts/write")
	}
	// Refusals (503 while the stages lag) make senders wait before they
	// retry: idle time, not a cost.
	b.ReportMetric(counterValue(b, srv, "vigie_transport_requests_total", "code", "503"), "503s")
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		b.ReportMetric(float64(latencies[n/2].Milliseconds()), "p50-ms")
		b.ReportMetric(float64(latencies[min(n*99/100, n-1)].Milliseconds()), "p99-ms")
	}
}

// histogramTotals returns the sum and count of the histogram name whose op
// label is op.
func histogramTotals(b *testing.B, srv *Server, name, op string) (float64, uint64) {
	h := findMetric(b, srv, name, "op", op).GetHistogram()
	return h.GetSampleSum(), h.GetSampleCount()
}

// counterValue returns the counter name whose label key is value.
func counterValue(b *testing.B, srv *Server, name, key, value string) float64 {
	return findMetric(b, srv, name, key, value).GetCounter().GetValue()
}

// findMetric returns the metric name whose label key is value, or nil
// (whose getters return zeros).
func findMetric(b *testing.B, srv *Server, name, key, value string) *dto.Metric {
	b.Helper()
	mfs, err := srv.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == key && l.GetValue() == value {
					return m
				}
			}
		}
	}
	return nil
}

// waitStoredInProcess waits until the store has written n alerts, as its
// vigie_store_alerts_written_total counter says (cheap to read, unlike a
// count over the alerts table).
func waitStoredInProcess(b *testing.B, srv *Server, n int) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		written := 0.0
		mfs, err := srv.reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "vigie_store_alerts_written_total" {
				for _, m := range mf.GetMetric() {
					written += m.GetCounter().GetValue()
				}
			}
		}
		if int(written) >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%.0f of %d alerts stored after 2 minutes", written, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
