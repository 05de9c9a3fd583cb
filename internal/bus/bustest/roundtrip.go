package bustest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigie-siem/vigie/internal/bus"
)

// testRoundTrip: what is published comes out unchanged, in order, once.
func testRoundTrip(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	want := []bus.Message{
		{Subject: bus.SubjectIn, Key: "a1", Data: []byte(`{"ID":"a1"}`), Header: map[string]string{
			bus.HeaderContentType: "application/json", bus.HeaderSender: "sensor-7", "X-Trace": "t1",
		}},
		{Subject: bus.SubjectIn, Data: []byte("no key, no header")},
		{Subject: bus.SubjectIn, Key: "a3", Data: []byte(`{"ID":"a3"}`)},
		{Subject: bus.SubjectIn, Key: "a4", Data: []byte{}, Header: map[string]string{"x-lower-case": "kept"}},
	}
	publish(t, b, want[0], want[1])
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	other := bus.Message{Subject: bus.SubjectEnriched, Key: "e1", Data: []byte("enriched")}
	if err := b.PublishBatch(ctx, []bus.Message{want[2], other, want[3]}); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}
	if err := b.PublishBatch(ctx, nil); err != nil {
		t.Fatalf("PublishBatch(nil): %v", err)
	}

	in := newCollector(nil)
	consume(t, b, bus.SubjectIn, "roundtrip", bus.ConsumeOptions{}, in.handle)
	enriched := newCollector(nil)
	consume(t, b, bus.SubjectEnriched, "roundtrip", bus.ConsumeOptions{}, enriched.handle)

	var got []bus.Message
	var prev uint64
	for i := range want {
		d := recv(t, in.ch, "delivery from alerts.in")
		if d.Attempt != 1 {
			t.Errorf("delivery %d: Attempt = %d, want 1", i, d.Attempt)
		}
		if d.Sequence == 0 || d.Position() <= prev {
			t.Errorf("delivery %d: Sequence %d, Index %d: position not after %d", i, d.Sequence, d.Index, prev)
		}
		if d.Published.IsZero() {
			t.Errorf("delivery %d: Published is zero", i)
		}
		prev = d.Position()
		got = append(got, d.Message)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("alerts.in deliveries (-want +got):\n%s", diff)
	}
	e := recv(t, enriched.ch, "delivery from alerts.enriched")
	if diff := cmp.Diff(other, e.Message, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("alerts.enriched delivery (-want +got):\n%s", diff)
	}
}

// testInvalidUse: mistakes are reported at once with a clear error.
func testInvalidUse(t *testing.T, open Opener) {
	b := openBus(t, open, testStreams())
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	noop := func(context.Context, bus.Delivery) error { return nil }

	t.Run("PublishUnknownSubject", func(t *testing.T) {
		err := b.Publish(ctx, bus.Message{Subject: "alerts.nowhere", Data: []byte("x")})
		if !errors.Is(err, bus.ErrUnknownSubject) {
			t.Errorf("Publish to an undeclared subject: got %v, want ErrUnknownSubject", err)
		}
	})
	t.Run("PublishBatchUnknownSubject", func(t *testing.T) {
		err := b.PublishBatch(ctx, []bus.Message{msg("ok"), {Subject: "alerts.nowhere"}})
		be, ok := errors.AsType[*bus.BatchError](err)
		if !ok {
			t.Fatalf("PublishBatch with an undeclared subject: got %v, want *BatchError", err)
		}
		if diff := cmp.Diff([]int{1}, be.Failed()); diff != "" {
			t.Errorf("failed indexes (-want +got):\n%s", diff)
		}
		if !errors.Is(err, bus.ErrUnknownSubject) {
			t.Errorf("BatchError does not match ErrUnknownSubject: %v", err)
		}
	})
	t.Run("PublishReservedHeader", func(t *testing.T) {
		for _, h := range []string{"Nats-Expected-Stream", "Vigie-Bus-Key"} {
			m := msg("r")
			m.Header = map[string]string{h: "x"}
			if err := b.Publish(ctx, m); err == nil {
				t.Errorf("Publish with reserved header %s: no error", h)
			}
		}
	})
	t.Run("PublishHeaderLineBreak", func(t *testing.T) {
		m := msg("r")
		m.Header = map[string]string{"X-Bad": "a\r\nNats-Msg-Id: forged"}
		if err := b.Publish(ctx, m); err == nil {
			t.Error("Publish with a CRLF in a header value: no error")
		}
	})
	t.Run("ConsumeUnknownSubject", func(t *testing.T) {
		err := b.Consume(ctx, "alerts.nowhere", "d", bus.ConsumeOptions{}, noop)
		if !errors.Is(err, bus.ErrUnknownSubject) {
			t.Errorf("Consume of an undeclared subject: got %v, want ErrUnknownSubject", err)
		}
	})
	t.Run("ConsumeBadOptions", func(t *testing.T) {
		tests := []struct {
			name    string
			durable string
			opts    bus.ConsumeOptions
			h       bus.Handler
		}{
			{"EmptyDurable", "", bus.ConsumeOptions{}, noop},
			{"DottedDurable", "a.b", bus.ConsumeOptions{}, noop},
			{"NilHandler", "d", bus.ConsumeOptions{}, nil},
			{"NegativeConcurrency", "d", bus.ConsumeOptions{Concurrency: -1}, noop},
			{"InFlightBelowConcurrency", "d", bus.ConsumeOptions{Concurrency: 8, MaxInFlight: 2}, noop},
			{"UnknownDeadLetterSubject", "d", bus.ConsumeOptions{DeadLetterSubject: "alerts.nowhere"}, noop},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := b.Consume(ctx, bus.SubjectIn, tt.durable, tt.opts, tt.h); err == nil {
					t.Error("Consume: no error")
				}
			})
		}
	})
}
