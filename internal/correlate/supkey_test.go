package correlate

import (
	"math/rand/v2"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
)

// TestUniformKeyMatchesMergedKey checks the suppression-key shortcut
// against the key read from the merged parties, over random groups:
// parties with empty attributes and keys, more parties than the merge
// keeps, events dropped from the front and contributing subsets.
func TestUniformKeyMatchesMergedKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	party := func(mostly string) (idmefv2.Source, idmefv2.Target) {
		ip := mostly
		if rng.IntN(8) == 0 {
			ip = pick("", "10.0.0.2", "10.0.0.3")
		}
		s := idmefv2.Source{IP: ip, Hostname: pick("", "a", "b"), User: pick("", "u")}
		tg := idmefv2.Target{IP: pick(mostly, "", "10.0.0.9"), User: pick("", "v", "w"), Service: pick("", "ssh")}
		return s, tg
	}
	bys := [][]string{{"Source.IP"}, {"Source.IP", "Target.IP"}, {"Target.User"}, {"Target.Service", "Source.Hostname"}}
	hits := 0
	for round := range 4000 {
		var fs []field
		for _, b := range bys[round%len(bys)] {
			f, err := parseField(b)
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
		c := &corRule{rule: &Rule{Correlation: &Correlation{Type: EventCount}}, suppress: fs, uniform: uniformAttrs(fs)}
		if len(c.uniform) != len(fs) {
			t.Fatalf("%v: no shortcut", bys[round%len(bys)])
		}
		e := &Engine{opts: Options{MaxMerged: 1 + rng.IntN(4)}}
		g := &group{}
		var pool eventPool
		mostly := pick("10.0.0.1", "")
		for i := range 1 + rng.IntN(12) {
			a := &alertInfo{ID: string(rune('A' + i))}
			for range rng.IntN(4) {
				s, tg := party(mostly)
				if rng.IntN(2) == 0 {
					a.Src = append(a.Src, s)
				}
				if rng.IntN(2) == 0 {
					a.Tgt = append(a.Tgt, tg)
				}
			}
			g.insert(c, event{T: int64(rng.IntN(5)), Alert: a}, &pool)
		}
		if n := rng.IntN(len(g.events) + 1); n > 0 && rng.IntN(3) == 0 {
			g.dropFront(c, n, &pool)
		}
		if len(g.events) == 0 {
			continue
		}
		g.settle(&pool) // as fire's callers do
		evs := g.events
		if rng.IntN(4) == 0 {
			evs = evs[rng.IntN(len(evs)):]
		}
		want := string(e.mergedSupKey(nil, c, evs))
		got, ok := e.uniformKey(nil, c, g, evs)
		if ok {
			hits++
			if string(got) != want {
				t.Fatalf("round %d: uniform key %q, merged key %q", round, got, want)
			}
		}
	}
	if hits < 1000 {
		t.Errorf("shortcut taken %d times of 4000", hits)
	}
}
