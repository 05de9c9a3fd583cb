package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// chanSink reports each Accept call's size on a channel.
type chanSink chan int

func (c chanSink) Accept(_ context.Context, batch []Message) error {
	c <- len(batch)
	return nil
}

func newBatcherFixture(t *testing.T, opts BatcherOptions) (*Batcher, chanSink) {
	t.Helper()
	sink := make(chanSink, 100)
	srv := httptest.NewServer(newTestHandler(t, Options{Sink: sink, Validator: testValidator}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, ClientOptions{URL: srv.URL})
	b, err := NewBatcher(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	return b, sink
}

func msgN(i int) []byte {
	return fmt.Appendf(nil, `{"Version":"2.D.V08","ID":"id-%d"}`, i)
}

// receive waits for the next Accept call; the long timeout only guards
// against a hung test, it asserts nothing about speed.
func receive(t *testing.T, sink chanSink) int {
	t.Helper()
	select {
	case n := <-sink:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no batch reached the receiver")
		return 0
	}
}

func TestBatcherFlushesOnSize(t *testing.T) {
	b, sink := newBatcherFixture(t, BatcherOptions{MaxItems: 3, MaxDelay: time.Hour})
	for i := range 7 {
		if err := b.Add(t.Context(), msgN(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Two full groups leave without waiting for the hour-long delay.
	if a, b := receive(t, sink), receive(t, sink); a != 3 || b != 3 {
		t.Fatalf("batches of %d and %d, want 3 and 3", a, b)
	}
	select {
	case n := <-sink:
		t.Fatalf("a partial batch of %d left before its delay", n)
	default:
	}
	// Close sends the remainder.
	if err := b.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := receive(t, sink); n != 1 {
		t.Fatalf("Close flushed %d messages, want 1", n)
	}
}

func TestBatcherFlushesOnDelay(t *testing.T) {
	b, sink := newBatcherFixture(t, BatcherOptions{MaxItems: 100, MaxDelay: 20 * time.Millisecond})
	for i := range 2 {
		if err := b.Add(t.Context(), msgN(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := receive(t, sink); n != 2 {
		t.Fatalf("batch of %d, want 2 after the delay", n)
	}
}

func TestBatcherSingleMode(t *testing.T) {
	var mu sync.Mutex
	var failures []error
	b, sink := newBatcherFixture(t, BatcherOptions{
		Mode: BatchSingle, MaxItems: 10, MaxDelay: time.Hour, Concurrency: 2,
		OnResult: func(msgs [][]byte, res []ItemResult, err error) {
			if len(msgs) != 1 {
				t.Errorf("single mode reported %d messages per request", len(msgs))
			}
			if err != nil {
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
			}
		},
	})
	for i := range 4 {
		b.Add(t.Context(), msgN(i))
	}
	b.Add(t.Context(), []byte(`{"Version":"2.D.V08"}`)) // invalid: no ID
	if err := b.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if n := receive(t, sink); n != 1 {
			t.Fatalf("request carried %d messages, want 1", n)
		}
	}
	if len(failures) != 1 {
		t.Fatalf("failures = %v, want the invalid message", failures)
	}
	if rej, ok := errors.AsType[*RejectedError](failures[0]); !ok || rej.Status != 400 {
		t.Errorf("failure = %v, want *RejectedError 400", failures[0])
	}
}

func TestBatcherAddAfterClose(t *testing.T) {
	b, _ := newBatcherFixture(t, BatcherOptions{})
	if err := b.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(t.Context(), msgN(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close = %v, want ErrClosed", err)
	}
	if err := b.Close(t.Context()); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestBatcherCloseDeadlineAbortsSends(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(newTestHandler(t, Options{Sink: SinkFunc(func(ctx context.Context, _ []Message) error {
		select { // a stuck bus
		case <-release:
		case <-ctx.Done():
		}
		return ErrUnavailable
	})}))
	defer srv.Close()
	defer close(release)
	c, _ := newTestClient(t, ClientOptions{URL: srv.URL, MaxAttempts: 1})
	b, err := NewBatcher(c, BatcherOptions{MaxItems: 1})
	if err != nil {
		t.Fatal(err)
	}
	b.Add(t.Context(), msgN(1))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := b.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the deadline error", err)
	}
}
