package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// FuzzParseFile feeds arbitrary YAML to the rule parser and the compiler:
// they must not panic, every problem must name its file, and whatever
// compiles must run on an alert.
func FuzzParseFile(f *testing.F) {
	for _, seed := range []string{
		bruteforce, chained, sequence, volume,
		"title: x\ncorrelation: {type: value_percentile, rules: [a], timespan: 1m, condition: {field: Target.Note, percentile: 90, gte: 1}}",
		"title: x\nname: a\nvigie: {time: {outside: \"Mon-Fri 08:00-18:00\", timezone: UTC}}\ndetection: {s: {x: y}, condition: s}",
		"title: x\nsuppress: {by: [Source.IP], for: 10m}\ncorrelation: {type: temporal, rules: [a, b], group-by: [h], aliases: {h: {a: Source.IP, b: Target.IP}}, timespan: 5m}",
		"---\n---\n", "[", "title: [", "correlation: 3",
	} {
		f.Add(seed)
	}
	compile := testCompiler(map[string]Detector{
		"failed": byCategory(idmefv2.CategoryAccessUnauthorized), "granted": byCategory(idmefv2.CategoryAccessAuthorized),
		"transfer": byCategory(idmefv2.CategoryTheftData), "a": byCategory(idmefv2.CategoryAccessUnauthorized), "b": byCategory(idmefv2.CategoryReconNetwork),
	})
	f.Fuzz(func(t *testing.T, src string) {
		rules, probs := ParseFile("fuzz.yml", []byte(src), compile)
		for _, p := range probs {
			if !strings.HasPrefix(p.String(), "fuzz.yml") {
				t.Fatalf("problem without its file: %s", p)
			}
		}
		rs, err := Compile(rules)
		if err != nil {
			return
		}
		e, err := New(Options{Rules: rs, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			for _, a := range e.Process(mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}, users: []string{"u"}, bytes: "5"})) {
				if rep := a.Validate(); !rep.Valid() {
					t.Fatalf("emitted invalid alert: %v", rep)
				}
			}
		}
		for _, a := range e.Advance(t0.Add(1000 * time.Hour)) {
			if rep := a.Validate(); !rep.Valid() {
				t.Fatalf("emitted invalid alert: %v", rep)
			}
		}
	})
}

func TestParseErrorsNameFileRuleAndKey(t *testing.T) {
	cases := []struct{ src, want string }{
		{"title: T\nname: n\ncorrelation: {type: event_cnt, rules: [a], timespan: 1m, condition: {gte: 1}}", `t.yml:3: rule "n": correlation.type: "event_cnt": want event_count`},
		{"title: T\nname: n\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {gte: ten}", `t.yml:7: rule "n": correlation.condition.gte: "ten": want a number`},
		{"title: T\nname: n\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 3}", `rule "n": correlation.condition.field: missing`},
		{"title: T\nname: n\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [Source.Ip]\n  timespan: 1m\n  condition: {gte: 3}", `correlation.group-by: field "Source.Ip"`},
		{"title: T\nname: n\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  frame: 3\n  condition: {gte: 3}", `t.yml:7: rule "n": correlation.frame: unknown key`},
		{"title: T\nname: n\nidmefv2: {Priority: Urgent}\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: 1}}", `rule "n": idmefv2.Priority:`},
		{"title: T\nname: n\nsuppress: {by: [Source.IP]}\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: 1}}", `rule "n": suppress.for: missing`},
		{"title: T\nname: n\nvigie: {time: {outside: \"Mon-Fry 08:00-18:00\"}}\ndetection: {s: {x: y}, condition: s}", `rule "n": vigie.time.outside: "Mon-Fry 08:00-18:00": unknown day`},
		{"title: T\nname: n\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: 1, lte: 2, eq: 3}}", `correlation.condition: at most two comparisons`},
	}
	for _, c := range cases {
		_, probs := ParseFile("t.yml", []byte(c.src), testCompiler(map[string]Detector{"n": byCategory("x")}))
		var all []string
		found := false
		for _, p := range probs {
			all = append(all, p.String())
			if strings.Contains(p.String(), c.want) && !p.Warning {
				found = true
			}
		}
		if !found {
			t.Errorf("want an error containing %q, got %q", c.want, all)
		}
	}
	// Detection errors from package sigma keep the file's line numbers.
	src := "title: A\nname: a\ndetection: {s: {Category: Access.Forced}, condition: s}\n---\n# a comment\ntitle: B\nname: b\ndetection:\n    sel:\n        Source.Ipp: 1.2.3.4\n    condition: sel\n"
	_, probs := ParseFile("t.yml", []byte(src), SigmaCompile)
	if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), `t.yml:10: rule "b": detection.sel.Source.Ipp: unknown field`) {
		t.Errorf("sigma error: %v", probs)
	}
	// References are checked across files.
	rules, _ := ParseFile("t.yml", []byte("title: T\nname: n\ncorrelation: {type: event_count, rules: [nowhere], timespan: 1m, condition: {gte: 1}}"), nil)
	if _, err := Compile(rules); err == nil || !strings.Contains(err.Error(), `t.yml:1: rule "n": correlation.rules: "nowhere" names no loaded rule`) {
		t.Errorf("unknown reference: %v", err)
	}
	cyc := "title: A\nname: a\ncorrelation: {type: event_count, rules: [b], timespan: 1m, condition: {gte: 1}}\n---\ntitle: B\nname: b\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: 1}}"
	rules, _ = ParseFile("t.yml", []byte(cyc), nil)
	if _, err := Compile(rules); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}
