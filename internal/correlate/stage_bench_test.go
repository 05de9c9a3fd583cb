package correlate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/cputime"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// nullBus stores nothing: publishing succeeds, consuming returns at once.
type nullBus struct{ published int }

func (n *nullBus) Publish(context.Context, bus.Message) error { n.published++; return nil }
func (n *nullBus) PublishBatch(_ context.Context, ms []bus.Message) error {
	n.published += len(ms)
	return nil
}
func (n *nullBus) Consume(context.Context, string, string, bus.ConsumeOptions, bus.Handler) error {
	return nil
}
func (n *nullBus) ConsumeBatch(context.Context, string, string, bus.ConsumeOptions, bus.BatchHandler) error {
	return nil
}

// BenchmarkStagePresets reproduces the correlation stage of the server:
// the shipped presets and the server's defaults (duplicate aggregation
// over 2 minutes, 10,000 groups per rule), alertgen traffic at a simulated
// 5,000 alerts/s of event time, batches of 500 encoded alerts through
// Stage.handle (decoding included), and a snapshot to disk every 30
// simulated seconds (every 150,000 alerts), as the server's
// snapshot_interval does. cpu-µs/alert is the process CPU per alert,
// snapshots included; run it with -benchtime 1200000x (or more) so that
// snapshots of a full state are in the figure.
func BenchmarkStagePresets(b *testing.B) {
	const (
		rate     = 5000 // simulated alerts per second
		batch    = 500
		interval = 30 * time.Second
		pool     = 1 << 15 // distinct alerts, replayed later in time
	)
	rs, probs, err := LoadRules([]Source{{Name: "presets", FS: presets.FS}}, SigmaCompile)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range probs {
		if !p.Warning {
			b.Fatal(p)
		}
	}
	step := time.Second / rate
	base := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	clock := base
	g, err := alertgen.New(alertgen.Options{Seed: 11, Now: func() time.Time { clock = clock.Add(step); return clock }})
	if err != nil {
		b.Fatal(err)
	}
	alerts := make([]*idmefv2.Alert, pool)
	for i := range alerts {
		alerts[i] = g.Next()
	}
	span := clock.Sub(base)
	var fake nullBus
	now := base
	e, err := New(Options{Rules: rs, Dedup: 2 * time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	snap := filepath.Join(b.TempDir(), "correlation.json")
	s, err := NewStage(StageOptions{Bus: &fake, Engine: e, SnapshotPath: snap})
	if err != nil {
		b.Fatal(err)
	}
	// encode makes the deliveries of alerts[i:j] in replay round r: the
	// alerts move forward in time by r spans and get fresh IDs.
	encode := func(ds []bus.Delivery, r, i, j int, seq uint64) []bus.Delivery {
		ds = ds[:0]
		shift := time.Duration(r) * span
		for k := i; k < j; k++ {
			a := *alerts[k]
			ct, _ := idmefv2.ParseTime(a.CreateTime)
			st, _ := idmefv2.ParseTime(a.StartTime)
			a.CreateTime = idmefv2.FormatTime(ct.Add(shift))
			a.StartTime = idmefv2.FormatTime(st.Add(shift))
			if r > 0 {
				a.ID = deterministicID(a.ID, string(rune('0'+r%64)))
			}
			data, err := idmefv2.Encode(&a)
			if err != nil {
				b.Fatal(err)
			}
			seq++
			ds = append(ds, bus.Delivery{Message: bus.Message{Subject: bus.SubjectEnriched, Key: a.ID, Data: data}, Sequence: seq, Attempt: 1})
		}
		return ds
	}
	ctx := context.Background()
	var ds []bus.Delivery
	var seq uint64
	var snaps int
	var snapCPU time.Duration
	nextSnap := base.Add(interval)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		r, i := done/pool, done%pool
		n = min(n, pool-i)
		b.StopTimer()
		pause := cputime.Process()
		ds = encode(ds, r, i, i+n, seq)
		cpu0 += cputime.Process() - pause
		b.StartTimer()
		seq += uint64(n)
		done += n
		now = base.Add(time.Duration(done) * step)
		if err := s.handle(ctx, ds); err != nil {
			b.Fatal(err)
		}
		if !now.Before(nextSnap) {
			c := cputime.Process()
			if err := s.snapshot(); err != nil {
				b.Fatal(err)
			}
			snapCPU += cputime.Process() - c
			snaps++
			nextSnap = nextSnap.Add(interval)
		}
	}
	cpu := cputime.Process() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/alert")
	b.ReportMetric(float64(snapCPU.Microseconds())/float64(b.N), "snap-cpu-µs/alert")
	if snaps > 0 {
		b.ReportMetric(float64(snapCPU.Milliseconds())/float64(snaps), "cpu-ms/snapshot")
		// The snapshot file and its alert segments on disk.
		names, _ := filepath.Glob(snap + "*")
		var size int64
		for _, n := range names {
			if fi, err := os.Stat(n); err == nil {
				size += fi.Size()
			}
		}
		b.ReportMetric(float64(size)/1e6, "snapshot-MB")
	}
	b.ReportMetric(float64(fake.published)/float64(b.N), "emitted/alert")
}
