package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/bus/nats"
)

// memStore records what the stages write; its first write fails, to show
// that a failed batch is retried, not lost.
type memStore struct {
	mu       sync.Mutex
	failOnce bool
	alerts   map[string]Record
	dead     []DeadLetter
	changed  chan struct{}
}

func newMemStore() *memStore {
	return &memStore{failOnce: true, alerts: map[string]Record{}, changed: make(chan struct{}, 1)}
}

func (m *memStore) WriteAlerts(_ context.Context, recs []Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failOnce {
		m.failOnce = false
		return errors.New("database is locked")
	}
	for _, r := range recs {
		m.alerts[r.Alert.ID] = r
	}
	m.notify()
	return nil
}

func (m *memStore) WriteDeadLetters(_ context.Context, dls []DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead = append(m.dead, dls...)
	m.notify()
	return nil
}

func (m *memStore) notify() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until done holds under the store's lock.
func (m *memStore) waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		m.mu.Lock()
		ok := done()
		m.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-m.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPipelineStoresEveryAlert runs the stages on an embedded bus: every
// valid alert reaches the store once its batch is written (after one failed
// write), and an alert that does not decode becomes a dead letter naming the
// store stage, with its sender.
func TestPipelineStoresEveryAlert(t *testing.T) {
	ctx := context.Background()
	b, err := nats.Open(ctx, nats.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background()) //nolint:errcheck // test cleanup
	g, err := alertgen.New(alertgen.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	const n = 250
	ms := make([]bus.Message, 0, n+1)
	want := map[string]bool{}
	for range n {
		a := g.Next()
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, bus.Message{Subject: bus.SubjectIn, Key: a.ID, Data: data,
			Header: map[string]string{bus.HeaderSender: "token:s1", bus.HeaderReceived: time.Now().UTC().Format(time.RFC3339Nano)}})
		want[a.ID] = true
	}
	ms = append(ms, bus.Message{Subject: bus.SubjectIn, Key: "broken", Data: []byte(`{"ID": 42}`),
		Header: map[string]string{bus.HeaderSender: "token:s2"}})
	if err := b.PublishBatch(ctx, ms); err != nil {
		t.Fatal(err)
	}

	st := newMemStore()
	r, err := New(Options{Bus: b, Store: st, DeadLetters: st, BatchSize: 100, BatchDelay: 10 * time.Millisecond,
		Consume: bus.ConsumeOptions{Backoff: []time.Duration{0}}})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	st.waitFor(t, "every alert and the dead letter", func() bool { return len(st.alerts) == n && len(st.dead) == 1 })
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run after cancellation: %v", err)
	}

	got := map[string]bool{}
	for id, rec := range st.alerts {
		got[id] = true
		if rec.Sender != "token:s1" || rec.Received.IsZero() {
			t.Errorf("alert %s: sender %q, received %v", id, rec.Sender, rec.Received)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored alerts (-want +got):\n%s", diff)
	}
	d := st.dead[0]
	if string(d.Data) != `{"ID": 42}` || d.Sender != "token:s2" || d.Stage != DurableStore {
		t.Errorf("dead letter = data %q, sender %q, stage %q; want the broken alert from token:s2 given up by %s", d.Data, d.Sender, d.Stage, DurableStore)
	}
}

// TestReceivedTimesIsReceivedAt checks the store stage's cached parsing of
// the reception time against receivedAt, header by header.
func TestReceivedTimesIsReceivedAt(t *testing.T) {
	pub := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	var rt receivedTimes
	for _, h := range []string{"2026-11-23T10:00:00.123456789Z", "2026-11-23T10:00:00.123456789Z", "", "garbage", "2026-11-23T11:00:00+02:00", "2026-11-23T10:00:00.123456789Z"} {
		d := bus.Delivery{Message: bus.Message{Header: map[string]string{bus.HeaderReceived: h}}, Published: pub}
		if got, want := rt.of(d), receivedAt(d); !got.Equal(want) || got.Location().String() != want.Location().String() {
			t.Errorf("header %q: %v, want %v", h, got, want)
		}
	}
}

// nopEnricher changes nothing.
type nopEnricher struct{}

func (nopEnricher) Name() string                                 { return "nop" }
func (nopEnricher) Enrich(context.Context, *idmefv2.Alert) error { return nil }

func TestIngestSubject(t *testing.T) {
	if got := IngestSubject(nil); got != bus.SubjectEnriched {
		t.Errorf("without enrichers: %s, want %s (the enrich stage would be the identity)", got, bus.SubjectEnriched)
	}
	if got := IngestSubject([]Enricher{nopEnricher{}}); got != bus.SubjectIn {
		t.Errorf("with an enricher: %s, want %s", got, bus.SubjectIn)
	}
}
