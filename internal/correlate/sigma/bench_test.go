package sigma

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/cputime"
)

// sigmaGoWorkload gives sigma-go (v0.6.6) the same rules, with a field
// mapping from each rule field to a key of a flat event map, and the alerts
// converted to such maps (lists of values, as IDMEF list semantics need).
type sigmaGoWorkload struct {
	evaluators []*evaluator.RuleEvaluator
	bundle     evaluator.RuleEvaluatorBundle
	events     []map[string]any
}

func newSigmaGoWorkload(tb testing.TB, docs []string, alerts []*idmefv2.Alert) *sigmaGoWorkload {
	tb.Helper()
	var rules []sigmago.Rule
	fieldSet := map[string]bool{}
	for _, d := range docs {
		r, err := sigmago.ParseRule([]byte(d))
		if err != nil {
			tb.Fatalf("sigma-go parse: %v\n%s", err, d)
		}
		rules = append(rules, r)
		spec, err := ParseRule([]byte(d))
		if err != nil {
			tb.Fatal(err)
		}
		for _, s := range spec.Detection.Searches {
			for i := 0; i+1 < len(s.Node.Content); i += 2 {
				fieldSet[strings.Split(s.Node.Content[i].Value, "|")[0]] = true
			}
		}
	}
	var fields []string
	for f := range fieldSet {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	var cfg strings.Builder
	cfg.WriteString("title: vigie\nlogsources:\n  alerts:\n    category: alerts\nfieldmappings:\n")
	for _, f := range fields {
		fmt.Fprintf(&cfg, "  %s: %s\n", f, f)
	}
	config, err := sigmago.ParseConfig([]byte(cfg.String()))
	if err != nil {
		tb.Fatalf("sigma-go config: %v", err)
	}
	w := &sigmaGoWorkload{bundle: evaluator.ForRules(rules, evaluator.WithConfig(config))}
	for _, r := range rules {
		w.evaluators = append(w.evaluators, evaluator.ForRule(r, evaluator.WithConfig(config)))
	}
	resolved := map[string]Field{}
	for _, f := range fields {
		rf, err := ParseField(f, nil)
		if err != nil {
			tb.Fatal(err)
		}
		resolved[f] = rf
	}
	for _, a := range alerts {
		ev := map[string]any{}
		for name, f := range resolved {
			var vals []any
			if f.Numeric() {
				f.visit(a, &numCollector{dst: &vals})
			} else {
				for _, v := range f.Values(a) {
					vals = append(vals, v)
				}
			}
			if len(vals) > 0 {
				ev[name] = vals
			}
		}
		w.events = append(w.events, ev)
	}
	return w
}

type numCollector struct{ dst *[]any }

func (c *numCollector) test(v value) bool {
	*c.dst = append(*c.dst, int(v.n))
	return false
}

func (w *sigmaGoWorkload) match(tb testing.TB, i int) []int {
	var out []int
	for k, e := range w.evaluators {
		res, err := e.Matches(context.Background(), w.events[i])
		if err != nil {
			tb.Fatal(err)
		}
		if res.Match {
			out = append(out, k)
		}
	}
	return out
}

// TestAgreesWithSigmaGo is a differential test: on the generated workload
// the Vigie evaluator and sigma-go v0.6.6 match the same rules.
func TestAgreesWithSigmaGo(t *testing.T) {
	for _, seed := range []uint64{11, 12, 13} {
		docs := genRules(100, seed)
		alerts := genAlerts(t, 300, seed)
		set := NewRuleSet(compileAll(t, docs)...)
		sg := newSigmaGoWorkload(t, docs, alerts)
		total := 0
		for i, a := range alerts {
			var got []int
			set.Each(a, func(k int, _ *Rule) bool {
				got = append(got, k)
				return true
			})
			want := sg.match(t, i)
			total += len(got)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d alert %d (%s): vigie matched rules %v, sigma-go %v\nevent: %v", seed, i, a.Description, got, want, sg.events[i])
			}
		}
		if total < len(alerts) {
			t.Fatalf("seed %d: only %d matches: the comparison proves little", seed, total)
		}
	}
}

// BenchmarkDetection runs 100 detection rules over a stream of alerts with
// the Vigie RuleSet (indexed), the Vigie rules one by one, and sigma-go
// v0.6.6 (rule by rule, and its ForRules bundle) on the same rules and the
// same alerts converted to flat maps outside the timed loop.
func BenchmarkDetection(b *testing.B) {
	docs := genRules(100, 1)
	alerts := genAlerts(b, 1000, 1)
	rules := compileAll(b, docs)
	set := NewRuleSet(rules...)
	sg := newSigmaGoWorkload(b, docs, alerts)
	// report gives alerts per wall-clock second and per CPU-second of
	// the whole process (GC included), the per-core figure.
	var cpu0 time.Duration
	start := func() { cpu0 = cputime.Process() }
	report := func(b *testing.B, matches int) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
		if cpu := cputime.Process() - cpu0; cpu > 0 && cpu0 > 0 {
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "alerts/cpu-s")
		}
		b.ReportMetric(float64(matches)/float64(b.N), "matches/alert")
	}
	b.Run("vigie", func(b *testing.B) {
		b.ReportAllocs()
		start()
		buf := make([]*Rule, 0, 16)
		n := 0
		for i := 0; b.Loop(); i++ {
			buf = set.AppendMatches(buf[:0], alerts[i%len(alerts)])
			n += len(buf)
		}
		report(b, n)
	})
	b.Run("vigie-unindexed", func(b *testing.B) {
		b.ReportAllocs()
		start()
		n := 0
		for i := 0; b.Loop(); i++ {
			a := alerts[i%len(alerts)]
			for _, r := range rules {
				if r.Match(a) {
					n++
				}
			}
		}
		report(b, n)
	})
	b.Run("sigma-go", func(b *testing.B) {
		b.ReportAllocs()
		start()
		ctx := context.Background()
		n := 0
		for i := 0; b.Loop(); i++ {
			ev := sg.events[i%len(sg.events)]
			for _, e := range sg.evaluators {
				res, err := e.Matches(ctx, ev)
				if err != nil {
					b.Fatal(err)
				}
				if res.Match {
					n++
				}
			}
		}
		report(b, n)
	})
	b.Run("sigma-go-bundle", func(b *testing.B) {
		b.ReportAllocs()
		start()
		ctx := context.Background()
		n := 0
		for i := 0; b.Loop(); i++ {
			res, err := sg.bundle.Matches(ctx, sg.events[i%len(sg.events)])
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Match {
					n++
				}
			}
		}
		report(b, n)
	})
}

// BenchmarkRuleMatch is one Concerto rule on one alert.
func BenchmarkRuleMatch(b *testing.B) {
	r := compileYAML(b, selRule("Category: Access.Other\nTarget_Service: sshd"))
	a := richAlert(b)
	b.ReportAllocs()
	for b.Loop() {
		if !r.Match(a) {
			b.Fatal("no match")
		}
	}
}
