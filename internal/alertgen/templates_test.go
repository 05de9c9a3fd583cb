package alertgen

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
)

func TestTemplatesReplayValidUniqueAlerts(t *testing.T) {
	g, err := New(Options{Seed: 5, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New(Options{Seed: 5, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 1, 2, 3, 456789000, time.UTC)
	tp, err := NewTemplates(g, 300, 9, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var buf []byte
	for i := range 3 * tp.Len() {
		var id string
		buf, id = tp.Append(buf[:0])
		a, rep := idmefv2.DecodeValidate(buf)
		if a == nil {
			t.Fatalf("alert %d invalid: %v\n%s", i, rep.Errors(), buf)
		}
		if a.ID != id || ids[id] {
			t.Fatalf("alert %d: ID %q (returned %q) not fresh", i, a.ID, id)
		}
		ids[id] = true
		if a.CreateTime != "2026-11-24T01:02:03.456789Z" {
			t.Errorf("alert %d: CreateTime %q, want the clock's", i, a.CreateTime)
		}
		// Apart from ID and times, the alert is the generator's.
		var want *idmefv2.Alert
		if i < tp.Len() {
			want = ref.Next()
			wc, _ := idmefv2.ParseTime(want.CreateTime)
			ws, _ := idmefv2.ParseTime(want.StartTime)
			gs, err := idmefv2.ParseTime(a.StartTime)
			if err != nil || now.Sub(gs) != wc.Sub(ws) {
				t.Errorf("alert %d: StartTime %q is not CreateTime - %s", i, a.StartTime, wc.Sub(ws))
			}
			a.ID, a.CreateTime, a.StartTime = want.ID, want.CreateTime, want.StartTime
			if d := cmp.Diff(want, a); d != "" {
				t.Fatalf("alert %d differs from the generator's (-want +got):\n%s", i, d)
			}
		}
	}
}

func BenchmarkTemplatesAppend(b *testing.B) {
	g, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	tp, err := NewTemplates(g, 1000, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = tp.Append(buf[:0])
	}
}

func BenchmarkNextEncode(b *testing.B) {
	g, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := idmefv2.Encode(g.Next()); err != nil {
			b.Fatal(err)
		}
	}
}
