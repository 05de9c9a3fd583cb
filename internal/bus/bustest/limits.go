package bustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/bus"
)

// testDedup: re-publishing the same key and data within the window stores
// nothing new; the same key with new data (an update) is stored. With packed
// batches, a repeated batch call is recognised, duplicates within a call
// too, but not a message sent once in a batch and once alone.
func testDedup(t *testing.T, open Opener, sem Semantics) {
	b := openBus(t, open, testStreams())
	update := msg("k1")
	update.Data = []byte(`{"ID":"k1","Status":"updated"}`)
	publish(t, b, msg("k1"), msg("k1"), update, msg("k1"))
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	for range 2 { // the second call is a retry of the first
		if err := b.PublishBatch(ctx, []bus.Message{msg("k2"), msg("k2"), msg("k3")}); err != nil {
			t.Fatalf("PublishBatch: %v", err)
		}
	}
	publish(t, b, msg("k3"), msg("end"))

	c := newCollector(nil)
	consume(t, b, bus.SubjectIn, "dedup", bus.ConsumeOptions{}, c.handle)
	got := c.until(t, "end marker", func(ds []bus.Delivery) bool { return seen(ds, "end") })
	var data []string
	for _, d := range got {
		data = append(data, string(d.Data))
	}
	want := []string{`{"ID":"k1"}`, `{"ID":"k1","Status":"updated"}`, `{"ID":"k2"}`, `{"ID":"k3"}`, `{"ID":"end"}`}
	if sem.PackedBatches {
		want = []string{`{"ID":"k1"}`, `{"ID":"k1","Status":"updated"}`, `{"ID":"k2"}`, `{"ID":"k3"}`, `{"ID":"k3"}`, `{"ID":"end"}`}
	}
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("stored messages (-want +got):\n%s", diff)
	}
}

// testBackpressureMaxMsgs: a stream at its message limit rejects new
// messages with ErrBackpressure and keeps the ones it has.
func testBackpressureMaxMsgs(t *testing.T, open Opener) {
	b := openBus(t, open, withIn(bus.Stream{MaxMsgs: 3, MaxBytes: 1 << 20}))
	publish(t, b, msg("s1"), msg("s2"), msg("s3"))
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()

	if err := b.Publish(ctx, msg("s4")); !errors.Is(err, bus.ErrBackpressure) {
		t.Fatalf("Publish to a full stream: got %v, want ErrBackpressure", err)
	}
	err := b.PublishBatch(ctx, []bus.Message{msg("s5"), msg("s6")})
	be, ok := errors.AsType[*bus.BatchError](err)
	if !ok || !errors.Is(err, bus.ErrBackpressure) {
		t.Fatalf("PublishBatch to a full stream: got %v, want a *BatchError matching ErrBackpressure", err)
	}
	if diff := cmp.Diff([]int{0, 1}, be.Failed()); diff != "" {
		t.Errorf("failed indexes (-want +got):\n%s", diff)
	}

	c := newCollector(nil)
	consume(t, b, bus.SubjectIn, "bp", bus.ConsumeOptions{}, c.handle)
	got := c.until(t, "the stored messages", func(ds []bus.Delivery) bool { return len(ds) == 3 })
	if diff := cmp.Diff([]string{"s1", "s2", "s3"}, keys(got)); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// Retention is by limits, not by consumption: still full after the acks.
	if err := b.Publish(ctx, msg("s7")); !errors.Is(err, bus.ErrBackpressure) {
		t.Errorf("Publish after consumption: got %v, want ErrBackpressure", err)
	}
}

// testBackpressureMaxBytes: the byte limit rejects too, and nothing stored
// before is lost or altered.
func testBackpressureMaxBytes(t *testing.T, open Opener) {
	b := openBus(t, open, withIn(bus.Stream{MaxBytes: 4096}))
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	var stored []bus.Message
	for i := range 100 {
		m := bus.Message{Subject: bus.SubjectIn, Key: fmt.Sprintf("b%02d", i), Data: bytes.Repeat([]byte{byte('a' + i%26)}, 500)}
		err := b.Publish(ctx, m)
		if errors.Is(err, bus.ErrBackpressure) {
			break
		}
		if err != nil {
			t.Fatalf("publish #%d: %v", i, err)
		}
		stored = append(stored, m)
	}
	if len(stored) == 0 || len(stored) == 100 {
		t.Fatalf("stored %d messages of 500 bytes in a 4096-byte stream before back-pressure", len(stored))
	}
	c := newCollector(nil)
	consume(t, b, bus.SubjectIn, "bpbytes", bus.ConsumeOptions{}, c.handle)
	got := c.until(t, "the stored messages", func(ds []bus.Delivery) bool { return len(ds) == len(stored) })
	for i, d := range got {
		if d.Key != stored[i].Key || !bytes.Equal(d.Data, stored[i].Data) {
			t.Errorf("delivery %d: key %q, %d bytes; want key %q, %d bytes", i, d.Key, len(d.Data), stored[i].Key, len(stored[i].Data))
		}
	}
}
