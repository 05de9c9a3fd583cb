package bustest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/bus"
)

// testStreams are the pipeline streams with limits small enough for a shared
// test server.
func testStreams() []bus.Stream {
	return []bus.Stream{
		{Subject: bus.SubjectIn, MaxBytes: 8 << 20},
		{Subject: bus.SubjectEnriched, MaxBytes: 8 << 20},
		{Subject: bus.SubjectDead, MaxBytes: 8 << 20},
	}
}

// withIn returns testStreams with the alerts.in stream replaced by in.
func withIn(in bus.Stream) []bus.Stream {
	streams := testStreams()
	in.Subject = bus.SubjectIn
	streams[0] = in
	return streams
}

// openBus opens a bus and closes it at the end of the test.
func openBus(t *testing.T, open Opener, streams []bus.Stream) Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	b, err := open(ctx, streams)
	if err != nil {
		t.Fatalf("open bus: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			t.Errorf("close bus: %v", err)
		}
	})
	return b
}

// running is a Consume call running in its own goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// consume starts b.Consume and stops it at the end of the test.
func consume(t *testing.T, b bus.Consumer, subject, durable string, opts bus.ConsumeOptions, h bus.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- b.Consume(ctx, subject, durable, opts, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(waitTimeout):
			t.Errorf("Consume(%s, %s) did not return within %v of cancellation", subject, durable, waitTimeout)
		}
	})
	return r
}

// wait returns the Consume call's result once it returns by itself. It puts
// the result back so that the cleanup does not block.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("Consume did not return within %v", waitTimeout)
		return nil
	}
}

// recv receives from ch or fails the test after waitTimeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		var zero T
		return zero
	}
}

// publish publishes messages one by one and fails the test on error.
func publish(t *testing.T, p bus.Publisher, ms ...bus.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	for i, m := range ms {
		if err := p.Publish(ctx, m); err != nil {
			t.Fatalf("publish #%d (key %q): %v", i, m.Key, err)
		}
	}
}

// msg builds a message for alerts.in whose key and data derive from name.
func msg(name string) bus.Message {
	return bus.Message{Subject: bus.SubjectIn, Key: name, Data: fmt.Appendf(nil, `{"ID":%q}`, name)}
}

// collector is a handler that forwards every delivery to a channel and then
// returns the result of an optional verdict function.
type collector struct {
	ch      chan bus.Delivery
	verdict func(bus.Delivery) error
}

func newCollector(verdict func(bus.Delivery) error) *collector {
	return &collector{ch: make(chan bus.Delivery, 1024), verdict: verdict}
}

func (c *collector) handle(_ context.Context, d bus.Delivery) error {
	c.ch <- d
	if c.verdict == nil {
		return nil
	}
	return c.verdict(d)
}

// until receives deliveries until done says so, and returns them all.
func (c *collector) until(t *testing.T, what string, done func([]bus.Delivery) bool) []bus.Delivery {
	t.Helper()
	var got []bus.Delivery
	for !done(got) {
		got = append(got, recv(t, c.ch, fmt.Sprintf("%s (received so far: %v)", what, keys(got))))
	}
	return got
}

// keys returns the keys of ds in order.
func keys(ds []bus.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Key
	}
	return out
}

// seen reports whether every key in want appears in ds.
func seen(ds []bus.Delivery, want ...string) bool {
	have := make(map[string]bool, len(ds))
	for _, d := range ds {
		have[d.Key] = true
	}
	for _, k := range want {
		if !have[k] {
			return false
		}
	}
	return true
}

var errTransient = errors.New("transient failure")
