package correlate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// hashBus hashes what is published, in order.
type hashBus struct {
	nullBus
	h hash.Hash
}

func (hb *hashBus) PublishBatch(ctx context.Context, ms []bus.Message) error {
	for _, m := range ms {
		hb.h.Write([]byte(m.Key))
		hb.h.Write([]byte{0})
		hb.h.Write(m.Data)
		hb.h.Write([]byte{'\n'})
	}
	return hb.nullBus.PublishBatch(ctx, ms)
}

// Emission digest of TestEmissionDigest: the number of alerts the stage
// publishes over the alertgen traffic and a SHA-256 of them (key and JSON,
// in order). A change of what the engine emits changes it; an intended
// change must say why in its commit and update these.
const (
	emissionAlerts = 400000
	emissionWant   = 9591
	emissionDigest = "59052fcb1046449517d4ec81e17b5c49d710d03ee6f2eaf32cca5c2e2d296446"
)

// TestEmissionDigest runs the stage as the server does (the shipped
// presets, duplicate summaries over 2 minutes, batches of 500 encoded
// alerts through Stage.handle) over 400,000 alertgen alerts at 5,000
// alerts/s of event time, saves the state halfway and goes on in a new
// engine restored from that save, then checks that what was published is
// exactly what it was when the digest was recorded. It guards the
// optimisations of the engine's hot path, which must not change output.
func TestEmissionDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("400,000 alerts")
	}
	rs, _, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		t.Fatal(err)
	}
	const rate, batch = 5000, 500
	step := time.Second / rate
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g, err := alertgen.New(alertgen.Options{Seed: 11, Now: func() time.Time { clock = clock.Add(step); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	now := clock
	hb := &hashBus{h: sha256.New()}
	snap := filepath.Join(t.TempDir(), "correlation.snap")
	newStage := func() *Stage {
		e, err := New(Options{Rules: rs, Dedup: 2 * time.Minute, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.LoadSnapshot(snap); err != nil {
			t.Fatal(err)
		}
		s, err := NewStage(StageOptions{Bus: hb, Engine: e, SnapshotPath: snap})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := newStage()
	ctx := context.Background()
	var ds []bus.Delivery
	var seq uint64
	for done := 0; done < emissionAlerts; done += batch {
		ds = ds[:0]
		for range batch {
			a := g.Next()
			data, err := idmefv2.Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			seq++
			ds = append(ds, bus.Delivery{Message: bus.Message{Subject: bus.SubjectEnriched, Key: a.ID, Data: data}, Sequence: seq, Attempt: 1})
		}
		now = clock
		if err := s.handle(ctx, ds); err != nil {
			t.Fatal(err)
		}
		if done+batch == emissionAlerts/2 {
			if err := s.snapshot(); err != nil {
				t.Fatal(err)
			}
			s = newStage()
			if m := s.opts.Engine.Mark(); m != ds[len(ds)-1].Position() {
				t.Fatalf("restored mark %d, want %d", m, ds[len(ds)-1].Position())
			}
		}
	}
	// Close every window.
	s.queue(s.opts.Engine.Advance(clock.Add(24 * time.Hour)))
	if err := s.flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := hex.EncodeToString(hb.h.Sum(nil))
	if hb.published != emissionWant || got != emissionDigest {
		t.Errorf("emitted %d alerts, digest %s; want %d, %s", hb.published, got, emissionWant, emissionDigest)
	}
	t.Logf("emitted %d alerts (%s per 1,000)", hb.published, strconv.FormatFloat(float64(hb.published)*1000/emissionAlerts, 'f', 2, 64))
}

// TestDeterministicID checks deterministicID against a plain rendering of
// its definition: SHA-256 of the length-prefixed parts, as a version 8
// UUID. Emitted IDs must not change, or a firing re-made after a restart
// would duplicate its alert.
func TestDeterministicID(t *testing.T) {
	ref := func(parts ...string) string {
		h := sha256.New()
		for _, p := range parts {
			var n [8]byte
			binary.BigEndian.PutUint64(n[:], uint64(len(p)))
			h.Write(n[:])
			h.Write([]byte(p))
		}
		u := h.Sum(nil)[:16]
		u[6] = u[6]&0x0f | 0x80
		u[8] = u[8]&0x3f | 0x80
		s := hex.EncodeToString(u)
		return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
	}
	long := strings.Repeat("x", 1000)
	for _, parts := range [][]string{nil, {""}, {"a"}, {"a", "b"}, {"ab"}, {"rule", "10.0.0.1\x1f10.0.0.2", "2026-11-23T00:00:00Z", "id"}, {long, long}} {
		if got, want := deterministicID(parts...), ref(parts...); got != want {
			t.Errorf("deterministicID(%q) = %s, want %s", parts, got, want)
		}
	}
	if deterministicID("a", "b") == deterministicID("ab") {
		t.Error("parts are not delimited")
	}
}
