package bustest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/bus"
)

// fastBackoff makes redelivery immediate so that retries do not slow the
// suite.
func fastBackoff() []time.Duration { return []time.Duration{0} }

// testAtLeastOnce: a handler error means the message comes back.
func testAtLeastOnce(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	publish(t, b, msg("m1"), msg("m2"), msg("m3"))
	c := newCollector(func(d bus.Delivery) error {
		if d.Attempt == 1 {
			return errTransient
		}
		return nil
	})
	consume(t, b, bus.SubjectIn, "retry", bus.ConsumeOptions{Backoff: fastBackoff()}, c.handle)

	got := c.until(t, "first and second attempts", func(ds []bus.Delivery) bool { return len(ds) == 6 })
	attempts := map[string][]int{}
	for _, d := range got {
		attempts[d.Key] = append(attempts[d.Key], d.Attempt)
	}
	want := map[string][]int{"m1": {1, 2}, "m2": {1, 2}, "m3": {1, 2}}
	if diff := cmp.Diff(want, attempts); diff != "" {
		t.Errorf("attempts per key (-want +got):\n%s", diff)
	}
}

// deadLetters consumes alerts.dead.
func deadLetters(t *testing.T, b Bus) *collector {
	dl := newCollector(nil)
	consume(t, b, bus.SubjectDead, "dlq-reader", bus.ConsumeOptions{}, dl.handle)
	return dl
}

// callCounter counts handler calls per key.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) inc(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
}

func (c *callCounter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// checkDeadLetter compares a dead letter with the message it came from.
func checkDeadLetter(t *testing.T, d bus.Delivery, orig bus.Message, consumer, attempts, reasonPart string) {
	t.Helper()
	if d.Key != orig.Key || string(d.Data) != string(orig.Data) {
		t.Errorf("dead letter key/data = %q/%q, want %q/%q", d.Key, d.Data, orig.Key, orig.Data)
	}
	for k, v := range orig.Header {
		if d.Header[k] != v {
			t.Errorf("dead letter header %s = %q, want the original %q", k, d.Header[k], v)
		}
	}
	wantHdr := map[string]string{
		bus.HeaderDeadSubject:  orig.Subject,
		bus.HeaderDeadConsumer: consumer,
		bus.HeaderDeadAttempts: attempts,
	}
	for k, v := range wantHdr {
		if d.Header[k] != v {
			t.Errorf("dead letter header %s = %q, want %q", k, d.Header[k], v)
		}
	}
	if r := d.Header[bus.HeaderDeadReason]; !strings.Contains(r, reasonPart) {
		t.Errorf("dead letter reason %q does not contain %q", r, reasonPart)
	}
}

// testPermanent: a Permanent error dead-letters at once, with the reason and
// the sender's identity, and the message is not redelivered.
func testPermanent(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	poison := msg("poison")
	poison.Header = map[string]string{bus.HeaderSender: "sensor-42", bus.HeaderContentType: "application/json"}
	publish(t, b, poison, msg("good"))

	var calls callCounter
	c := newCollector(func(d bus.Delivery) error {
		calls.inc(d.Key)
		if d.Key == "poison" {
			return bus.Permanent(errors.New("schema: missing required field ID"))
		}
		return nil
	})
	consume(t, b, bus.SubjectIn, "perm", bus.ConsumeOptions{Backoff: fastBackoff()}, c.handle)
	dl := deadLetters(t, b)

	d := recv(t, dl.ch, "dead letter")
	checkDeadLetter(t, d, poison, "perm", "1", "missing required field ID")

	// A marker published after the dead letter is handled once the stage has
	// moved on; had the poison been redelivered (immediate back-off), it
	// would have been handled again by then.
	publish(t, b, msg("marker"))
	c.until(t, "marker", func(ds []bus.Delivery) bool { return seen(ds, "marker") })
	if n := calls.get("poison"); n != 1 {
		t.Errorf("poison handled %d times, want 1 (dead-lettered, not redelivered)", n)
	}
}

// testMaxDeliver: a message that keeps failing is dead-lettered after
// MaxDeliver attempts.
func testMaxDeliver(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	flaky := msg("flaky")
	flaky.Header = map[string]string{bus.HeaderSender: "sensor-9"}
	publish(t, b, flaky)

	var calls callCounter
	c := newCollector(func(d bus.Delivery) error {
		if d.Key == "flaky" {
			calls.inc(d.Key)
			return errors.New("enricher unavailable")
		}
		return nil
	})
	consume(t, b, bus.SubjectIn, "maxdel", bus.ConsumeOptions{MaxDeliver: 3, Backoff: fastBackoff()}, c.handle)
	dl := deadLetters(t, b)

	d := recv(t, dl.ch, "dead letter")
	checkDeadLetter(t, d, flaky, "maxdel", "3", "enricher unavailable")

	publish(t, b, msg("marker"))
	got := c.until(t, "marker", func(ds []bus.Delivery) bool { return seen(ds, "marker") })
	var attempts []int
	for _, d := range got {
		if d.Key == "flaky" {
			attempts = append(attempts, d.Attempt)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 3}, attempts); diff != "" {
		t.Errorf("attempts of the failing message (-want +got):\n%s", diff)
	}
}

// testPanic: a panicking handler does not kill the consumer; the message is
// retried and dead-lettered like any failure.
func testPanic(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	publish(t, b, msg("boom"), msg("fine"))
	c := newCollector(func(d bus.Delivery) error {
		if d.Key == "boom" {
			panic("nil map write")
		}
		return nil
	})
	consume(t, b, bus.SubjectIn, "panicky", bus.ConsumeOptions{MaxDeliver: 2, Backoff: fastBackoff()}, c.handle)
	dl := deadLetters(t, b)
	d := recv(t, dl.ch, "dead letter of the panicking message")
	checkDeadLetter(t, d, msg("boom"), "panicky", "2", "nil map write")
	c.until(t, "the next message", func(ds []bus.Delivery) bool { return seen(ds, "fine") })
}
