package correlate

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/bus/nats"
)

// collector gathers the alerts published to alerts.in.
type collector struct {
	mu     sync.Mutex
	alerts []*idmefv2.Alert
}

func (c *collector) handle(_ context.Context, ds []bus.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range ds {
		a, err := idmefv2.Decode(d.Data)
		if err != nil {
			return bus.Permanent(err)
		}
		c.alerts = append(c.alerts, a)
	}
	return nil
}

func (c *collector) wait(t *testing.T, n int) []*idmefv2.Alert {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := len(c.alerts)
		c.mu.Unlock()
		if got >= n {
			c.mu.Lock()
			defer c.mu.Unlock()
			return append([]*idmefv2.Alert(nil), c.alerts...)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d alerts on alerts.in, want %d", len(c.alerts), n)
	return nil
}

func publish(t *testing.T, b *nats.Bus, as ...*idmefv2.Alert) {
	t.Helper()
	var ms []bus.Message
	for _, a := range as {
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, bus.Message{Subject: bus.SubjectEnriched, Key: a.ID, Data: data})
	}
	if err := b.PublishBatch(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
}

// runStage runs a stage over a fresh engine restored from snap until
// stop is called; stop waits for the stage to save its state.
func runStage(t *testing.T, b *nats.Bus, snap string) (stop func()) {
	t.Helper()
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	if err := e.LoadSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	s, err := NewStage(StageOptions{Bus: b, Engine: e, SnapshotPath: snap, Consume: bus.ConsumeOptions{MaxBatchWait: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stage: %v", err)
		}
	}
}

// TestStageWindowsSurviveRestart runs the stage on an embedded bus: two
// failures, a restart (state saved and restored through the snapshot
// file), a third failure: the correlation alert lands on alerts.in with
// all three.
func TestStageWindowsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	b, err := nats.Open(ctx, nats.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background()) //nolint:errcheck // test cleanup
	var in collector
	rctx, stopReader := context.WithCancel(ctx)
	defer stopReader()
	go func() {
		_ = b.ConsumeBatch(rctx, bus.SubjectIn, "reader", bus.ConsumeOptions{MaxBatchWait: 5 * time.Millisecond}, in.handle)
	}()

	snap := filepath.Join(t.TempDir(), "correlation.json")
	now := time.Now().UTC().Truncate(time.Second)
	fail := func(n int) *idmefv2.Alert {
		a := mk(alertSpec{n: n, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
		a.CreateTime = idmefv2.FormatTime(now.Add(time.Duration(n) * time.Second))
		return a
	}
	stop := runStage(t, b, snap)
	publish(t, b, fail(1), fail(2))
	// Wait until the stage processed both (its snapshot mark is saved at
	// shutdown); nothing is emitted yet.
	time.Sleep(300 * time.Millisecond)
	stop()
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after shutdown: %v", err)
	}

	stop = runStage(t, b, snap)
	defer stop()
	publish(t, b, fail(3))
	out := in.wait(t, 1)
	a := out[0]
	mustValid(t, a)
	if len(a.CorrelID) != 3 || a.CorrelID[0] != fail(1).ID || a.CorrelID[2] != fail(3).ID {
		t.Fatalf("CorrelID %v, want the two alerts from before the restart and the third", a.CorrelID)
	}
}

func TestReloaderPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(dir, "r.yml"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(bruteforce)
	r := &Reloader{Sources: []Source{{Name: "dir", FS: os.DirFS(dir)}}, Compile: testCompiler(failedDet)}
	rs, _, err := r.Check()
	if err != nil || rs == nil || len(rs.Rules()) != 2 {
		t.Fatalf("first load: %v, %v", rs, err)
	}
	if rs, _, err := r.Check(); rs != nil || err != nil {
		t.Fatalf("unchanged files reloaded: %v, %v", rs, err)
	}
	// A broken edit is refused with the problem; the caller keeps its rules.
	write(replace(bruteforce, "timespan: 5m", "timespan: five minutes plus"))
	rs, probs, err := r.Check()
	if err == nil || rs != nil || len(probs) == 0 {
		t.Fatalf("a broken file loaded: %v %v", rs, err)
	}
	write(replace(bruteforce, "gte: 3", "gte: 4"))
	if rs, _, err := r.Check(); err != nil || rs == nil {
		t.Fatalf("the fixed file did not load: %v", err)
	}
}
