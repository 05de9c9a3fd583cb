package sigma

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/sharedtest"
)

// loadConcerto parses every saved Concerto/REE rule file and compiles its
// detection rules, keyed by rule name.
func loadConcerto(t *testing.T) (map[string]*Rule, []Document) {
	t.Helper()
	dir := sharedtest.Dir(t, "rules", "concerto")
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in %s (%v)", dir, err)
	}
	rules := map[string]*Rule{}
	var all []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := ParseNamedFile(filepath.Base(f), data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, docs...)
		for _, d := range docs {
			if d.Kind != KindDetection {
				continue
			}
			r, err := Compile(d.Rule)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			rules[d.Name] = r
		}
	}
	return rules, all
}

func TestConcertoFilesSplit(t *testing.T) {
	_, docs := loadConcerto(t)
	var det, corr int
	for _, d := range docs {
		switch d.Kind {
		case KindDetection:
			det++
			if d.Rule == nil || d.Name == "" {
				t.Errorf("detection document %q has no parsed rule or name", d.Title)
			}
		case KindCorrelation:
			corr++
			if d.Node == nil || len(d.Raw) == 0 || d.Title == "" {
				t.Errorf("correlation document %q lacks its YAML", d.Title)
			}
		default:
			t.Errorf("document %q: unexpected kind %s", d.Title, d.Kind)
		}
	}
	// 6 files: 7 base detection rules and one correlation rule each.
	if det != 7 || corr != 6 {
		t.Fatalf("got %d detection and %d correlation documents, want 7 and 6", det, corr)
	}
}

func TestConcertoRulesMatchAsIntended(t *testing.T) {
	rules, _ := loadConcerto(t)
	sshFail := buildAlert(t, alertSpec{
		analyzer: "sshd", data: []idmefv2.AnalyzerData{idmefv2.AnalyzerDataLog},
		category: []idmefv2.Category{idmefv2.CategoryAccessOther},
		sources:  []idmefv2.Source{{IP: "203.0.113.7", Port: []int{50022}}},
		targets:  []idmefv2.Target{{IP: "192.0.2.10", Service: "sshd", User: "root", Port: []int{22}}},
	})
	sshOK := buildAlert(t, alertSpec{
		analyzer: "sshd", data: []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAuthentication},
		category: []idmefv2.Category{idmefv2.CategoryAccessAuthorized},
		sources:  []idmefv2.Source{{IP: "203.0.113.7"}},
		targets:  []idmefv2.Target{{IP: "192.0.2.10", Service: "sshd", User: "root"}},
	})
	authDenied := buildAlert(t, alertSpec{
		analyzer: "radius", data: []idmefv2.AnalyzerData{idmefv2.AnalyzerDataLog, idmefv2.AnalyzerDataAuthentication},
		category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
		sources:  []idmefv2.Source{{IP: "198.51.100.4"}},
		targets:  []idmefv2.Target{{User: "alice"}},
	})
	fwDeny := buildAlert(t, alertSpec{
		analyzer: "iptables", data: []idmefv2.AnalyzerData{idmefv2.AnalyzerDataNetwork},
		category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
		sources:  []idmefv2.Source{{IP: "198.51.100.4"}},
		targets:  []idmefv2.Target{{IP: "192.0.2.1", Port: []int{3389}}},
	})
	nginx404 := buildAlert(t, alertSpec{
		analyzer: "nginx", category: []idmefv2.Category{idmefv2.CategoryReconNetwork},
		sources: []idmefv2.Source{{IP: "203.0.113.9"}},
		// Target_Service is matched on any target, not only the first.
		targets: []idmefv2.Target{{IP: "192.0.2.80"}, {IP: "192.0.2.81", Service: "NGINX"}},
	})
	sudo := buildAlert(t, alertSpec{
		analyzer: "sudo", category: []idmefv2.Category{idmefv2.CategoryAccessEscalation},
		targets: []idmefv2.Target{{Service: "sudo", User: "bob"}},
	})
	alerts := map[string]*idmefv2.Alert{"sshFail": sshFail, "sshOK": sshOK, "authDenied": authDenied, "fwDeny": fwDeny, "nginx404": nginx404, "sudo": sudo}

	want := map[string][]string{
		"failed_ssh_auth":             {"sshFail"},
		"failed_logon":                {"sshFail"},
		"nginx_http_error":            {"nginx404"},
		"auth_denied_seq":             {"authDenied"},
		"authentication_denied_spray": {"authDenied"},
		"auth_granted_seq":            {"sshOK"},
		"network_access_denied":       {"fwDeny"},
	}
	if len(rules) != len(want) {
		t.Fatalf("compiled %d rules, want %d", len(rules), len(want))
	}
	var list []*Rule
	for name, r := range rules {
		list = append(list, r)
		exp, ok := want[name]
		if !ok {
			t.Errorf("unexpected rule %s", name)
			continue
		}
		for an, a := range alerts {
			got := r.Match(a)
			should := false
			for _, e := range exp {
				should = should || e == an
			}
			if got != should {
				t.Errorf("rule %s on alert %s: Match = %v, want %v", name, an, got, should)
			}
		}
	}
	// The RuleSet gives the same answers as the rules one by one.
	set := NewRuleSet(list...)
	if set.Indexed() != len(list) {
		t.Errorf("indexed %d of %d rules; all Concerto rules have a literal Category or Service", set.Indexed(), len(list))
	}
	for an, a := range alerts {
		one := matchOneByOne(list, a)
		if got := set.Match(a); !slices.Equal(got, one) {
			t.Fatalf("alert %s: RuleSet matched %v, rules one by one %v", an, got, one)
		}
	}
}

func TestConcertoLint(t *testing.T) {
	_, docs := loadConcerto(t)
	for _, d := range docs {
		if d.Kind != KindDetection {
			continue
		}
		diags := Lint(d.Rule)
		var alias, noID bool
		for _, g := range diags {
			if g.Severity == Failure {
				t.Errorf("%s: unexpected failure %s", d.Name, g)
			}
			alias = alias || strings.Contains(g.Msg, "flat alias")
			noID = noID || g.Path == "id"
			if g.Source == "" || g.Line == 0 {
				t.Errorf("%s: diagnostic without place: %s", d.Name, g)
			}
		}
		if !noID {
			t.Errorf("%s: no warning for the missing id", d.Name)
		}
		usesAlias := strings.Contains(string(d.Raw), "Target_Service")
		if usesAlias != alias {
			t.Errorf("%s: flat alias warning = %v, rule uses an alias = %v", d.Name, alias, usesAlias)
		}
	}
}
