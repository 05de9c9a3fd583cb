package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// sshFailures writes n failed SSH logins from one source as JSON lines,
// in reverse time order (the replay sorts them by event time).
func sshFailures(t *testing.T, n int) string {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var lines []string
	for i := n - 1; i >= 0; i-- {
		a, err := idmefv2.NewAlert("sshd", idmefv2.AlertOptions{Now: func() time.Time { return t0.Add(time.Duration(i) * 4 * time.Second) }})
		if err != nil {
			t.Fatal(err)
		}
		a.Category = []idmefv2.Category{idmefv2.CategoryAccessForced}
		a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAuthentication}
		a.Description = fmt.Sprintf("Failed password %d", i)
		_, _ = a.AddSource(idmefv2.Source{IP: "198.51.100.7"})
		_, _ = a.AddTarget(idmefv2.Target{IP: "10.0.0.3", User: "root"})
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(data))
	}
	p := filepath.Join(t.TempDir(), "alerts.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRulesTestJSONOneLinePerAlert(t *testing.T) {
	alerts := sshFailures(t, 5)
	dir := t.TempDir()
	out, errOut, code := run(t, "", "rules", "test", "--presets", "--json", dir, alerts)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// Brute force per (source, target) and per user.
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if rep := idmefv2.ValidateJSON([]byte(l)); !rep.Valid() {
			t.Errorf("not a valid IDMEFv2 alert: %v\n%s", rep, l)
		}
	}
	// The text form lists the contributing alerts.
	out, _, code = run(t, "", "rules", "test", "--presets", dir, alerts)
	if code != 0 || strings.Count(out, "Failed password") != 10 || !strings.Contains(out, "Brute force (target user)") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestRulesLint(t *testing.T) {
	dir := t.TempDir()
	bad := `title: Broken
name: broken
correlation:
  type: event_count
  rules: [missing_rule]
  timespan: 5x
  condition: {gte: 3}
`
	if err := os.WriteFile(filepath.Join(dir, "broken.yml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "", "rules", "lint", dir)
	if code != 1 || !strings.Contains(out, `broken.yml:6: rule "broken": correlation.timespan: "5x": unknown unit "x"`) {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	out, _, code = run(t, "", "rules", "lint", "--presets", t.TempDir())
	if code != 0 || !strings.Contains(out, "0 warnings") {
		t.Errorf("presets: exit %d, output:\n%s", code, out)
	}
}
