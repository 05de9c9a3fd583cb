package bustest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/bus"
)

// batchOneByOne runs the per-message cases through ConsumeBatch: Consume
// becomes ConsumeBatch with batches of one message (so that Concurrency
// keeps its per-message meaning) and a batch handler that calls the
// per-message handler. Every delivery contract must hold the same.
type batchOneByOne struct{ Bus }

func (b batchOneByOne) Consume(ctx context.Context, subject, durable string, opts bus.ConsumeOptions, h bus.Handler) error {
	if opts.MaxBatch == 0 {
		opts.MaxBatch = 1
	}
	var bh bus.BatchHandler
	if h != nil {
		bh = func(ctx context.Context, ds []bus.Delivery) error {
			errs := make([]error, len(ds))
			for i, d := range ds {
				errs[i] = h(ctx, d)
			}
			return bus.BatchErrors(errs)
		}
	}
	return b.ConsumeBatch(ctx, subject, durable, opts, bh)
}

// batches records what a batch handler received, batch by batch.
type batches struct {
	mu  sync.Mutex
	got [][]bus.Delivery
	ch  chan []bus.Delivery
}

func newBatches() *batches { return &batches{ch: make(chan []bus.Delivery, 1024)} }

func (b *batches) add(ds []bus.Delivery) {
	b.mu.Lock()
	b.got = append(b.got, slices.Clone(ds))
	b.mu.Unlock()
	b.ch <- ds
}

// until receives batches until the deliveries seen so far satisfy done.
func (b *batches) until(t *testing.T, what string, done func([]bus.Delivery) bool) []bus.Delivery {
	t.Helper()
	var all []bus.Delivery
	for !done(all) {
		all = append(all, recv(t, b.ch, what)...)
	}
	return all
}

// consumeBatch starts b.ConsumeBatch and stops it at the end of the test.
func consumeBatch(t *testing.T, b bus.Consumer, subject, durable string, opts bus.ConsumeOptions, h bus.BatchHandler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- b.ConsumeBatch(ctx, subject, durable, opts, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(waitTimeout):
			t.Errorf("ConsumeBatch(%s, %s) did not return within %v of cancellation", subject, durable, waitTimeout)
		}
	})
	return r
}

func publishAll(t *testing.T, p bus.Publisher, ms []bus.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := p.PublishBatch(ctx, ms); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}
}

func numbered(prefix string, n int) ([]bus.Message, []string) {
	ms := make([]bus.Message, n)
	ks := make([]string, n)
	for i := range ms {
		ms[i] = msg(fmt.Sprintf("%s%02d", prefix, i))
		ks[i] = ms[i].Key
	}
	return ms, ks
}

// testBatchSizeAndOrder: batches hold at most MaxBatch deliveries, a partial
// batch is handed over after MaxBatchWait, and with Concurrency 1 every
// message arrives once, in stream order.
func testBatchSizeAndOrder(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	ms, want := numbered("s", 10)
	publishAll(t, b, ms)
	rec := newBatches()
	opts := bus.ConsumeOptions{MaxBatch: 4, MaxBatchWait: 50 * time.Millisecond}
	consumeBatch(t, b, bus.SubjectIn, "sizes", opts, func(_ context.Context, ds []bus.Delivery) error {
		rec.add(ds)
		return nil
	})
	got := rec.until(t, "all ten messages", func(ds []bus.Delivery) bool { return len(ds) >= len(want) })
	if diff := cmp.Diff(want, keys(got)); diff != "" {
		t.Errorf("keys in delivery order (-want +got):\n%s", diff)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, batch := range rec.got {
		if len(batch) == 0 || len(batch) > opts.MaxBatch {
			t.Errorf("batch %d has %d deliveries, want 1..%d", i, len(batch), opts.MaxBatch)
		}
	}
}

// testBatchPerMessageOutcomes: a *BatchError settles each delivery on its
// own: done ones are not redelivered, a transient failure comes back, a
// Permanent one is dead-lettered.
func testBatchPerMessageOutcomes(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	poison := msg("poison")
	poison.Header = map[string]string{bus.HeaderSender: "sensor-7"}
	publishAll(t, b, []bus.Message{msg("ok1"), msg("flaky"), poison, msg("ok2")})

	var calls callCounter
	rec := newBatches()
	opts := bus.ConsumeOptions{MaxBatch: 10, MaxBatchWait: 200 * time.Millisecond, Backoff: fastBackoff()}
	consumeBatch(t, b, bus.SubjectIn, "mixed", opts, func(_ context.Context, ds []bus.Delivery) error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			calls.inc(d.Key)
			switch {
			case d.Key == "poison":
				errs[i] = bus.Permanent(errors.New("unparsable alert"))
			case d.Key == "flaky" && d.Attempt == 1:
				errs[i] = errTransient
			}
		}
		rec.add(ds)
		return bus.BatchErrors(errs)
	})
	dl := deadLetters(t, b)
	d := recv(t, dl.ch, "dead letter")
	checkDeadLetter(t, d, poison, "mixed", "1", "unparsable alert")

	rec.until(t, "the flaky message's second attempt", func(ds []bus.Delivery) bool {
		return slices.ContainsFunc(ds, func(d bus.Delivery) bool { return d.Key == "flaky" && d.Attempt == 2 })
	})
	publish(t, b, msg("marker"))
	rec.until(t, "marker", func(ds []bus.Delivery) bool { return seen(ds, "marker") })
	for key, want := range map[string]int{"ok1": 1, "ok2": 1, "poison": 1, "flaky": 2} {
		if n := calls.get(key); n != want {
			t.Errorf("%s handled %d times, want %d", key, n, want)
		}
	}
}

// testBatchWholeError: a plain error (or a panic) applies to every delivery
// of the batch; after MaxDeliver attempts they are all dead-lettered.
func testBatchWholeError(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	publishAll(t, b, []bus.Message{msg("p1"), msg("p2")})
	opts := bus.ConsumeOptions{MaxBatch: 10, MaxBatchWait: 200 * time.Millisecond, MaxDeliver: 2, Backoff: fastBackoff()}
	consumeBatch(t, b, bus.SubjectIn, "whole", opts, func(_ context.Context, ds []bus.Delivery) error {
		if ds[0].Attempt == 1 {
			return errors.New("store unavailable")
		}
		panic("corrupt batch")
	})
	dl := deadLetters(t, b)
	got := dl.until(t, "both dead letters", func(ds []bus.Delivery) bool { return seen(ds, "p1", "p2") })
	for _, d := range got {
		checkDeadLetter(t, d, msg(d.Key), "whole", "2", "corrupt batch")
	}
}

// testBatchAckDurable: the deliveries of a batch the handler finished are
// acknowledged, every one of them: after a clean close and reopen, none is
// delivered again.
func testBatchAckDurable(t *testing.T, open Opener) {
	b1 := openBus(t, open, testStreams())
	ms, want := numbered("d", 20)
	publishAll(t, b1, ms)
	rec := newBatches()
	opts := bus.ConsumeOptions{MaxBatch: 8, MaxBatchWait: 50 * time.Millisecond}
	r := consumeBatch(t, b1, bus.SubjectIn, "acks", opts, func(_ context.Context, ds []bus.Delivery) error {
		rec.add(ds)
		return nil
	})
	rec.until(t, "all twenty messages", func(ds []bus.Delivery) bool { return seen(ds, want...) })
	r.cancel()
	if err := r.wait(t); err != nil {
		t.Errorf("ConsumeBatch after cancellation returned %v, want nil", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := b1.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}

	b2 := openBus(t, open, testStreams())
	publish(t, b2, msg("marker"))
	rec2 := newBatches()
	consumeBatch(t, b2, bus.SubjectIn, "acks", opts, func(_ context.Context, ds []bus.Delivery) error {
		rec2.add(ds)
		return nil
	})
	got := rec2.until(t, "marker", func(ds []bus.Delivery) bool { return seen(ds, "marker") })
	if diff := cmp.Diff([]string{"marker"}, keys(got)); diff != "" {
		t.Errorf("deliveries after reopening (-want +got):\n%s", diff)
	}
}
