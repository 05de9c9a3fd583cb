package bustest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/bus"
)

// testDurableAcrossReopen: after the bus is closed while a handler holds a
// message (a crash, for that message) and reopened on the same state,
// acknowledged messages are not delivered again, the held one is, and the
// never-delivered one is.
func testDurableAcrossReopen(t *testing.T, open Opener) {
	b1 := openBus(t, open, testStreams())
	publish(t, b1, msg("a1"), msg("a2"), msg("u1"), msg("u2"))

	// MaxInFlight 1: u1 is only delivered once a1 and a2 are acknowledged.
	opts := bus.ConsumeOptions{MaxInFlight: 1, AckWait: 2 * time.Second}
	holding := make(chan struct{})
	release := make(chan struct{})
	c1 := newCollector(func(d bus.Delivery) error {
		if d.Key == "u1" {
			close(holding)
			<-release
		}
		return nil
	})
	r1 := consume(t, b1, bus.SubjectIn, "durable", opts, c1.handle)
	recv(t, holding, "u1 to reach the handler")

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := b1.Close(ctx); err != nil {
		t.Fatalf("close with a handler in flight: %v", err)
	}
	close(release) // too late to acknowledge: the bus is closed
	_ = r1.wait(t) // Consume ends because its bus closed; the error is engine-specific

	b2 := openBus(t, open, testStreams())
	c2 := newCollector(nil)
	consume(t, b2, bus.SubjectIn, "durable", opts, c2.handle)
	got := c2.until(t, "u1 and u2 after reopening", func(ds []bus.Delivery) bool { return seen(ds, "u1", "u2") })
	for _, d := range got {
		switch d.Key {
		case "a1", "a2":
			t.Errorf("acknowledged message %s delivered again after reopening (attempt %d)", d.Key, d.Attempt)
		case "u1":
			if d.Attempt < 2 {
				t.Errorf("u1 redelivered with Attempt %d, want ≥ 2", d.Attempt)
			}
		}
	}
}

// testGracefulDrain: cancelling Consume lets in-flight handlers finish with
// a live context, acknowledges their messages, and hands back the rest.
func testGracefulDrain(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	for i := range 6 {
		publish(t, b, msg(fmt.Sprintf("m%d", i)))
	}
	const concurrency = 4
	started := make(chan string, 6)
	release := make(chan struct{})
	var cancelled atomic.Int32
	h := func(ctx context.Context, d bus.Delivery) error {
		started <- d.Key
		<-release
		if ctx.Err() != nil {
			cancelled.Add(1)
		}
		return nil
	}
	// A short AckWait: a prefetched message handed back while the consumer
	// stops may, on some servers (NATS 2.9), only come back once its
	// AckWait has passed. Nothing is lost; the test need not wait 30 s.
	opts := bus.ConsumeOptions{Concurrency: concurrency, MaxInFlight: 6, AckWait: 5 * time.Second}
	r := consume(t, b, bus.SubjectIn, "drain", opts, h)
	inFlight := map[string]bool{}
	for range concurrency {
		inFlight[recv(t, started, "handlers to start")] = true
	}
	r.cancel()
	close(release)
	if err := r.wait(t); err != nil {
		t.Errorf("Consume after cancellation returned %v, want nil", err)
	}
	if n := cancelled.Load(); n != 0 {
		t.Errorf("%d in-flight handlers saw their context cancelled during the drain", n)
	}

	// Restart the stage: the four drained messages were acknowledged, the
	// two others come (back) first, then a new one.
	publish(t, b, msg("after"))
	c := newCollector(nil)
	consume(t, b, bus.SubjectIn, "drain", opts, c.handle)
	var rest []string
	for i := range 6 {
		if k := fmt.Sprintf("m%d", i); !inFlight[k] {
			rest = append(rest, k)
		}
	}
	got := c.until(t, "the undrained messages", func(ds []bus.Delivery) bool { return seen(ds, append(rest, "after")...) })
	for _, d := range got {
		if inFlight[d.Key] {
			t.Errorf("message %s, acknowledged during the drain, delivered again", d.Key)
		}
	}
}

// testConcurrency: Concurrency handlers run at once, never more.
func testConcurrency(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	const concurrency, total = 8, 40
	ms := make([]bus.Message, total)
	for i := range ms {
		ms[i] = msg(fmt.Sprintf("c%02d", i))
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := b.PublishBatch(ctx, ms); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}

	var running, peak, arrivals atomic.Int32
	barrier := make(chan struct{})
	c := newCollector(nil)
	h := func(ctx context.Context, d bus.Delivery) error {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		// The first `concurrency` handlers wait for each other: this only
		// completes if they really run at the same time.
		if a := arrivals.Add(1); a == concurrency {
			close(barrier)
		} else if a < concurrency {
			select {
			case <-barrier:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return c.handle(ctx, d)
	}
	consume(t, b, bus.SubjectIn, "conc", bus.ConsumeOptions{Concurrency: concurrency, MaxInFlight: 16}, h)
	recv(t, barrier, fmt.Sprintf("%d handlers to run at once", concurrency))
	want := make([]string, total)
	for i, m := range ms {
		want[i] = m.Key
	}
	c.until(t, "all messages", func(ds []bus.Delivery) bool { return seen(ds, want...) })
	if p := peak.Load(); p > concurrency {
		t.Errorf("peak concurrent handlers = %d, want ≤ %d", p, concurrency)
	}
}
