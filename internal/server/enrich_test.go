package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/config"
)

// TestServeEnrichesAlerts runs the whole stack with an asset inventory: the
// stored alerts carry the enrichment and are valid.
func TestServeEnrichesAlerts(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "assets.csv")
	if err := os.WriteFile(inv, []byte("ip,owner,criticality,location\n10.0.0.0/8,it,critical,HQ\nfd00::/8,it,critical,HQ\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, stop := startServer(t, func(c *config.Config) {
		c.Enrich.Assets.Files = []string{inv}
		c.Enrich.Assets.RaisePriority = []string{"critical=High"}
	})
	defer stop()
	ids := sendAlerts(t, srv, 40, 20, 1)
	waitStored(t, srv, len(ids))
	enriched := 0
	for _, id := range ids {
		var got struct {
			Alert json.RawMessage `json:"alert"`
		}
		if code := apiGet(t, srv, "/api/v1/alerts/"+id, &got); code != http.StatusOK {
			t.Fatalf("GET %s: %d", id, code)
		}
		if r := idmefv2.ValidateJSON(got.Alert); !r.Valid() {
			t.Fatalf("stored alert %s invalid: %v", id, r.Errors())
		}
		a, err := idmefv2.Decode(got.Alert)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range a.Attachment {
			if at.Name == "enrichment" {
				enriched++
				if a.Priority != idmefv2.PriorityHigh {
					t.Errorf("%s: priority %s, want High for a critical asset", id, a.Priority)
				}
			}
		}
	}
	if enriched == 0 {
		t.Error("no stored alert carries the enrichment attachment")
	}
}

func TestBuildEnrichmentGeoIPOffWhenDatabaseMissing(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	e, err := BuildEnrichment(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Chain != nil {
		t.Errorf("enrichers %v without any source configured", e.Chain.Steps())
	}
	cfg.Enrich.GeoIP.CountryDB = filepath.Join(cfg.DataDir, "missing.mmdb")
	if _, err := BuildEnrichment(context.Background(), cfg, slog.New(slog.DiscardHandler), nil); err == nil {
		t.Error("a configured but missing database is not an error")
	}
}
