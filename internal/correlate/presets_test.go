package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

func presetEngine(t *testing.T) *Engine {
	t.Helper()
	rs, probs, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		t.Fatalf("presets: %v", err)
	}
	for _, p := range probs {
		t.Errorf("preset problem: %s", p)
	}
	return newEngine(t, rs, Options{})
}

func titles(t *testing.T, out []*idmefv2.Alert) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, a := range out {
		m[info(t, a).Title]++
	}
	return m
}

func ip(i int) string { return fmt.Sprintf("10.9.%d.%d", i/250, i%250+1) }

func TestPresetBruteforce(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	for i := range 12 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * 5 * time.Second, cat: idmefv2.CategoryAccessForced, data: idmefv2.AnalyzerDataAuthentication,
			src: []string{"203.0.113.9"}, tgt: []string{"10.0.0.22"}, users: []string{"admin"}}))
	}
	got := titles(t, run(t, e, in...))
	// Suppression keeps one per (source, target) and per user for 10m.
	if got["Brute force (source to target)"] != 1 || got["Brute force (target user)"] != 1 {
		t.Fatalf("firings %v", got)
	}
	if len(got) != 2 {
		t.Errorf("other presets fired: %v", got)
	}
}

// TestPresetBruteforceHostOnly: failures against a host known by name only
// (sshd over syslog carries the host name, not its address) fire the
// per-host brute force, and only it among the per-target presets.
func TestPresetBruteforceHostOnly(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	for i := range 8 {
		a := mk(alertSpec{n: i, at: time.Duration(i) * 5 * time.Second, cat: idmefv2.CategoryAccessForced, data: idmefv2.AnalyzerDataAuthentication,
			src: []string{"203.0.113.9"}, users: []string{fmt.Sprintf("user%d", i)}})
		a.Target[0].Hostname = "bastion1"
		in = append(in, a)
	}
	got := titles(t, run(t, e, in...))
	if got["Brute force (source to host)"] != 1 || got["Brute force (source to target)"] != 0 {
		t.Fatalf("firings %v, want one per-host brute force and no per-IP one", got)
	}
}

func TestPresetLoginAfterFailures(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	for i := range 3 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Minute, cat: idmefv2.CategoryAccessUnauthorized, data: idmefv2.AnalyzerDataAuthentication, src: []string{"203.0.113.9"}, users: []string{"erin"}}))
	}
	in = append(in, mk(alertSpec{n: 9, at: 5 * time.Minute, cat: idmefv2.CategoryAccessAuthorized, data: idmefv2.AnalyzerDataAuthentication, src: []string{"203.0.113.9"}, users: []string{"erin"}}))
	out := run(t, e, in...)
	got := titles(t, out)
	if got["Successful login after failures"] != 1 || got["Repeated failures for an account"] != 0 {
		t.Fatalf("firings %v", got)
	}
	for _, a := range out {
		if info(t, a).Title == "Successful login after failures" && (len(a.CorrelID) != 2 || info(t, a).Depth != 2) {
			t.Errorf("chained alert CorrelID %v depth %d", a.CorrelID, info(t, a).Depth)
		}
	}
	// A success without prior failures: nothing.
	e2 := presetEngine(t)
	if got := titles(t, run(t, e2, in[3])); len(got) != 0 {
		t.Errorf("a lone success fired %v", got)
	}
}

func TestPresetScanStormSweep(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	// 30 alerts, one source, one target, 1 s apart: a scan.
	for i := range 30 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"198.51.100.1"}, tgt: []string{"10.0.0.1"}}))
	}
	got := titles(t, run(t, e, in...))
	if got["Scan (one source, one target)"] != 1 || got["Sweep (one source, many targets)"] != 0 {
		t.Fatalf("scan: %v", got)
	}
	// 30 distinct targets from another source, same category: a sweep.
	in = nil
	for i := range 30 {
		in = append(in, mk(alertSpec{n: 100 + i, at: 40*time.Second + time.Duration(i)*time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"198.51.100.2"}, tgt: []string{ip(i)}}))
	}
	if got := titles(t, run(t, e, in...)); got["Sweep (one source, many targets)"] != 1 {
		t.Fatalf("sweep: %v", got)
	}
	// 150 alerts from one source over many targets within 2 minutes: a
	// storm (the sweep fires too, for the first 30 targets).
	in = nil
	for i := range 150 {
		in = append(in, mk(alertSpec{n: 1000 + i, at: 2*time.Minute + time.Duration(i)*500*time.Millisecond, cat: idmefv2.CategoryAvailabilityDoS, src: []string{"198.51.100.3"}, tgt: []string{ip(i)}}))
	}
	if got := titles(t, run(t, e, in...)); got["Event storm (one source)"] != 1 {
		t.Fatalf("storm: %v", got)
	}
}

func TestPresetWorm(t *testing.T) {
	e := presetEngine(t)
	infected := mk(alertSpec{n: 1, cat: idmefv2.CategoryMalwareWorm, src: []string{"203.0.113.50"}, tgt: []string{"10.0.0.7"}})
	spreads := mk(alertSpec{n: 2, at: 2 * time.Minute, cat: idmefv2.CategoryMalwareWorm, src: []string{"10.0.0.7"}, tgt: []string{"10.0.0.8"}})
	out := run(t, e, infected, spreads)
	got := titles(t, out)
	if got["Worm propagation"] != 1 {
		t.Fatalf("firings %v", got)
	}
	for _, a := range out {
		if in := info(t, a); in.Title == "Worm propagation" && in.Group[0].Value != "10.0.0.7" {
			t.Errorf("grouped on %v, want the infected host", in.Group)
		}
	}
	// The other order (the host attacks, then is attacked): nothing.
	e2 := presetEngine(t)
	first := mk(alertSpec{n: 3, cat: idmefv2.CategoryMalwareWorm, src: []string{"10.0.0.9"}, tgt: []string{"10.0.0.10"}})
	then := mk(alertSpec{n: 4, at: time.Minute, cat: idmefv2.CategoryMalwareWorm, src: []string{"203.0.113.50"}, tgt: []string{"10.0.0.9"}})
	if got := titles(t, run(t, e2, first, then)); got["Worm propagation"] != 0 {
		t.Errorf("fired out of order: %v", got)
	}
}

func TestPresetPasswordSpraying(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	for i := range 8 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * 30 * time.Second, cat: idmefv2.CategoryAccessUnauthorized, data: idmefv2.AnalyzerDataAuthentication, src: []string{"192.0.2.77"}, users: []string{fmt.Sprintf("user%d", i)}}))
	}
	if got := titles(t, run(t, e, in...)); got["Password spraying"] != 1 {
		t.Fatalf("firings %v", got)
	}
}

func TestPresetCTIMatch(t *testing.T) {
	e := presetEngine(t)
	listed := mk(alertSpec{n: 1, cat: idmefv2.CategoryReconNetwork, src: []string{"192.0.2.1"}})
	listed.Source[0].TI = []string{"abuse.ch feodo"}
	byAttachment := mk(alertSpec{n: 2, at: time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"192.0.2.2"}})
	at := idmefv2.Attachment{Name: "enrichment"}
	if err := at.SetContentJSON(map[string]any{"cti": []string{"local-blocklist"}}); err != nil {
		t.Fatal(err)
	}
	byAttachment.Attachment = append(byAttachment.Attachment, at)
	clean := mk(alertSpec{n: 3, at: 2 * time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"192.0.2.3"}})
	again := mk(alertSpec{n: 4, at: 3 * time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"192.0.2.1"}})
	again.Source[0].TI = []string{"abuse.ch feodo"}
	out := run(t, e, listed, byAttachment, clean, again)
	if got := titles(t, out); got["Threat-intelligence match"] != 2 {
		t.Fatalf("firings %v, want 2 (the repeat is suppressed for an hour)", got)
	}
	if out[0].CorrelID[0] != listed.ID {
		t.Errorf("CorrelID %v", out[0].CorrelID)
	}
}

func TestPresetOutsideBusinessHours(t *testing.T) {
	e := presetEngine(t)
	const key = "6f1a0c2e-5d3b-4c1e-9a00-000000001101"
	login := func(n int, at time.Time) *idmefv2.Alert {
		a := mk(alertSpec{n: n, cat: idmefv2.CategoryAccessAuthorized, data: idmefv2.AnalyzerDataAuthentication, users: []string{"frank"}})
		a.CreateTime = idmefv2.FormatTime(at)
		return a
	}
	night := time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC) // a Tuesday
	day := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	sunday := time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC)
	if got := titles(t, run(t, e, login(1, night))); len(got) != 0 {
		t.Fatalf("disabled by default, yet fired %v", got)
	}
	if !e.SetEnabled(key, true) {
		t.Fatal("preset not found")
	}
	got := titles(t, run(t, e, login(2, night.Add(time.Minute)), login(3, day), login(4, sunday)))
	if got["Activity outside business hours"] != 2 {
		t.Fatalf("firings %v, want the night and the Sunday logins", got)
	}
}

// TestPresetLoginAfterFailuresTwoUsers: one alert completes the failures
// of two accounts at once, so the inner correlation fires twice in one
// call (its alerts are built in a reused scratch). Each inner alert merges
// both accounts' targets, so both join both accounts' chains: each chained
// alert names the two inner alerts, then the success.
func TestPresetLoginAfterFailuresTwoUsers(t *testing.T) {
	e := presetEngine(t)
	var in []*idmefv2.Alert
	for i := range 3 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Minute, cat: idmefv2.CategoryAccessUnauthorized, data: idmefv2.AnalyzerDataAuthentication, src: []string{"203.0.113.9"}, users: []string{"erin", "frank"}}))
	}
	for i, u := range []string{"erin", "frank"} {
		in = append(in, mk(alertSpec{n: 10 + i, at: 5*time.Minute + time.Duration(i)*time.Second, cat: idmefv2.CategoryAccessAuthorized, data: idmefv2.AnalyzerDataAuthentication, src: []string{"203.0.113.9"}, users: []string{u}}))
	}
	var chained []*idmefv2.Alert
	for _, a := range run(t, e, in...) {
		if info(t, a).Title == "Successful login after failures" {
			chained = append(chained, a)
		}
	}
	if len(chained) != 2 {
		t.Fatalf("%d chained alerts, want one per account", len(chained))
	}
	for i, a := range chained {
		if len(a.CorrelID) != 3 || a.CorrelID[0] == a.CorrelID[1] || a.CorrelID[2] != in[3+i].ID {
			t.Errorf("chained alert %d: CorrelID %v, want two inner alerts and the success %s", i, a.CorrelID, in[3+i].ID)
		}
	}
}
