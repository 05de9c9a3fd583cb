package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/correlate"
	"github.com/vigie-siem/vigie/internal/ingest"
	"github.com/vigie-siem/vigie/internal/pipeline"
)

// TestIngestSubjectFollowsEnrichment checks where ingest publishes: with no
// enricher configured, straight to alerts.enriched (alerts.in stays empty);
// with one, to alerts.in, from which the enrich stage publishes to
// alerts.enriched. Either way, what reaches alerts.enriched carries the
// same headers (content type, sender, reception time) and is stored.
func TestIngestSubjectFollowsEnrichment(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "assets.csv")
	if err := os.WriteFile(inv, []byte("ip,owner,criticality,location\n10.0.0.0/8,it,critical,HQ\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		edit     func(*config.Config)
		viaIn    bool
		wantSubj string
	}{
		{name: "no enrichers", edit: nil, viaIn: false, wantSubj: bus.SubjectEnriched},
		{name: "asset inventory", edit: func(c *config.Config) { c.Enrich.Assets.Files = []string{inv} }, viaIn: true, wantSubj: bus.SubjectIn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, stop := startServer(t, func(c *config.Config) {
				// No correlation: its alerts go to alerts.in either way.
				c.Correlation.Enabled = false
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			defer stop()
			if srv.ingestSubject != tt.wantSubj {
				t.Fatalf("ingest publishes to %s, want %s", srv.ingestSubject, tt.wantSubj)
			}
			seen := observeEnriched(t, srv)
			before := time.Now()
			ids := sendAlerts(t, srv, 60, 30, 1)
			after := time.Now()
			waitStored(t, srv, len(ids))

			in := publishedOn(t, srv, bus.SubjectIn)
			switch {
			case tt.viaIn && in < float64(len(ids)):
				t.Errorf("alerts.in got %.0f alerts, want all %d (they must be enriched)", in, len(ids))
			case !tt.viaIn && in != 0:
				t.Errorf("alerts.in got %.0f alerts, want none: nothing to enrich", in)
			}
			hdrs := seen(len(ids))
			for _, id := range ids {
				h, ok := hdrs[id]
				if !ok {
					t.Fatalf("alert %s never reached alerts.enriched", id)
				}
				if err := checkIngestHeader(h, before, after); err != nil {
					t.Errorf("alert %s on alerts.enriched: %v", id, err)
				}
			}
		})
	}
}

// TestEnrichStageDrainsAlertsIn checks that without enrichers the enrich
// stage still forwards what reaches alerts.in (a backlog left by an earlier
// configuration, the correlation stage's alerts) to the store.
func TestEnrichStageDrainsAlertsIn(t *testing.T) {
	srv, stop := startServer(t, nil)
	defer stop()
	if srv.ingestSubject != bus.SubjectEnriched {
		t.Fatalf("ingest publishes to %s, want %s without enrichers", srv.ingestSubject, bus.SubjectEnriched)
	}
	seen := observeEnriched(t, srv)
	// Alerts left on alerts.in, with the headers ingest gives them.
	var backlog []bus.Message
	var backlogIDs []string
	for i := range 5 {
		a, err := idmefv2.NewAlert("backlog", idmefv2.AlertOptions{})
		if err != nil {
			t.Fatal(err)
		}
		a.Description = fmt.Sprintf("left on alerts.in %d", i)
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		backlog = append(backlog, bus.Message{Subject: bus.SubjectIn, Key: a.ID, Data: data, Header: map[string]string{
			bus.HeaderContentType: "application/json", bus.HeaderSender: "addr:192.0.2.1", bus.HeaderReceived: time.Now().UTC().Format(time.RFC3339Nano),
		}})
		backlogIDs = append(backlogIDs, a.ID)
	}
	if err := srv.bus.PublishBatch(context.Background(), backlog); err != nil {
		t.Fatal(err)
	}
	waitQueryable(t, srv, backlogIDs)
	hdrs := seen(len(backlogIDs))
	for _, id := range backlogIDs {
		if got := hdrs[id][bus.HeaderSender]; got != "addr:192.0.2.1" {
			t.Errorf("alert %s forwarded with sender %q, want the one it had on alerts.in", id, got)
		}
	}
}

// observeEnriched consumes alerts.enriched with a durable of its own and
// returns a function that waits for n alerts and returns their headers by
// alert ID.
func observeEnriched(t *testing.T, srv *Server) func(n int) map[string]map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu   sync.Mutex
		hdrs = map[string]map[string]string{}
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		_ = srv.bus.ConsumeBatch(ctx, bus.SubjectEnriched, "test-observer", bus.ConsumeOptions{MaxBatchWait: 10 * time.Millisecond},
			func(_ context.Context, ds []bus.Delivery) error {
				mu.Lock()
				defer mu.Unlock()
				for _, d := range ds {
					hdrs[d.Key] = d.Header
				}
				return nil
			})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func(n int) map[string]map[string]string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(hdrs)
			mu.Unlock()
			if got >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d alerts seen on alerts.enriched after 30 s", got, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		out := make(map[string]map[string]string, len(hdrs))
		for k, v := range hdrs {
			out[k] = v
		}
		return out
	}
}

// checkIngestHeader checks the headers ingest sets on an alert received
// between before and after.
func checkIngestHeader(h map[string]string, before, after time.Time) error {
	if got := h[bus.HeaderContentType]; got != "application/json" {
		return fmt.Errorf("%s %q, want application/json", bus.HeaderContentType, got)
	}
	if got := h[bus.HeaderSender]; !strings.HasPrefix(got, "addr:127.0.0.1") {
		return fmt.Errorf("%s %q, want the sender's address", bus.HeaderSender, got)
	}
	rt, err := time.Parse(time.RFC3339Nano, h[bus.HeaderReceived])
	if err != nil {
		return fmt.Errorf("%s: %w", bus.HeaderReceived, err)
	}
	if rt.Before(before.Add(-time.Second)) || rt.After(after.Add(time.Second)) {
		return fmt.Errorf("%s %v, not within the sending (%v to %v)", bus.HeaderReceived, rt, before, after)
	}
	if len(h) != 3 {
		return fmt.Errorf("headers %v, want exactly the three ingest sets", h)
	}
	return nil
}

// publishedOn reads the bus's published counter for a subject.
func publishedOn(t *testing.T, srv *Server, subject string) float64 {
	t.Helper()
	mfs, err := srv.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "vigie_bus_published_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "subject" && l.GetValue() == subject {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestLagStagesFollowIngestSubject: back-pressure chains the stages an
// accepted alert goes through; without enrichers that is the store stage
// alone, and the enrich stage is only held by the hard cap.
func TestLagStagesFollowIngestSubject(t *testing.T) {
	cfg := config.Default()
	enrich := ingest.Stage{Subject: bus.SubjectIn, Durable: pipeline.DurableEnrich}
	store := ingest.Stage{Subject: bus.SubjectEnriched, Durable: pipeline.DurableStore}
	corr := ingest.Stage{Subject: bus.SubjectEnriched, Durable: correlate.DurableName}
	for _, tt := range []struct {
		subject                 string
		wantChain, wantBranches []ingest.Stage
	}{
		{bus.SubjectIn, []ingest.Stage{enrich, store}, []ingest.Stage{corr}},
		{bus.SubjectEnriched, []ingest.Stage{store}, []ingest.Stage{enrich, corr}},
	} {
		s := &Server{cfg: cfg, ingestSubject: tt.subject}
		chain, branches := s.lagStages()
		if diff := cmp.Diff(tt.wantChain, chain); diff != "" {
			t.Errorf("ingest to %s: chain (-want +got):\n%s", tt.subject, diff)
		}
		if diff := cmp.Diff(tt.wantBranches, branches); diff != "" {
			t.Errorf("ingest to %s: branches (-want +got):\n%s", tt.subject, diff)
		}
	}
}
