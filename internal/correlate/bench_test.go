package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/cputime"
)

// benchRules writes nDet detection rules and nCor correlation rules in
// the shapes real rule sets have: selections on Category, Analyzer.Name,
// source networks, target services and descriptions; correlations of every
// type grouped by source, target or user.
func benchRules(nDet, nCor int) string {
	cats := idmefv2.CategoryValues()
	var b strings.Builder
	for i := range nDet {
		fmt.Fprintf(&b, "title: detection %d\nname: det_%d\nlevel: low\ndetection:\n", i, i)
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "  sel:\n    Category: %s\n  condition: sel\n", cats[i%len(cats)])
		case 1:
			fmt.Fprintf(&b, "  sel:\n    Category: %s\n    Analyzer.Data: Authentication\n  condition: sel\n", cats[(i*7)%len(cats)])
		case 2:
			fmt.Fprintf(&b, "  sel:\n    Analyzer.Name: sensor-%d\n  condition: sel\n", i)
		case 3:
			fmt.Fprintf(&b, "  sel:\n    Category|startswith: %s\n    Source.IP|cidr: 10.%d.0.0/16\n  condition: sel\n", strings.Split(string(cats[i%len(cats)]), ".")[0], i)
		case 4:
			fmt.Fprintf(&b, "  sel:\n    Category: %s\n    Description|contains: word%d\n  filter:\n    Target.User: root\n  condition: sel and not filter\n", cats[(i*3)%len(cats)], i)
		}
		b.WriteString("---\n")
	}
	// Detections that the generated traffic does match, for the
	// correlations to have work.
	b.WriteString(`title: failed
name: hit_failed
detection: {sel: {Category: Access.Forced}, condition: sel}
---
title: recon
name: hit_recon
detection: {sel: {Category: Recon.Network}, condition: sel}
---
title: web
name: hit_web
detection: {sel: {Category: Access.Unauthorized}, condition: sel}
---
`)
	// Every correlation counts one detection the traffic matches and five
	// of the others, so that the 100 detections are building blocks (as
	// in real rule sets) rather than rules emitting an alert per match.
	types := []struct{ body, hit string }{
		{"type: event_count\n  group-by: [Source.IP]\n  timespan: 5m\n  condition: {gte: 200}", "hit_failed"},
		{"type: value_count\n  group-by: [Source.IP]\n  timespan: 10m\n  condition: {gte: 100, field: Target.User}", "hit_failed"},
		{"type: event_count\n  group-by: [Source.IP, Target.IP]\n  timespan: 1m\n  condition: {gte: 300}", "hit_recon"},
		{"type: value_count\n  group-by: [Source.IP]\n  timespan: 1m\n  condition: {gte: 100, field: Target.IP}", "hit_recon"},
		{"type: event_count\n  group-by: [Target.Hostname]\n  timespan: 2m\n  condition: {gte: 50, lte: 1000}", "hit_web"},
		{"type: value_sum\n  group-by: [Source.IP]\n  timespan: 10m\n  condition: {gte: 10000000, field: Source.Port}", "hit_web"},
		{"type: temporal\n  group-by: [Target.User]\n  timespan: 10m", "hit_failed"},
	}
	for i := range nCor {
		ty := types[i%len(types)]
		refs := []string{ty.hit}
		for j := range 5 {
			refs = append(refs, fmt.Sprintf("det_%d", (5*i+j)%nDet))
		}
		fmt.Fprintf(&b, "title: correlation %d\nname: cor_%d\ncorrelation:\n  rules: [%s]\n  %s\n---\n", i, i, strings.Join(refs, ", "), ty.body)
	}
	return b.String()
}

// BenchmarkEngine measures the whole engine (detection through package
// sigma, group-by, windows, emission) with 100 detection and 20
// correlation rules over generated traffic, one core.
func BenchmarkEngine(b *testing.B) {
	rules, probs := ParseFile("bench.yml", []byte(benchRules(100, 20)), SigmaCompile)
	for _, p := range probs {
		if !p.Warning {
			b.Fatal(p)
		}
	}
	rs, err := Compile(rules)
	if err != nil {
		b.Fatal(err)
	}
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g, err := alertgen.New(alertgen.Options{Seed: 7, Now: func() time.Time { clock = clock.Add(10 * time.Millisecond); return clock }})
	if err != nil {
		b.Fatal(err)
	}
	alerts := make([]*idmefv2.Alert, 1<<14)
	for i := range alerts {
		alerts[i] = g.Next()
	}
	e, err := New(Options{Rules: rs, Dedup: 2 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cputime.Process()
	b.ResetTimer()
	emitted := 0
	for i := 0; i < b.N; i++ {
		a := alerts[i%len(alerts)]
		if i%len(alerts) == 0 && i > 0 {
			// Replays move forward in time so windows keep working.
			b.StopTimer()
			pause := cputime.Process()
			shift := clock.Sub(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
			for _, x := range alerts {
				t, _ := idmefv2.ParseTime(x.CreateTime)
				x.CreateTime = idmefv2.FormatTime(t.Add(shift))
				x.StartTime = ""
			}
			clock = clock.Add(shift)
			cpu0 += cputime.Process() - pause
			b.StartTimer()
		}
		emitted += len(e.Process(a))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
	// Process CPU time (this goroutine and the GC's), so that the figure
	// is per core even on a shared, loaded machine.
	b.ReportMetric(float64(b.N)/(cputime.Process()-cpu0).Seconds(), "alerts/cpu-s")
	b.ReportMetric(float64(emitted)/float64(b.N), "emitted/alert")
}

// BenchmarkGroupKeys measures group-by on a list attribute.
func BenchmarkGroupKeys(b *testing.B) {
	rs, err := Compile(mustParse(b, bruteforce, failedDet))
	if err != nil {
		b.Fatal(err)
	}
	a := mk(alertSpec{cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1", "10.0.0.2"}})
	c := rs.cors[0]
	var kb keyBuf
	b.ReportAllocs()
	for b.Loop() {
		groupKeys(&kb, c, 0, a)
	}
}

func mustParse(tb testing.TB, src string, dets map[string]Detector) []*Rule {
	rules, probs := ParseFile("bench.yml", []byte(src), testCompiler(dets))
	for _, p := range probs {
		if !p.Warning {
			tb.Fatal(p)
		}
	}
	return rules
}
