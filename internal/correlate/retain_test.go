package correlate

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// TestStageDoesNotPinBusMessages: the events a correlation window keeps
// must not hold the bus message their alert came in. A delivery's Data is
// a slice of its whole message (a pack of hundreds of alerts on the
// embedded bus): kept strings pointing into it held every pack with an
// open event in memory for the window's length, hundreds of MB at a few
// thousand alerts/s.
func TestStageDoesNotPinBusMessages(t *testing.T) {
	rs, _, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g, err := alertgen.New(alertgen.Options{Seed: 3, Now: func() time.Time { clock = clock.Add(time.Millisecond); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Rules: rs, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStage(StageOptions{Bus: &nullBus{}, Engine: e})
	if err != nil {
		t.Fatal(err)
	}

	// One buffer holding every alert, as a pack does.
	var pack []byte
	var ends []int
	for range 2000 {
		if pack, err = idmefv2.AppendEncode(pack, g.Next()); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, len(pack))
	}
	held := weak.Make(&pack[0])
	ds := make([]bus.Delivery, len(ends))
	for i, end := range ends {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		ds[i] = bus.Delivery{Message: bus.Message{Subject: bus.SubjectEnriched, Data: pack[start:end:end]}, Sequence: uint64(i + 1), Attempt: 1}
	}
	if err := s.handle(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	pack, ds = nil, nil

	groups := 0
	for _, st := range e.Status() {
		groups += st.Groups
	}
	if groups == 0 {
		t.Fatal("no correlation group open: the test keeps nothing")
	}
	runtime.GC()
	runtime.GC()
	if held.Value() != nil {
		t.Errorf("the message buffer is still reachable with %d groups open", groups)
	}
	runtime.KeepAlive(s)
}
