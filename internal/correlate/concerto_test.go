package correlate

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/sharedtest"
)

// The rules the IDMEFv2 project's correlators ship (../shared/rules/concerto)
// load unchanged and fire as their authors intended, including the
// group-by on a field inside a list of objects that never fires in
// Concerto (concerto-siem_bruteforce.yml, grouped by Target.User).

func concertoEngine(t *testing.T) *Engine {
	t.Helper()
	dir := sharedtest.Dir(t, "rules", "concerto")
	rs, probs, err := LoadRules([]Source{{Name: "concerto", FS: os.DirFS(dir)}}, SigmaCompile)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	var warned bool
	for _, p := range probs {
		if p.Key == "correlation.field" && strings.Contains(p.File, "password_spraying") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("the REE spraying rule puts field outside condition: want a warning naming correlation.field, got %v", probs)
	}
	if got := len(rs.Rules()); got != 13 {
		t.Fatalf("loaded %d rules, want 13 (7 detections, 6 correlations)", got)
	}
	return newEngine(t, rs, Options{})
}

// firings counts the emitted alerts per rule title and type.
func firings(t *testing.T, out []*idmefv2.Alert) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, a := range out {
		in := info(t, a)
		m[in.Title+"/"+in.Type]++
	}
	return m
}

func sshFailure(n int, at time.Duration, src, user string) *idmefv2.Alert {
	return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessOther, src: []string{src}, users: []string{user}, service: "sshd"})
}

func TestConcertoSSHBruteforceAndNestedTargetUser(t *testing.T) {
	e := concertoEngine(t)
	var in []*idmefv2.Alert
	for i := range 25 {
		in = append(in, sshFailure(i, time.Duration(i)*5*time.Second, "198.51.100.7", "root"))
	}
	out := run(t, e, in...)
	got := firings(t, out)
	want := map[string]int{
		// event_count ≥ 10 per Source_IP in 5m: alerts 10 and 20.
		"SSH bruteforce (single source IP)/event_count": 2,
		// The shipped Concerto rule, grouped by Target.User (nested).
		"Bruteforce attack/event_count": 2,
		// generate: true makes the base rules emit their own alerts.
		"Failed SSH authentication/detection": 25,
		"Failed Logon Event/detection":        25,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d firings, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected firings: %v", got)
	}
	// The detection alerts come back through the pipeline: they are not
	// matched again (that would count every failure twice).
	var dets []*idmefv2.Alert
	for _, a := range out {
		if info(t, a).Type == "detection" {
			dets = append(dets, a)
		}
	}
	if again := run(t, e, dets...); len(again) != 0 {
		t.Errorf("re-entering detection alerts fired %v", firings(t, again))
	}
}

func TestConcertoSSHBruteforceBelowThreshold(t *testing.T) {
	e := concertoEngine(t)
	var in []*idmefv2.Alert
	for i := range 9 {
		in = append(in, sshFailure(i, time.Duration(i)*time.Second, "198.51.100.7", "user"+string(rune('a'+i))))
	}
	// Nine from one IP (and another nine spread over 10 minutes from
	// another) fire nothing.
	for i := range 9 {
		in = append(in, sshFailure(100+i, time.Duration(i)*time.Minute, "198.51.100.8", "bob"))
	}
	got := firings(t, run(t, e, in...))
	if got["SSH bruteforce (single source IP)/event_count"] != 0 || got["Bruteforce attack/event_count"] != 0 {
		t.Errorf("fired below the threshold: %v", got)
	}
}

func TestConcertoNginxScan(t *testing.T) {
	e := concertoEngine(t)
	var in []*idmefv2.Alert
	for i := range 15 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * 3 * time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"203.0.113.5"}, service: "nginx"}))
	}
	out := run(t, e, in...)
	got := firings(t, out)
	if got["Nginx scanning (single source IP)/event_count"] != 1 {
		t.Fatalf("firings %v", got)
	}
	for _, a := range out {
		if info(t, a).Type == "event_count" {
			if a.Priority != idmefv2.PriorityHigh || len(a.Category) != 1 || a.Category[0] != idmefv2.CategoryReconNetwork || len(a.CorrelID) != 15 {
				t.Errorf("scan alert: priority %s category %v correlid %d", a.Priority, a.Category, len(a.CorrelID))
			}
			if a.AggrCondition[0] != "Source(*).IP" {
				t.Errorf("AggrCondition %v", a.AggrCondition)
			}
		}
	}
}

func authAlert(n int, at time.Duration, cat idmefv2.Category, src, user string) *idmefv2.Alert {
	return mk(alertSpec{n: n, at: at, cat: cat, src: []string{src}, users: []string{user}, data: idmefv2.AnalyzerDataAuthentication})
}

func TestConcertoPasswordSpraying(t *testing.T) {
	e := concertoEngine(t)
	var in []*idmefv2.Alert
	for i := range 8 {
		in = append(in, authAlert(i, time.Duration(i)*time.Minute, idmefv2.CategoryAccessUnauthorized, "192.0.2.66", "user"+string(rune('a'+i))))
	}
	got := firings(t, run(t, e, in[:7]...))
	if got["Password spraying (one source, many accounts)/value_count"] != 0 {
		t.Fatalf("fired with 7 accounts: %v", got)
	}
	got = firings(t, run(t, e, in[7]))
	if got["Password spraying (one source, many accounts)/value_count"] != 1 {
		t.Fatalf("8th account: %v", got)
	}
}

func TestConcertoBruteforceSuccess(t *testing.T) {
	e := concertoEngine(t)
	deny := authAlert(1, 0, idmefv2.CategoryAccessUnauthorized, "192.0.2.1", "carol")
	grant := authAlert(2, 4*time.Minute, idmefv2.CategoryAccessAuthorized, "192.0.2.1", "carol")
	// Granted first, then denied: not the sequence.
	e2 := concertoEngine(t)
	if got := firings(t, run(t, e2, authAlert(3, 0, idmefv2.CategoryAccessAuthorized, "192.0.2.1", "dave"), authAlert(4, time.Minute, idmefv2.CategoryAccessUnauthorized, "192.0.2.1", "dave"))); got["Successful login after repeated failures/temporal_ordered"] != 0 {
		t.Fatalf("fired out of order: %v", got)
	}
	got := firings(t, run(t, e, deny, grant))
	if got["Successful login after repeated failures/temporal_ordered"] != 1 {
		t.Fatalf("firings %v", got)
	}
}

func TestConcertoFirewallScan(t *testing.T) {
	e := concertoEngine(t)
	var in []*idmefv2.Alert
	for i := range 50 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"192.0.2.200"}, tgt: []string{"10.0.0.1"}, data: idmefv2.AnalyzerDataNetwork}))
	}
	got := firings(t, run(t, e, in...))
	if got["Network scan (single source IP)/event_count"] != 1 {
		t.Fatalf("firings %v", got)
	}
}
