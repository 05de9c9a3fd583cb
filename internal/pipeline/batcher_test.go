package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestBatcherGroupsConcurrentSubmits(t *testing.T) {
	var (
		mu      sync.Mutex
		batches [][]int
	)
	b := NewBatcher(10, time.Hour, func(_ context.Context, items []int) error {
		mu.Lock()
		defer mu.Unlock()
		batches = append(batches, append([]int(nil), items...))
		return nil
	})
	defer b.Close()
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if err := b.Submit(context.Background(), i); err != nil {
				t.Errorf("submit %d: %v", i, err)
			}
		})
	}
	wg.Wait() // with a one-hour delay, only full batches can have returned
	mu.Lock()
	defer mu.Unlock()
	seen := map[int]bool{}
	for _, batch := range batches {
		if len(batch) != 10 {
			t.Errorf("batch of %d items, want 10", len(batch))
		}
		for _, v := range batch {
			if seen[v] {
				t.Errorf("item %d flushed twice", v)
			}
			seen[v] = true
		}
	}
	if len(seen) != 30 {
		t.Errorf("%d items flushed, want 30", len(seen))
	}
}

func TestBatcherFlushesAfterDelayAndReportsErrors(t *testing.T) {
	boom := errors.New("disk full")
	b := NewBatcher(100, 10*time.Millisecond, func(_ context.Context, items []string) error {
		if items[0] == "bad" {
			return boom
		}
		return nil
	})
	defer b.Close()
	if err := b.Submit(context.Background(), "good"); err != nil {
		t.Errorf("lone item not flushed after the delay: %v", err)
	}
	if err := b.Submit(context.Background(), "bad"); !errors.Is(err, boom) {
		t.Errorf("flush error not returned to the submitter: %v", err)
	}
}

// TestBatcherCloseLosesNothing: a Submit racing with Close either reports
// success, and then its item was flushed, or ErrBatcherClosed, and then it
// was not: an item is never acknowledged without being written.
func TestBatcherCloseLosesNothing(t *testing.T) {
	for range 50 {
		var mu sync.Mutex
		var flushed []int
		b := NewBatcher(100, time.Hour, func(_ context.Context, items []int) error {
			mu.Lock()
			flushed = append(flushed, items...)
			mu.Unlock()
			return nil
		})
		res := make(chan error, 1)
		go func() { res <- b.Submit(context.Background(), 7) }()
		b.Close()
		err := <-res
		mu.Lock()
		wrote := len(flushed) == 1 && flushed[0] == 7
		mu.Unlock()
		switch {
		case err == nil && !wrote:
			t.Fatal("Submit succeeded but the item was not flushed")
		case errors.Is(err, ErrBatcherClosed) && wrote:
			t.Fatal("Submit failed but the item was flushed")
		case err != nil && !errors.Is(err, ErrBatcherClosed):
			t.Fatalf("submit: %v", err)
		}
		if err := b.Submit(context.Background(), 8); !errors.Is(err, ErrBatcherClosed) {
			t.Fatalf("submit after Close: %v", err)
		}
	}
}
