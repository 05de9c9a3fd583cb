package sigma

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
)

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "a and b or c", "not (a or b) and c", "1 of sel* and not 1 of filter*",
		"all of them", "1 of them", "any of x*", "2 of sel_*", "a AND NOT b", "((a))", "sel | count() > 3",
		"(a", "a)", "", "not", "1 of", "a b", "all of (a)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCondition(s)
		if err != nil {
			return
		}
		// The canonical rendering parses back to itself.
		again, err := parseCondition(n.String())
		if err != nil {
			t.Fatalf("%q rendered as %q, which does not parse: %v", s, n.String(), err)
		}
		if again.String() != n.String() {
			t.Fatalf("%q: rendering not stable: %q then %q", s, n.String(), again.String())
		}
	})
}

func FuzzParseRule(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "rules", "concerto", "*.yml"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, src := range []string{
		selRule("Description|contains|all: [a, b]"),
		selRule("Source.IP|cidr: 10.0.0.0/8\nTarget.Port|gte: 1024"),
		selRule(`Description|re|i: '^x\d+'`),
		selRule("Note|base64offset|contains: hello"),
		selRule("Target.User: [null, root, 'adm*', 'r?ot', 'a\\*b']"),
		selRule("Source(0).User|fieldref: Target(0).User"),
		condRule,
		"title: k\nlogsource: {}\ndetection:\n  keywords: [a, 'b*c']\n  condition: keywords\n",
		"title: x\n---\ncorrelation: {type: event_count}\n",
		"- not a mapping",
		"title: t\ndetection: {condition: [a, b], a: {Category: X}, b: [{Category: Y}, {Analyzer.Name: Z}]}\n",
	} {
		f.Add([]byte(src))
	}
	alert, err := idmefv2.NewAlert("fuzz", idmefv2.AlertOptions{})
	if err != nil {
		f.Fatal(err)
	}
	alert.Category = []idmefv2.Category{idmefv2.CategoryAccessOther}
	alert.Description = "Failed password for root"
	alert.Source = []idmefv2.Source{{ID: "s", IP: "10.1.2.3", Port: []int{22}, User: "root"}}
	alert.Target = []idmefv2.Target{{ID: "t", User: "root", Service: "sshd"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		docs, err := ParseFile(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, d := range docs {
			if d.Kind != KindDetection {
				continue
			}
			_ = Lint(d.Rule)
			r, err := Compile(d.Rule, WithPlaceholders(map[string][]string{"p": {"a", "b"}}))
			if err != nil {
				continue
			}
			one := r.Match(alert)
			set := NewRuleSet(r)
			if got := len(set.Match(alert)) == 1; got != one {
				t.Fatalf("RuleSet says %v, Rule.Match %v", got, one)
			}
		}
	})
}
