package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// BatchMode says how a Batcher sends its groups of messages.
type BatchMode int

const (
	// BatchArray sends each group as one JSON array (Concerto and Vigie
	// receivers).
	BatchArray BatchMode = iota
	// BatchSingle sends each message of a group as its own request, as
	// the draft specifies, in parallel up to the concurrency limit.
	BatchSingle
)

// BatcherOptions configures a Batcher.
type BatcherOptions struct {
	// MaxItems is the most messages per group; default 100.
	MaxItems int
	// MaxDelay is the longest a message waits for its group to fill;
	// default 1s.
	MaxDelay time.Duration
	// Mode is BatchArray (default) or BatchSingle.
	Mode BatchMode
	// Concurrency bounds the requests in flight; default 4.
	Concurrency int
	// QueueSize bounds the messages waiting to be grouped; Add blocks
	// when it is full. Default MaxItems × Concurrency.
	QueueSize int
	// OnResult, if set, is called after each request with its messages,
	// their results (nil when the request failed as a whole) and the
	// error. It runs on the sending goroutine and must be safe for
	// concurrent use. Without it, failures are lost to the caller.
	OnResult func(msgs [][]byte, results []ItemResult, err error)
}

// ErrClosed is returned by Batcher.Add after Close.
var ErrClosed = errors.New("idmefv2 batcher: closed")

// Batcher groups messages and sends them with a Client: a group leaves
// when it holds MaxItems messages or its oldest message has waited
// MaxDelay. Add and Close are safe for concurrent use.
type Batcher struct {
	c      *Client
	opts   BatcherOptions
	in     chan []byte
	mu     sync.RWMutex // guards closed against Add sending on a closed channel
	closed bool
	cancel context.CancelFunc // aborts in-flight sends when Close gives up
	done   chan struct{}      // closed when every goroutine has returned
}

// NewBatcher starts a Batcher sending with c. Close it to flush and stop.
func NewBatcher(c *Client, opts BatcherOptions) (*Batcher, error) {
	if c == nil {
		return nil, errors.New("idmefv2 batcher: nil client")
	}
	if opts.MaxItems < 0 || opts.MaxDelay < 0 || opts.Concurrency < 0 || opts.QueueSize < 0 {
		return nil, errors.New("idmefv2 batcher: sizes and delays must not be negative")
	}
	if opts.Mode != BatchArray && opts.Mode != BatchSingle {
		return nil, fmt.Errorf("idmefv2 batcher: unknown mode %d", opts.Mode)
	}
	setDefault(&opts.MaxItems, 100)
	setDefault(&opts.MaxDelay, time.Second)
	setDefault(&opts.Concurrency, 4)
	setDefault(&opts.QueueSize, opts.MaxItems*opts.Concurrency)
	ctx, cancel := context.WithCancel(context.Background())
	b := &Batcher{
		c:      c,
		opts:   opts,
		in:     make(chan []byte, opts.QueueSize),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go b.loop(ctx)
	return b, nil
}

// Add queues a message (one JSON object; the Batcher keeps the slice
// until it is sent, so the caller must not modify it). It blocks while
// the queue is full, until ctx ends.
func (b *Batcher) Add(ctx context.Context, msg []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.in <- msg:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("idmefv2 batcher: add: %w", context.Cause(ctx))
	}
}

// Close sends what is queued, waits for every request to finish and
// stops the Batcher. If ctx ends first, in-flight sends are aborted and
// Close returns ctx's error once they have returned.
func (b *Batcher) Close(ctx context.Context) error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.cancel()
		<-b.done
		return fmt.Errorf("idmefv2 batcher: close: %w", context.Cause(ctx))
	}
}

// loop groups messages and starts a send per group.
func (b *Batcher) loop(ctx context.Context) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, b.opts.Concurrency)
	defer close(b.done)
	defer wg.Wait()

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var group [][]byte
	flush := func() {
		timer.Stop()
		if len(group) == 0 {
			return
		}
		b.dispatch(ctx, &wg, slots, group)
		group = nil
	}
	for {
		select {
		case msg, ok := <-b.in:
			if !ok {
				flush()
				return
			}
			if len(group) == 0 {
				timer.Reset(b.opts.MaxDelay)
			}
			group = append(group, msg)
			if len(group) >= b.opts.MaxItems {
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// dispatch sends a group, blocking while Concurrency requests are in
// flight: that back-pressure reaches Add through the queue.
func (b *Batcher) dispatch(ctx context.Context, wg *sync.WaitGroup, slots chan struct{}, group [][]byte) {
	if b.opts.Mode == BatchArray {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			results, err := b.c.SendBatch(ctx, group)
			b.report(group, results, err)
		})
		return
	}
	for i, msg := range group {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			err := b.c.Send(ctx, msg)
			res := []ItemResult{{Index: i, Status: 204}}
			if err != nil {
				res = nil
				if rej, ok := errors.AsType[*RejectedError](err); ok {
					res = []ItemResult{{Index: i, Status: rej.Status, Error: rej.Message, Problems: rej.Problems}}
				}
			}
			b.report([][]byte{msg}, res, err)
		})
	}
}

func (b *Batcher) report(msgs [][]byte, results []ItemResult, err error) {
	if b.opts.OnResult != nil {
		b.opts.OnResult(msgs, results, err)
	}
}
