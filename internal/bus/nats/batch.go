package nats

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
)

// runBatches pulls messages, gathers their deliveries (the members of packs
// included) into batches of at most opts.MaxBatch (or whatever arrived
// within opts.MaxBatchWait of a batch's first delivery) and runs the batch
// handler on each, at most opts.Concurrency at a time, until ctx ends or the
// subscription fails. A message is settled once all its deliveries have an
// outcome, whichever batches they were in.
func (r *runner) runBatches(ctx context.Context, cons jetstream.Consumer) error {
	it, err := cons.Messages(r.pullLimit())
	if err != nil {
		return fmt.Errorf("consume %s as %s: %w", r.st.cfg.Subject, r.durable, err)
	}
	r.log.Info("batch consumer started", "concurrency", r.opts.Concurrency, "max_in_flight", r.opts.MaxInFlight,
		"max_batch", r.opts.MaxBatch, "max_batch_wait", r.opts.MaxBatchWait)
	msgs := make(chan *tracker)
	pumpErr := make(chan error, 1)
	go func() { pumpErr <- r.pump(ctx, it, msgs) }()

	slots := make(chan struct{}, r.opts.Concurrency)
	var (
		wg    sync.WaitGroup
		batch []item
		cur   *tracker // deliveries cur.ds[next:] are not in a batch yet
		next  int
		timer *time.Timer
		due   bool // the batch waited MaxBatchWait: hand it over as it is
		open  = true
	)
	for open && ctx.Err() == nil {
		// Take what fits from the message at hand before pulling more.
		for cur != nil && len(batch) < r.opts.MaxBatch {
			batch = append(batch, item{cur, next})
			if next++; next == len(cur.ds) {
				cur, next = nil, 0
			}
			if timer == nil {
				timer = time.NewTimer(r.opts.MaxBatchWait)
			}
		}
		in := msgs
		if cur != nil {
			in = nil // full: wait for a free slot only
		}
		var slot chan<- struct{}
		if len(batch) > 0 && (due || len(batch) >= r.opts.MaxBatch) {
			slot = slots
		}
		var tick <-chan time.Time
		if timer != nil {
			tick = timer.C
		}
		select {
		case t, ok := <-in:
			if !ok {
				open = false
				break
			}
			cur, next = t, 0
		case <-tick:
			due = true
		case slot <- struct{}{}:
			items := batch
			wg.Go(func() {
				defer func() { <-slots }()
				r.handleBatch(ctx, items)
			})
			batch, due = nil, false
			if timer != nil {
				timer.Stop()
				timer = nil
			}
		case <-ctx.Done():
		}
	}
	if timer != nil {
		timer.Stop()
	}
	// Gathered but not handed over: back to the server, like prefetched
	// messages.
	var back []*tracker
	for _, it := range batch {
		if it.t.complete(it.i, errGivenBack) {
			back = append(back, it.t)
		}
	}
	if cur != nil {
		for i := next; i < len(cur.ds); i++ {
			if cur.complete(i, errGivenBack) {
				back = append(back, cur)
			}
		}
	}
	runErr := <-pumpErr
	r.drain(it)
	wg.Wait()
	for _, t := range back {
		if r.settle(ctx, t) {
			r.ack(ctx, t.held)
		}
	}
	r.flush()
	r.log.Info("batch consumer stopped", "err", runErr)
	if ctx.Err() != nil && runErr == nil {
		return nil
	}
	return runErr
}

// pump tracks the messages from the iterator and sends them to out until
// ctx ends or the iterator fails for good, then closes out and returns the
// failure (nil when ctx ended).
func (r *runner) pump(ctx context.Context, it jetstream.MessagesContext, out chan<- *tracker) error {
	defer close(out)
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if err := r.nextError(ctx, err); err != nil || ctx.Err() != nil {
				return err
			}
			continue
		}
		t := r.track(ctx, msg)
		if t == nil {
			continue
		}
		select {
		case out <- t:
		case <-ctx.Done():
			_ = msg.Nak() // never handled: back at once (if lost, AckWait redelivers it)
			return nil
		}
	}
}

// handleBatch runs the batch handler on a batch of deliveries, then settles
// the messages whose last delivery was in it.
func (r *runner) handleBatch(ctx context.Context, items []item) {
	ds := make([]bus.Delivery, len(items))
	for k, it := range items {
		ds[k] = it.t.ds[it.i]
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.AckWait)
	err := r.callBatch(hctx, ds)
	cancel()
	errs := perDelivery(err, len(ds))
	var done []held
	for k, it := range items {
		if it.t.complete(it.i, errs[k]) && r.settle(ctx, it.t) {
			done = append(done, it.t.held)
		}
	}
	r.ackBatch(ctx, done)
}

// perDelivery spreads a batch handler's result over its n deliveries.
func perDelivery(err error, n int) []error {
	errs := make([]error, n)
	var be *bus.BatchError
	switch {
	case err == nil:
	case errors.As(err, &be) && len(be.Errs) == n:
		copy(errs, be.Errs)
	default:
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// callBatch runs the batch handler, turning a panic into an error.
func (r *runner) callBatch(ctx context.Context, ds []bus.Delivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("batch handler panic", "first_seq", ds[0].Sequence, "size", len(ds), "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return r.bh(ctx, ds)
}

// ackBatch acknowledges ms with one round trip instead of one per message:
// every message but the last gets a plain acknowledgement, the last a
// confirmed one. The server handles the acknowledgements of a consumer in
// the order it receives them on a connection, so the confirmation of the
// last one means the others were handled too. If it does not come, some of
// them may be redelivered after AckWait: at-least-once, as with any lost
// acknowledgement.
func (r *runner) ackBatch(ctx context.Context, hs []held) {
	if len(hs) == 0 {
		return
	}
	last, n := len(hs)-1, 0
	for i, h := range hs[:last] {
		if err := h.msg.Ack(); err != nil {
			r.log.Warn("ack", "index", i, "err", err)
		}
		n += len(h.ds)
	}
	n += len(hs[last].ds)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.b.opts.RequestTimeout)
	defer cancel()
	if err := hs[last].msg.DoubleAck(actx); err != nil {
		r.log.Warn("batch ack not confirmed; its messages may be redelivered", "size", n, "err", err)
		return
	}
	r.acked.Add(float64(n))
}

// pullLimit bounds what the client buffers for this consumer. The server
// stops delivering at MaxInFlight unacknowledged messages (MaxAckPending),
// but a pack carries up to thousands of messages: the buffer is bounded in
// bytes instead, about MaxInFlight messages of 2 KiB (at least two packs of
// the largest size the server takes, at most 256 MiB).
func (r *runner) pullLimit() jetstream.PullMessagesOpt {
	limit := int64(r.opts.MaxInFlight) * 2 << 10
	limit = max(limit, 2*r.b.nc.MaxPayload())
	limit = min(limit, 256<<20)
	return jetstream.PullMaxBytes(int(limit))
}
