package ingest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

// fakeLag is a pipeline of stages in a row, each draining at most a given
// number of messages per step, with a clock advanced one step at a time.
// It reports each stage's pending like the bus does.
type fakeLag struct {
	t       *testing.T
	limit   *LagLimit
	now     time.Time
	step    time.Duration
	pending map[string]uint64
	stages  []Stage
	fail    error
	reads   int
}

func (f *fakeLag) Pending(_ context.Context, _, durable string) (uint64, error) {
	f.reads++
	if f.fail != nil {
		return 0, f.fail
	}
	return f.pending[durable], nil
}

func newFakeLag(t *testing.T, opts LagLimitOptions, stages ...string) *fakeLag {
	t.Helper()
	f := &fakeLag{t: t, now: time.Unix(1e9, 0), step: 250 * time.Millisecond, pending: map[string]uint64{}}
	for _, s := range stages {
		f.stages = append(f.stages, Stage{Subject: "alerts." + s, Durable: s})
	}
	opts.Lag, opts.Stages, opts.Interval = f, f.stages, f.step
	opts.Now = func() time.Time { return f.now }
	l, err := NewLagLimit(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.limit = l
	return f
}

// run advances the clock by one step in which ingest published pub alerts
// and stage i drained at most drain[i] messages, then asks the limit
// whether to admit one more alert.
func (f *fakeLag) run(pub int, drain ...int) error {
	f.t.Helper()
	f.limit.published.Add(uint64(pub))
	arrived := uint64(pub)
	for i, st := range f.stages {
		have := f.pending[st.Durable] + arrived
		d := min(have, uint64(drain[i]))
		f.pending[st.Durable] = have - d
		arrived = d
	}
	f.now = f.now.Add(f.step)
	return f.limit.Admit(context.Background(), 0)
}

// runUntil runs steps until the limit's answer is refused (or not), for at
// most n steps, and returns how many it took.
func (f *fakeLag) runUntil(refused bool, n, pub int, drain ...int) int {
	f.t.Helper()
	for i := 1; i <= n; i++ {
		if err := f.run(pub, drain...); (err != nil) == refused {
			return i
		}
	}
	f.t.Fatalf("after %d steps (pending %v, rates %v): still refused=%v", n, f.pending, f.limit.Rates(), !refused)
	return 0
}

func refusal(t *testing.T, err error) {
	t.Helper()
	var u *transport.UnavailableError
	if !errors.As(err, &u) || u.RetryAfter <= 0 {
		t.Fatalf("want a 503 with Retry-After, got %v", err)
	}
}

// TestLagLimitIdleStartAccepts: an idle pipeline, and a cold start with a
// backlog whose drain rate is not known yet, are no reason to refuse.
func TestLagLimitIdleStartAccepts(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second}, "enrich", "store")
	for i := range 20 {
		if err := f.run(0, 0, 0); err != nil {
			t.Fatalf("idle step %d: %v", i, err)
		}
	}
	if r := f.limit.Rates(); r[0] != 0 || r[1] != 0 {
		t.Errorf("idle stages: rates %v, want unknown (0)", r)
	}
	// A backlog left from before a restart, not moving yet: its rate is
	// unknown, so only MaxPending (none here) could refuse.
	f.pending["store"] = 50000
	for i := range 4 {
		if err := f.run(0, 0, 0); err != nil {
			t.Fatalf("cold backlog step %d: %v", i, err)
		}
	}
}

// TestLagLimitRefusesPastTheLatencyTarget: ingest publishes 2,000/s into a
// stage that drains 1,000/s: the backlog grows by 250 a step, and ingest
// refuses once it is worth more than a second (1,000 messages) at the
// measured rate, not before; it accepts again once the backlog drained.
func TestLagLimitRefusesPastTheLatencyTarget(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MinPending: 200}, "enrich")
	f.pending["enrich"] = 300
	steps := f.runUntil(true, 40, 500, 250)
	refusal(t, f.run(250, 250)) // still behind while it keeps that backlog
	if p := f.pending["enrich"]; p < 1000 || p > 1500 {
		t.Errorf("refused after %d steps at %d pending (drain rate %v/s); want it past 1 s (1000) of backlog, within two steps", steps, p, f.limit.Rates()[0])
	}
	if r := f.limit.Rates()[0]; math.Abs(r-1000) > 1 {
		t.Errorf("measured drain rate %v/s, want 1000", r)
	}
	// Senders back off: nothing published; the stage drains.
	f.runUntil(false, 20, 0, 250)
	if p := f.pending["enrich"]; p > 1000 {
		t.Errorf("accepted again with %d pending: more than 1 s at 1000/s", p)
	}
}

// TestLagLimitAdaptsToRateChanges: the same backlog is fine once the
// stage drains faster, and too much once it drains slower.
func TestLagLimitAdaptsToRateChanges(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MinPending: 200}, "enrich")
	f.pending["enrich"] = 2000
	// 2,000 pending at 1,000/s (250 a step, as much arriving): 2 s, refused.
	f.runUntil(true, 20, 250, 250)
	// The stage speeds up to 4,000/s with the same backlog: 0.5 s.
	f.pending["enrich"] = 2000
	f.runUntil(false, 20, 1000, 1000)
	for range 5 {
		if err := f.run(1000, 1000); err != nil {
			t.Fatalf("0.5 s of backlog after the speed-up: %v", err)
		}
	}
	if r := f.limit.Rates()[0]; r < 3000 {
		t.Errorf("after the speed-up: rate %v/s, want near 4000", r)
	}
	// It slows down to 500/s with 800 pending: 1.6 s, refused again.
	f.pending["enrich"] = 800
	f.runUntil(true, 20, 125, 125)
	if r := f.limit.Rates()[0]; r > 1000 {
		t.Errorf("after the slow-down: rate %v/s, want near 500", r)
	}
}

// TestLagLimitKeepingUpIsNotCapacity: a stage that keeps up with a low
// input rate drains only that much, which says nothing of how fast it can
// go: a burst then is not refused on that low rate, and a backlog under
// MinPending is never refused.
func TestLagLimitKeepingUpIsNotCapacity(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second}, "enrich")
	// 10,000/s capacity, 400/s arriving, a steady 50 in flight.
	f.pending["enrich"] = 50
	for i := range 10 {
		if err := f.run(100, 100); err != nil {
			t.Fatalf("steady step %d: %v", i, err)
		}
	}
	if r := f.limit.Rates()[0]; math.Abs(r-400) > 1 {
		t.Fatalf("rate while keeping up: %v/s, want 400 (what it drained)", r)
	}
	// A burst: 3,000 arrive, 2,500 drained at once (its capacity).
	for i := range 3 {
		if err := f.run(3000, 2500); err != nil && i > 0 {
			t.Fatalf("burst step %d, %d pending at a measured %v/s: %v", i, f.pending["enrich"], f.limit.Rates()[0], err)
		}
	}
	if r := f.limit.Rates()[0]; r < 5000 {
		t.Errorf("after the burst: rate %v/s, want it raised towards 10000", r)
	}
	// Known to drain 10,000/s, the stage goes quiet (400/s arriving, kept
	// up with): that lower rate does not lower the estimate, and a 3,000
	// backlog (0.3 s) is then accepted.
	for range 10 {
		if err := f.run(2500, 2500); err != nil {
			t.Fatal(err)
		}
	}
	f.pending["enrich"] = 50
	for range 20 {
		if err := f.run(100, 100); err != nil {
			t.Fatal(err)
		}
	}
	if r := f.limit.Rates()[0]; r < 9000 {
		t.Fatalf("after a quiet spell: rate %v/s, want the 10000 measured before", r)
	}
	if err := f.run(3000, 0); err != nil {
		t.Errorf("3,000 pending at 10,000/s: %v", err)
	}
	// A slow stage with a small backlog: under MinPending (500), accepted.
	g := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second}, "enrich")
	g.pending["enrich"] = 450
	for i := range 10 {
		if err := g.run(10, 10); err != nil {
			t.Fatalf("450 pending at 40/s, step %d: %v", i, err)
		}
	}
}

// TestLagLimitChainsTheStages: the second stage must work off its own
// backlog and the first stage's before a new alert; what the first stage
// acknowledges is what the second one receives.
func TestLagLimitChainsTheStages(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MinPending: 200}, "enrich", "store")
	f.pending["enrich"], f.pending["store"] = 1000, 1000
	// Both drain 4,000/s (1,000 a step) with 1,000 arriving: 0.25 s each.
	for i := range 8 {
		if err := f.run(1000, 1000, 1000); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// The store slows to 2,000/s: its backlog grows, and once both
	// backlogs are worth more than 1 s at the store's rate, ingest refuses.
	f.runUntil(true, 20, 1000, 1000, 500)
	r := f.limit.Rates()
	if math.Abs(r[0]-4000) > 1 || r[1] > 3000 {
		t.Errorf("rates %v, want 4000 and near 2000", r)
	}
	if wait := float64(f.pending["enrich"]+f.pending["store"]) / r[1]; wait < 1 {
		t.Errorf("refused with %v pending, %.2fs of work at rates %v", f.pending, wait, r)
	}
}

// TestLagLimitProjectsBetweenReadings: between two readings of the
// stages, what ingest publishes counts at once, and what the stages drain
// in the meantime too: a burst is refused before the next reading, and
// accepted again as time passes, without asking the bus.
func TestLagLimitProjectsBetweenReadings(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MinPending: 200}, "enrich")
	f.pending["enrich"] = 1000
	for range 6 { // 4,000/s, 1,000 a step, a steady 0.25 s
		if err := f.run(1000, 1000); err != nil {
			t.Fatal(err)
		}
	}
	f.step = 0 // no reading until the clock moves
	reads := f.reads
	admit := func(n int) error { return f.limit.Admit(context.Background(), n) }
	if err := admit(2000); err != nil { // 0.25 s before it, 0.75 s after
		t.Fatalf("0.25 s of backlog projected: %v", err)
	}
	if err := admit(1200); err != nil { // 0.75 s before it, 1.05 s after
		t.Fatalf("0.75 s of backlog projected: %v", err)
	}
	refusal(t, admit(1))                      // 1.05 s: refused, and not counted
	f.now = f.now.Add(100 * time.Millisecond) // 400 drained since: 0.95 s
	if err := admit(400); err != nil {
		t.Fatalf("0.95 s of backlog projected 100ms later: %v", err)
	}
	refusal(t, admit(1)) // 1.05 s
	if f.reads != reads {
		t.Errorf("%d readings of the bus, want none: the projection needs none", f.reads-reads)
	}
	if got := f.limit.published.Load() - f.limit.snap.Load().pubAt; got != 3600 {
		t.Errorf("%d alerts counted since the reading, want the 3600 admitted", got)
	}
}

// TestLagLimitBigBatchIsNotStarved: a batch worth more than MaxLatency on
// its own still goes through once the stages caught up.
func TestLagLimitBigBatchIsNotStarved(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: 500 * time.Millisecond, MinPending: 200}, "enrich", "store")
	f.pending["enrich"], f.pending["store"] = 1000, 1000
	for range 6 { // 2,000/s each
		if err := f.run(500, 500, 500); err != nil && f.pending["store"] < 600 {
			t.Fatal(err)
		}
	}
	f.runUntil(false, 20, 0, 500, 500) // caught up
	if err := f.limit.Admit(context.Background(), 5000); err != nil {
		t.Fatalf("a 2.5 s batch into idle stages: %v", err)
	}
	refusal(t, f.limit.Admit(context.Background(), 1))
}

// TestLagLimitHardCap: MaxPending refuses whatever the rate; without a
// latency target, it is the only limit.
func TestLagLimitHardCap(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MaxPending: 5000}, "enrich")
	f.pending["enrich"] = 4000
	for i := range 4 {
		if err := f.run(4000, 4000); err != nil { // 16,000/s: 0.25 s
			t.Fatalf("step %d: %v", i, err)
		}
	}
	f.pending["enrich"] = 6000
	refusal(t, f.run(4000, 4000))

	g := newFakeLag(t, LagLimitOptions{MaxPending: 1000}, "enrich")
	g.pending["enrich"] = 900
	if err := g.run(0, 0); err != nil {
		t.Fatalf("900 pending, limit 1000: %v", err)
	}
	g.pending["enrich"] = 1001
	refusal(t, g.run(0, 0))
}

// TestLagLimitUnreadableLagAccepts: a bus that cannot tell its lag is no
// reason to refuse alerts, and the rate is not guessed across the gap.
func TestLagLimitUnreadableLagAccepts(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxLatency: time.Second, MaxPending: 10}, "enrich")
	f.pending["enrich"] = 5000
	f.fail = fmt.Errorf("bus down")
	for i := range 4 {
		if err := f.run(100, 0); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if r := f.limit.Rates()[0]; r != 0 {
		t.Errorf("rate %v measured without readings", r)
	}
}

func TestNewLagLimitNeedsALimit(t *testing.T) {
	if _, err := NewLagLimit(LagLimitOptions{Lag: &fakeLag{}, Stages: []Stage{{"a", "b"}}}); err == nil {
		t.Error("no MaxPending nor MaxLatency: want an error")
	}
}

// BenchmarkLagLimitAdmit is the cost Admit adds to every ingest request
// between two readings of the stages (projection and count only).
func BenchmarkLagLimitAdmit(b *testing.B) {
	f := &fakeLag{now: time.Unix(1e9, 0), pending: map[string]uint64{"enrich": 100, "store": 100}}
	l, err := NewLagLimit(LagLimitOptions{Lag: f, MaxLatency: time.Second, MaxPending: 1 << 40, Interval: time.Hour,
		Stages: []Stage{{"alerts.in", "enrich"}, {"alerts.enriched", "store"}}, Now: func() time.Time { return f.now }})
	if err != nil {
		b.Fatal(err)
	}
	l.st[0].rate, l.st[1].rate = 1e9, 1e9 // known rates: the projection runs
	ctx := context.Background()
	if err := l.Admit(ctx, 1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Admit(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLagLimitBranchesOnlyCapped: a consumer beside the chain (correlation)
// refuses alerts only past MaxPending; its backlog does not count towards
// the latency of the chain, which decides when an alert is queryable.
func TestLagLimitBranchesOnlyCapped(t *testing.T) {
	f := &fakeLag{t: t, now: time.Unix(1e9, 0), step: 250 * time.Millisecond, pending: map[string]uint64{}}
	f.stages = []Stage{{Subject: "alerts.in", Durable: "enrich"}}
	l, err := NewLagLimit(LagLimitOptions{
		Lag: f, Stages: f.stages, Branches: []Stage{{Subject: "alerts.enriched", Durable: "correlate"}},
		MaxLatency: time.Second, MaxPending: 5000, Interval: f.step, Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.limit = l
	// The chain keeps up at 16,000/s; the branch holds 4,000, which would
	// be far more than a second at the chain's rate if it were counted.
	f.pending["correlate"] = 4000
	for i := range 6 {
		if err := f.run(4000, 4000); err != nil {
			t.Fatalf("step %d: a branch under its cap refused alerts: %v", i, err)
		}
	}
	f.pending["correlate"] = 5001
	refusal(t, f.run(4000, 4000))
}

// TestLagLimitHardCapProjected: between two readings, what ingest admits
// counts against the first stage's cap, so that a burst (a cold start at
// tens of thousands of alerts/s) cannot overshoot it by a whole interval.
func TestLagLimitHardCapProjected(t *testing.T) {
	f := newFakeLag(t, LagLimitOptions{MaxPending: 5000}, "enrich", "store")
	f.pending["enrich"] = 4000
	if err := f.run(0, 0, 0); err != nil { // a reading: 4,000 pending
		t.Fatal(err)
	}
	ctx := context.Background()
	// No new reading (same clock); as for the latency bound, the request
	// being admitted does not count, only what was admitted before it.
	for i, n := range []int{500, 500, 1} {
		if err := f.limit.Admit(ctx, n); err != nil {
			t.Fatalf("admission %d (%d projected before it): %v", i, 4000+500*i, err)
		}
	}
	refusal(t, f.limit.Admit(ctx, 1)) // 5,001 projected: over the cap
	// The stage drained at the next reading: accepted again.
	f.pending["enrich"] = 0
	if err := f.run(0, 5000, 0); err != nil {
		t.Fatalf("after the drain: %v", err)
	}
}
