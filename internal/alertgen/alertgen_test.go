package alertgen

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(250 * time.Millisecond); return t }
}

func TestEveryAlertIsValid(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42} {
		g, err := New(Options{Seed: seed, Now: fixedClock()})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3000 {
			data, err := idmefv2.Encode(g.Next())
			if err != nil {
				t.Fatalf("seed %d alert %d: encode: %v", seed, i, err)
			}
			if rep := idmefv2.ValidateJSON(data); !rep.Valid() {
				t.Fatalf("seed %d alert %d invalid: %v\n%s", seed, i, rep.Errors(), data)
			}
		}
	}
}

func TestDeterministicForSeed(t *testing.T) {
	run := func(seed uint64) []byte {
		g, err := New(Options{Seed: seed, Now: fixedClock()})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for range 200 {
			b, err := idmefv2.Encode(g.Next())
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(b)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(run(7), run(7)) {
		t.Error("same seed and clock gave different alerts")
	}
	if bytes.Equal(run(7), run(8)) {
		t.Error("different seeds gave identical alerts")
	}
}

func TestVariety(t *testing.T) {
	g, err := New(Options{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	types := map[idmefv2.Type]bool{}
	categories := map[idmefv2.Category]bool{}
	var v6, users, repeats int
	var prevSource string
	for range 5000 {
		a := g.Next()
		for _, ty := range a.Type {
			types[ty] = true
		}
		for _, c := range a.Category {
			categories[c] = true
		}
		src := ""
		if len(a.Source) > 0 {
			src = a.Source[0].IP
			if strings.Contains(src, ":") {
				v6++
			}
		}
		if src != "" && src == prevSource {
			repeats++
		}
		prevSource = src
		for _, tg := range a.Target {
			if tg.User != "" {
				users++
				break
			}
		}
	}
	for _, want := range []idmefv2.Type{"Cyber", "Physical", "Availability"} {
		if !types[want] {
			t.Errorf("no %s alert in 5000", want)
		}
	}
	if len(categories) < 12 {
		t.Errorf("only %d distinct categories in 5000 alerts", len(categories))
	}
	if v6 == 0 {
		t.Error("no IPv6 source address in 5000 alerts")
	}
	if users == 0 {
		t.Error("no target user in 5000 alerts")
	}
	if repeats < 500 {
		t.Errorf("only %d consecutive alerts from the same source: bursts missing", repeats)
	}
}

func TestKinds(t *testing.T) {
	g, err := New(Options{Kinds: []Kind{KindPhysical}})
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if a := g.Next(); !slices.Contains(a.Type, "Physical") {
			t.Fatalf("physical-only generator produced %v", a.Type)
		}
	}
	if _, err := New(Options{Kinds: []Kind{"nuclear"}}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestRunCountAndCancel(t *testing.T) {
	g, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got int
	n, err := g.Run(context.Background(), 50, 0, func(*idmefv2.Alert) error { got++; return nil })
	if err != nil || n != 50 || got != 50 {
		t.Fatalf("Run(50) = %d, %v; fn called %d times", n, err, got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err = g.Run(ctx, 0, 0, func(*idmefv2.Alert) error {
		got++
		if got == 80 {
			cancel()
		}
		return nil
	})
	if err == nil || n != 30 {
		t.Fatalf("cancelled Run = %d, %v; want 30, context error", n, err)
	}
}

func BenchmarkNext(b *testing.B) {
	g, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Next()
	}
}
