package correlate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// snapshotV1 writes e's state as version 1 (JSON) did, for the
// compatibility test.
func snapshotV1(t *testing.T, e *Engine) []byte {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	snap := snapshot{Version: 1, Newest: e.newest, Mark: e.mark, Rules: make(map[string]snapRule), Suppress: e.suppress, Disabled: e.disabled, Firings: e.firings}
	for k, st := range e.cors {
		sr := snapRule{Digest: e.digests[k]}
		for _, g := range st.byAge() {
			g.settle(&e.events) // as capture does
			sr.Groups = append(sr.Groups, snapGroup{Key: g.key, Vals: g.vals, Start: g.start, Newest: g.newest, Events: g.events})
		}
		snap.Rules[k] = sr
	}
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSnapshotFormats: an engine restored from a binary snapshot, and one
// restored from a version 1 (JSON) snapshot of the same state, go on
// exactly as the original engine does.
func TestSnapshotFormats(t *testing.T) {
	rs, _, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g, err := alertgen.New(alertgen.Options{Seed: 3, Now: func() time.Time { clock = clock.Add(2 * time.Millisecond); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	fixed := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	opts := Options{Rules: rs, Dedup: 2 * time.Minute, Now: fixed}
	e := newEngine(t, rs, opts)
	for range 20000 {
		e.Process(g.Next())
	}
	e.SetMark(42)
	var bin bytes.Buffer
	if err := e.Snapshot(&bin); err != nil {
		t.Fatal(err)
	}
	v1 := snapshotV1(t, e)
	fromBin, fromJSON := newEngine(t, rs, opts), newEngine(t, rs, opts)
	if err := fromBin.Restore(bytes.NewReader(bin.Bytes())); err != nil {
		t.Fatal(err)
	}
	if err := fromJSON.Restore(bytes.NewReader(v1)); err != nil {
		t.Fatal(err)
	}
	if fromBin.Mark() != 42 || fromJSON.Mark() != 42 {
		t.Fatalf("marks %d, %d", fromBin.Mark(), fromJSON.Mark())
	}
	groups := func(e *Engine) map[string]int {
		m := map[string]int{}
		for _, st := range e.Status() {
			m[st.Rule.Key()] = st.Groups
		}
		return m
	}
	if want := groups(e); !reflect.DeepEqual(groups(fromBin), want) || !reflect.DeepEqual(groups(fromJSON), want) {
		t.Fatalf("groups %v and %v, want %v", groups(fromBin), groups(fromJSON), want)
	}
	enc := func(out []*idmefv2.Alert) []string { return encodeAll(t, out) }
	emitted := 0
	for i := range 20000 {
		a := g.Next()
		want := enc(e.Process(a))
		if got := enc(fromBin.Process(a)); !reflect.DeepEqual(got, want) {
			t.Fatalf("alert %d: restored from binary emitted %v, want %v", i, got, want)
		}
		if got := enc(fromJSON.Process(a)); !reflect.DeepEqual(got, want) {
			t.Fatalf("alert %d: restored from JSON emitted %v, want %v", i, got, want)
		}
		emitted += len(want)
	}
	end := clock.Add(time.Hour)
	want := enc(e.Advance(end))
	if got := enc(fromBin.Advance(end)); !reflect.DeepEqual(got, want) {
		t.Fatalf("windows closed after a binary restore differ")
	}
	if got := enc(fromJSON.Advance(end)); !reflect.DeepEqual(got, want) {
		t.Fatalf("windows closed after a JSON restore differ")
	}
	if emitted+len(want) == 0 {
		t.Fatal("nothing emitted: the test proves nothing")
	}
}

// fill sets every field of the struct v points to, so that a field the
// binary format forgets shows.
func fill(v reflect.Value, seed string) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(seed + v.Type().Field(i).Name)
		case reflect.Slice:
			s := reflect.MakeSlice(f.Type(), 2, 2)
			for j := range 2 {
				switch s.Index(j).Kind() {
				case reflect.String:
					s.Index(j).SetString(seed + v.Type().Field(i).Name + string(rune('a'+j)))
				case reflect.Int:
					s.Index(j).SetInt(int64(-7 + 1000*j))
				}
			}
			f.Set(s)
		}
	}
}

func TestSnapshotAlertInfoRoundTrip(t *testing.T) {
	a := &alertInfo{ID: "id", Desc: "d", Prio: idmefv2.PriorityHigh, Cat: []idmefv2.Category{"A.b", "C.d"}, Src: make([]idmefv2.Source, 2), Tgt: make([]idmefv2.Target, 1)}
	fill(reflect.ValueOf(&a.Src[0]).Elem(), "s0")
	fill(reflect.ValueOf(&a.Src[1]).Elem(), "s1")
	fill(reflect.ValueOf(&a.Tgt[0]).Elem(), "t0")
	var buf bytes.Buffer
	w := &snapWriter{w: bufio.NewWriter(&buf)}
	w.alert(a)
	w.alert(&alertInfo{})
	w.flush()
	if err := w.w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := &snapReader{r: bufio.NewReader(&buf)}
	got, empty := r.alert(), r.alert()
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, a)
	}
	if !reflect.DeepEqual(empty, &alertInfo{}) {
		t.Errorf("empty round trip: %+v", empty)
	}
}

func TestSnapshotTruncatedIsAnError(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	f := func(n int) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: time.Duration(n) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
	}
	run(t, e, f(1), f(2))
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for n := len(snapMagic); n < len(data); n++ {
		e2 := newEngine(t, load(t, bruteforce, failedDet), Options{})
		if err := e2.Restore(bytes.NewReader(data[:n])); err == nil {
			t.Fatalf("a snapshot cut at %d of %d bytes restored without error", n, len(data))
		}
	}
}

// TestSaveSnapshotSegments: saves write each alert once into segment
// files beside the snapshot, a restored engine goes on as the original,
// segments no longer referred to are deleted, and a missing segment is an
// error (the server then starts with empty windows).
func TestSaveSnapshotSegments(t *testing.T) {
	rs, _, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g, err := alertgen.New(alertgen.Options{Seed: 5, Now: func() time.Time { clock = clock.Add(5 * time.Millisecond); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	fixed := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	opts := Options{Rules: rs, Dedup: 2 * time.Minute, Now: fixed}
	path := filepath.Join(t.TempDir(), "correlation.json")
	// A snapshot of version 1 at path loads.
	e := newEngine(t, rs, opts)
	for range 5000 {
		e.Process(g.Next())
	}
	if err := os.WriteFile(path, snapshotV1(t, e), 0o600); err != nil {
		t.Fatal(err)
	}
	e = newEngine(t, rs, opts)
	if err := e.LoadSnapshot(path); err != nil {
		t.Fatalf("version 1 snapshot: %v", err)
	}
	segSize := func() (n int, size int64) {
		names, _ := filepath.Glob(path + ".seg.*")
		for _, name := range names {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			size += fi.Size()
		}
		return len(names), size
	}
	var sizes []int64
	for round := range 4 {
		for range 10000 {
			e.Process(g.Next())
		}
		if err := e.SaveSnapshot(path); err != nil {
			t.Fatal(err)
		}
		n, size := segSize()
		if n == 0 {
			t.Fatalf("round %d: no segment files", round)
		}
		sizes = append(sizes, size)
	}
	// Each save adds the alerts that came since, not the whole state
	// again; the windows (50 s of alerts each round) let old ones go.
	if sizes[3] > 3*sizes[0] {
		t.Errorf("segment bytes by round %v: saves rewrite the state", sizes)
	}
	e2 := newEngine(t, rs, opts)
	if err := e2.LoadSnapshot(path); err != nil {
		t.Fatal(err)
	}
	enc := func(out []*idmefv2.Alert) []string { return encodeAll(t, out) }
	emitted := 0
	for i := range 10000 {
		a := g.Next()
		want := enc(e.Process(a))
		if got := enc(e2.Process(a)); !reflect.DeepEqual(got, want) {
			t.Fatalf("alert %d: restored engine emitted %v, want %v", i, got, want)
		}
		emitted += len(want)
	}
	if emitted == 0 {
		t.Fatal("nothing emitted: the test proves nothing")
	}
	// The restored engine saves on top of the segments it loaded.
	if err := e2.SaveSnapshot(path); err != nil {
		t.Fatal(err)
	}
	e3 := newEngine(t, rs, opts)
	if err := e3.LoadSnapshot(path); err != nil {
		t.Fatal(err)
	}
	end := clock.Add(time.Hour)
	want := enc(e.Advance(end))
	if got := enc(e3.Advance(end)); !reflect.DeepEqual(got, want) {
		t.Fatalf("windows closed after a second restore differ: %d alerts, want %d", len(got), len(want))
	}
	// Once every window is closed, a save refers to no segment: the files
	// go.
	if err := e3.SaveSnapshot(path); err != nil {
		t.Fatal(err)
	}
	if n, _ := segSize(); n != 0 {
		t.Errorf("%d segment files left with no open window", n)
	}
	// A snapshot whose segment is missing does not load.
	for range 1000 {
		e3.Process(g.Next())
	}
	if err := e3.SaveSnapshot(path); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(path + ".seg.*")
	if len(names) == 0 {
		t.Fatal("no segment")
	}
	os.Remove(names[0])
	if err := newEngine(t, rs, opts).LoadSnapshot(path); err == nil {
		t.Error("a snapshot without its segment loaded")
	}
}

// encodeAll encodes alerts, to compare what two engines emit.
func encodeAll(t *testing.T, out []*idmefv2.Alert) []string {
	t.Helper()
	var s []string
	for _, a := range out {
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, string(data))
	}
	return s
}

// TestEventJSON: events of version 1 snapshots read into the compact
// event; a reference beyond int32 reads as damaged (-1) rather than
// wrapping to a valid one.
func TestEventJSON(t *testing.T) {
	var ev event
	if err := json.Unmarshal([]byte(`{"t":7,"ref":2,"depth":3,"vals":["a"],"alert":{"id":"x"}}`), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.T != 7 || ev.Ref != 2 || ev.Depth != 3 || len(ev.Vals) != 1 || ev.Alert == nil || ev.Alert.ID != "x" {
		t.Errorf("decoded %+v", ev)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back event
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, ev) {
		t.Errorf("round trip %s: %+v, %v", data, back, err)
	}
	if err := json.Unmarshal([]byte(`{"t":7,"ref":4294967298,"alert":{"id":"x"}}`), &ev); err != nil || ev.Ref != -1 {
		t.Errorf("out-of-range ref read as %d, %v; want -1", ev.Ref, err)
	}
}
