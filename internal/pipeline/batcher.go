package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Batcher groups items submitted concurrently into batches of at most Size
// items, or whatever arrived within Delay of a batch's first item, and
// hands each batch to a flush function; Submit returns the flush's result.
// It is how a stage turns per-message deliveries into batched writes.
type Batcher[T any] struct {
	size  int
	delay time.Duration
	flush func(ctx context.Context, items []T) error

	in   chan request[T]
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

type request[T any] struct {
	item T
	res  chan error
}

// flushTimeout bounds one flush; past it the deliveries of the batch are
// redelivered by the bus anyway (AckWait).
const flushTimeout = time.Minute

// ErrBatcherClosed is returned by Submit after Close.
var ErrBatcherClosed = errors.New("pipeline: batcher closed")

// NewBatcher starts a Batcher. flush runs on one goroutine at a time, with a
// context that Close does not cancel (so that the last batch completes) and
// that times out after flushTimeout.
func NewBatcher[T any](size int, delay time.Duration, flush func(ctx context.Context, items []T) error) *Batcher[T] {
	b := &Batcher[T]{size: max(size, 1), delay: delay, flush: flush, in: make(chan request[T]), done: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b
}

// Submit adds item to the current batch and waits until that batch is
// flushed, returning the flush's error, or until ctx ends.
func (b *Batcher[T]) Submit(ctx context.Context, item T) error {
	r := request[T]{item: item, res: make(chan error, 1)}
	select {
	case b.in <- r:
	case <-b.done:
		return ErrBatcherClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.res:
		return err
	case <-ctx.Done():
		// The batch may still be written; the caller's message will then be
		// redelivered and written again, which is idempotent.
		return ctx.Err()
	}
}

// Close flushes what is pending and stops the Batcher.
func (b *Batcher[T]) Close() {
	b.once.Do(func() { close(b.done) })
	b.wg.Wait()
}

func (b *Batcher[T]) loop() {
	defer b.wg.Done()
	var (
		batch []request[T]
		timer *time.Timer
		tc    <-chan time.Time
	)
	flush := func() {
		if timer != nil {
			timer.Stop()
			timer, tc = nil, nil
		}
		if len(batch) == 0 {
			return
		}
		items := make([]T, len(batch))
		for i, r := range batch {
			items[i] = r.item
		}
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		err := b.flush(ctx, items)
		cancel()
		for _, r := range batch {
			r.res <- err
		}
		batch = batch[:0]
	}
	for {
		select {
		case r := <-b.in:
			batch = append(batch, r)
			if len(batch) >= b.size {
				flush()
			} else if timer == nil {
				timer = time.NewTimer(b.delay)
				tc = timer.C
			}
		case <-tc:
			timer, tc = nil, nil
			flush()
		case <-b.done:
			// Take what is already waiting to be added, then flush.
			for {
				select {
				case r := <-b.in:
					batch = append(batch, r)
					continue
				default:
				}
				break
			}
			flush()
			return
		}
	}
}
