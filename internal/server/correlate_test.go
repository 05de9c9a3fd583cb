package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/config"
)

// TestCorrelationAlertStored posts failed logins to ingest and waits for
// the brute-force preset's correlation alert in the store: ingest → bus →
// enrich → correlate → alerts.in → enrich → store.
func TestCorrelationAlertStored(t *testing.T) {
	srv, stop := startServer(t, func(c *config.Config) { c.Correlation.DedupWindow = 0 })
	defer stop()
	c, err := transport.NewClient(transport.ClientOptions{URL: "http://" + srv.IngestAddr().String() + "/", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now().UTC()
	var msgs [][]byte
	var ids []string
	for i := range 5 {
		a, err := idmefv2.NewAlert("sshd", idmefv2.AlertOptions{Now: func() time.Time { return now.Add(time.Duration(i) * time.Second) }})
		if err != nil {
			t.Fatal(err)
		}
		a.Category = []idmefv2.Category{idmefv2.CategoryAccessForced}
		a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAuthentication}
		a.Description = fmt.Sprintf("Failed password for root, attempt %d", i)
		if _, err := a.AddSource(idmefv2.Source{IP: "203.0.113.77"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddTarget(idmefv2.Target{IP: "10.0.0.2", User: "root"}); err != nil {
			t.Fatal(err)
		}
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, data)
		ids = append(ids, a.ID)
	}
	if _, err := c.SendBatch(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"q": {`Analyzer.Name = "Vigie Correlator"`}}
	deadline := time.Now().Add(30 * time.Second)
	var res struct {
		Alerts []struct{ ID string } `json:"alerts"`
	}
	for time.Now().Before(deadline) {
		if apiGet(t, srv, "/api/v1/alerts?"+q.Encode(), &res) == http.StatusOK && len(res.Alerts) >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(res.Alerts) != 2 {
		t.Fatalf("%d correlation alerts stored, want 2 (brute force per source/target and per user)", len(res.Alerts))
	}
	for _, s := range res.Alerts {
		var detail struct {
			Alert json.RawMessage `json:"alert"`
		}
		if code := apiGet(t, srv, "/api/v1/alerts/"+s.ID, &detail); code != http.StatusOK {
			t.Fatalf("alert %s: %d", s.ID, code)
		}
		if rep := idmefv2.ValidateJSON(detail.Alert); !rep.Valid() {
			t.Errorf("stored correlation alert is not valid: %v", rep)
		}
		a, err := idmefv2.Decode(detail.Alert)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(a.CorrelID)
		slices.Sort(got)
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("CorrelID %v, want the five failed logins %v", a.CorrelID, ids)
		}
	}
	logLatency(t, srv)
	var rules struct {
		Rules []struct {
			Name    string
			Firings int
		}
	}
	if apiGet(t, srv, "/api/v1/rules", &rules) != http.StatusOK {
		t.Fatal("GET /api/v1/rules")
	}
	for _, r := range rules.Rules {
		if r.Name == "vigie_bruteforce_user" && r.Firings != 1 {
			t.Errorf("vigie_bruteforce_user fired %d times, want 1", r.Firings)
		}
	}
}

// logLatency logs the correlation latency histogram (a figure for
// docs/PERFORMANCE.md, not an assertion).
func logLatency(t *testing.T, srv *Server) {
	resp, err := http.Get("http://" + srv.APIAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "vigie_correlation_latency_seconds_sum") || strings.HasPrefix(l, "vigie_correlation_latency_seconds_count") {
			t.Log(l)
		}
	}
}
