package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/server"
)

// TestBenchBatchesAreValidAndUnique checks what vigie bench sends: valid
// alerts, each with its own ID, the last one's ID returned for sampling.
func TestBenchBatchesAreValidAndUnique(t *testing.T) {
	g, err := alertgen.New(alertgen.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := alertgen.NewTemplates(g, 50, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{alerts: tp, batch: 40}
	ids := map[string]bool{}
	for range 5 {
		msgs, last := b.nextBatch()
		if len(msgs) != 40 {
			t.Fatalf("batch of %d alerts, want 40", len(msgs))
		}
		for i, m := range msgs {
			a, rep := idmefv2.DecodeValidate(m)
			if a == nil {
				t.Fatalf("invalid alert: %v\n%s", rep.Errors(), m)
			}
			if ids[a.ID] {
				t.Fatalf("ID %s sent twice", a.ID)
			}
			ids[a.ID] = true
			if i == len(msgs)-1 && a.ID != last {
				t.Errorf("last ID %s, nextBatch returned %s", a.ID, last)
			}
		}
	}
}

// TestBenchAgainstServer runs vigie bench against a running server: alerts
// are acknowledged and stored, latencies are sampled through the API with
// the token bench creates from the password, and that token is revoked at
// the end.
func TestBenchAgainstServer(t *testing.T) {
	t.Setenv("VIGIE_ADMIN_PASSWORD", crashPassword)
	cfg := config.Default()
	cfg.DataDir, cfg.Ingest.Addr, cfg.HTTP.Addr, cfg.Ingest.Auth = t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", "none"
	cfg.Log.Level = "error"
	cfg.Inputs.Syslog.Enabled = false
	cfg.Correlation.Enabled = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	host := &cobra.Command{}
	host.SetErr(io.Discard)
	err := runServer(ctx, host, cfg, func(srv *server.Server) error {
		defer cancel()
		api := "http://" + srv.APIAddr().String()
		// Twice against one server: each run creates its own token and
		// sends alerts of its own (new IDs).
		acked := 0
		for range 2 {
			out, errOut, code := runCtx(t, ctx, "", "bench", "--url", "http://"+srv.IngestAddr().String()+"/", "--api", api,
				"--duration", "1s", "--batch", "50", "--concurrency", "2", "--sample-every", "1")
			if code != 0 {
				t.Errorf("vigie bench exited %d: %s%s", code, out, errOut)
				return nil
			}
			if !strings.Contains(out, "alerts acknowledged") || !strings.Contains(out, "acknowledgement → queryable over") || strings.Contains(out, " 0 samples") {
				t.Errorf("vigie bench output lacks rates or latency samples:\n%s", out)
			}
			m := ackedRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no acknowledged count in:\n%s", out)
			}
			n, _ := strconv.Atoi(m[1])
			acked += n
		}
		// At least every acknowledged alert is a stored one (a batch in
		// flight when a run ends may be stored without being counted); an
		// ID sent again would update, not add.
		if total := waitStoredTotal(t, api, acked); total < acked {
			t.Errorf("%d alerts stored after two runs that had %d acknowledged: the runs' IDs overlap", total, acked)
		}
		// The tokens bench used are revoked.
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/tokens", nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth("admin", crashPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var list struct {
			Tokens []struct {
				Name      string `json:"name"`
				RevokedAt string `json:"revoked_at"`
			} `json:"tokens"`
		}
		body, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("token list: %v: %s", err, body)
		}
		found := 0
		for _, tk := range list.Tokens {
			if !strings.HasPrefix(tk.Name, benchTokenPrefix) {
				continue
			}
			found++
			if tk.RevokedAt == "" {
				t.Errorf("the bench token is still valid after the run: %s", body)
			}
		}
		if found != 2 {
			t.Errorf("%d tokens named %s…, want the two bench runs created: %s", found, benchTokenPrefix, body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ackedRE reads the acknowledged count of vigie bench's report.
var ackedRE = regexp.MustCompile(`: (\d+) alerts acknowledged`)

// waitStoredTotal polls the API's statistics until want alerts are stored
// (or 30 s have passed) and returns the last total.
func waitStoredTotal(t *testing.T, api string, want int) int {
	t.Helper()
	var st struct {
		Total int `json:"total"`
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status := getAsAdmin(t, api+"/api/v1/stats", &st); status != http.StatusOK {
			t.Fatalf("GET /api/v1/stats: %d", status)
		}
		if st.Total >= want {
			break
		}
	}
	return st.Total
}
