package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/config"
)

const testPassword = "correct horse battery"

// startServer runs a server on loopback ports with a fresh data directory.
func startServer(t testing.TB, edit func(*config.Config)) (*Server, func()) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Ingest.Addr = "127.0.0.1:0"
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Ingest.Auth = "none"
	if edit != nil {
		edit(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Notice: io.Discard,
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
	c, err := transport.NewClient(transport.ClientOptions{URL: "http://" + srv.IngestAddr().String() + "/", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := alertgen.New(alertgen.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var batches [][][]byte
	var ids []string
	for len(ids) < n {
		var msgs [][]byte
		for i := 0; i < batch && len(ids) < n; i++ {
			a := g.Next()
			data, err := idmefv2.Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, data)
			ids = append(ids, a.ID)
		}
		batches = append(batches, msgs)
	}
	work := make(chan [][]byte)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for msgs := range work {
				if _, err := c.SendBatch(context.Background(), msgs); err != nil {
					t.Errorf("send: %v", err)
				}
			}
		})
	}
	for _, b := range batches {
		work <- b
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
	waitStored(t, srv, len(ids))
	for _, id := range []string{ids[0], ids[len(ids)/2], ids[len(ids)-1]} {
		var got struct {
			Alert struct{ ID string } `json:"alert"`
		}
		if code := apiGet(t, srv, "/api/v1/alerts/"+id, &got); code != http.StatusOK || got.Alert.ID != id {
			t.Errorf("GET /api/v1/alerts/%s: %d %+v", id, code, got)
		}
	}
}

func BenchmarkIngestToStored(b *testing.B) {
	srv, stop := startServer(b, nil)
	defer stop()
	b.ResetTimer()
	start := time.Now()
	ids := sendAlerts(b, srv, b.N, 500, 4)
	acked := time.Since(start)
	waitStored(b, srv, len(ids))
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acked/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stored/s")
}
