package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// demoConfig is a configuration whose listeners all take free loopback
// ports (the syslog default, :6514, is fixed).
func demoConfig(t *testing.T, syslog bool) string {
	t.Helper()
	in := "inputs:\n  syslog:\n    tcp_addr: 127.0.0.1:0\n    udp_addr: \"\"\n"
	if !syslog {
		in = "inputs:\n  syslog:\n    enabled: false\n"
	}
	path := filepath.Join(t.TempDir(), "vigie.yaml")
	if err := os.WriteFile(path, []byte("version: 1\n"+in), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDemoShowsTheWholeSIEM runs a short demo and checks, in the store it
// leaves, what a newcomer should see: HTTP alerts, raw events from the
// syslog generator, alerts made by parsing rules, enriched alerts, and
// correlation alerts from the opening brute force.
func TestDemoShowsTheWholeSIEM(t *testing.T) {
	data := t.TempDir()
	out, stderr, code := run(t, "", "demo", "--config", demoConfig(t, true), "--data-dir", data,
		"--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--rate", "0", "-n", "400", "--seed", "3", "--interval", "200ms")
	if code != 0 {
		t.Fatalf("demo exit status %d:\n%s\n%s", code, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"log events", "vigie_bruteforce_user", "0 dead letters"} {
		if !strings.Contains(last, want) {
			t.Errorf("last summary line lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "password:") {
		t.Errorf("the generated admin password is not shown once:\n%s", stderr)
	}
	if !strings.Contains(stderr, "asset inventory") {
		t.Errorf("no notice of the demo enrichment:\n%s", stderr)
	}

	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(data, "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func(q string) int {
		t.Helper()
		s, err := st.Stats(ctx, store.Filter{Query: q})
		if err != nil {
			t.Fatalf("stats %q: %v", q, err)
		}
		return s.Total
	}
	// -n 400: 200 alerts over HTTP, 200 syslog lines.
	page, err := st.Events(ctx, store.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 200 {
		t.Errorf("%d raw events stored, want the 200 lines sent", len(page.Events))
	}
	byRule := map[string]int{}
	fromLogs := map[string]string{} // alert ID → the rule that made it from a line
	rawOnly := 0                    // benign lines: no alert
	for _, ev := range page.Events {
		byRule[ev.RuleID]++
		if ev.AlertID != "" {
			fromLogs[ev.AlertID] = ev.RuleID
		} else {
			rawOnly++
		}
		if ev.Input != "syslog/tcp" {
			t.Errorf("event from input %q, want syslog/tcp", ev.Input)
		}
	}
	if byRule["sshd.failed-password"] < 5 || byRule["sshd.accepted"] == 0 || rawOnly == 0 {
		t.Errorf("events by rule: %v; want the opening brute force and raw-only lines", byRule)
	}
	if n := count(`Analyzer.Name = sshd and Category = Access.Forced`); n < 5 {
		t.Errorf("%d sshd failed-login alerts stored, want >= 5", n)
	}
	corr := count(`Analyzer.Name = "Vigie Correlator"`)
	if corr == 0 {
		t.Fatalf("no correlation alert stored:\n%s", out)
	}
	// The opening brute force (sshd lines by the listed attacker) fires
	// the per-user brute force, the login after failures and the CTI match.
	res, err := st.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: `Analyzer.Name = "Vigie Correlator" and Source.IP = ` + alertgen.ListedAttacker}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	fired := map[string]bool{} // titles of the firings fed by sshd lines
	for _, sa := range res.Alerts {
		var a idmefv2.Alert
		if err := json.Unmarshal(sa.JSON, &a); err != nil {
			t.Fatal(err)
		}
		if rep := a.Validate(); !rep.Valid() {
			t.Errorf("stored correlation alert invalid: %v", rep.Errors())
		}
		for _, id := range a.CorrelID {
			if strings.HasPrefix(fromLogs[id], "sshd.") {
				fired[a.Description] = true
			}
		}
	}
	for _, want := range []string{"Brute force (target user)", "Successful login after failures", "Threat-intelligence match"} {
		if !fired[want] {
			t.Errorf("no %q correlation alert made from the sshd lines; fired: %v", want, fired)
		}
	}
	// Enrichment: the demo inventory names the targets.
	if n := count(`Target.Location = "DC Paris rack 2" or Target.Location = "DC Paris rack 4" or Target.Location = "DC Lyon"`); n == 0 {
		t.Error("no alert enriched from the demo asset inventory")
	}
	if n := count(`exists Source.TI`); n == 0 {
		t.Error("no alert matched the demo IOC list")
	}
}

func TestDemoWithoutSyslog(t *testing.T) {
	out, stderr, code := run(t, "", "demo", "--config", demoConfig(t, false), "--data-dir", t.TempDir(),
		"--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--rate", "0", "-n", "150", "--seed", "3", "--interval", "100ms")
	if code != 0 {
		t.Fatalf("demo exit status %d:\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "syslog TCP listener is off") {
		t.Errorf("no notice that log lines are skipped:\n%s", stderr)
	}
	if !strings.Contains(out, "150 alerts stored") || !strings.Contains(out, "0 log events") {
		t.Errorf("demo summary:\n%s", out)
	}
}

const demoMetricsSample = `# HELP vigie_log_events_received_total Log events received, by input.
# TYPE vigie_log_events_received_total counter
vigie_log_events_received_total{input="syslog/tcp"} 120
vigie_log_events_received_total{input="file"} 3
vigie_log_events_matched_total{input="syslog/tcp"} 100
vigie_log_alerts_published_total 80
vigie_correlation_firings_total{rule="6f1a0c2e-5d3b-4c1e-9a00-000000000202"} 2
vigie_correlation_firings_total{rule="vigie_scan"} 1
vigie_correlation_groups 7
`

func TestReadDemoMetrics(t *testing.T) {
	var snap demoSnapshot
	if err := readDemoMetrics(strings.NewReader(demoMetricsSample), &snap); err != nil {
		t.Fatal(err)
	}
	if snap.events != 123 || snap.matched != 100 || snap.logs != 80 {
		t.Errorf("events %d matched %d alerts %d, want 123 100 80", snap.events, snap.matched, snap.logs)
	}
	if snap.firings["6f1a0c2e-5d3b-4c1e-9a00-000000000202"] != 2 || snap.firings["vigie_scan"] != 1 || len(snap.firings) != 2 {
		t.Errorf("firings %v", snap.firings)
	}
	// The presets are named, and chained rules are told apart.
	rules := correlationRules(config.Default())
	if r := rules["6f1a0c2e-5d3b-4c1e-9a00-000000000202"]; r.name != "vigie_bruteforce_user" || !r.emits {
		t.Errorf("brute force per user: %+v", r)
	}
	if r := rules["6f1a0c2e-5d3b-4c1e-9a00-000000000301"]; r.name != "vigie_failures_before_login" || r.emits {
		t.Errorf("chained failures before login: %+v", r)
	}
}

func FuzzReadDemoMetrics(f *testing.F) {
	f.Add(demoMetricsSample)
	f.Add("vigie_correlation_firings_total{rule=\"x 1\nvigie_log_alerts_published_total 1e300\n")
	f.Fuzz(func(t *testing.T, in string) {
		var snap demoSnapshot
		_ = readDemoMetrics(strings.NewReader(in), &snap)
		if snap.events < 0 || snap.matched < 0 || snap.logs < 0 {
			t.Fatalf("negative counts from %q: %+v", in, snap)
		}
	})
}
