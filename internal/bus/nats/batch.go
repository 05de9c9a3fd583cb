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

// runBatches pulls messages, gathers them into batches of at most
// opts.MaxBatch (or whatever arrived within opts.MaxBatchWait of a batch's
// first message) and runs the batch handler on each, at most
// opts.Concurrency at a time, until ctx ends or the subscription fails.
func (r *runner) runBatches(ctx context.Context, cons jetstream.Consumer) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(r.opts.MaxInFlight))
	if err != nil {
		return fmt.Errorf("consume %s as %s: %w", r.st.cfg.Subject, r.durable, err)
	}
	r.log.Info("batch consumer started", "concurrency", r.opts.Concurrency, "max_in_flight", r.opts.MaxInFlight,
		"max_batch", r.opts.MaxBatch, "max_batch_wait", r.opts.MaxBatchWait)
	msgs := make(chan jetstream.Msg)
	pumpErr := make(chan error, 1)
	go func() { pumpErr <- r.pump(ctx, it, msgs) }()

	slots := make(chan struct{}, r.opts.Concurrency)
	var (
		wg    sync.WaitGroup
		batch []jetstream.Msg
		timer *time.Timer
		due   bool // the batch waited MaxBatchWait: hand it over as it is
		open  = true
	)
	for open && ctx.Err() == nil {
		in := msgs
		if len(batch) >= r.opts.MaxBatch {
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
		case msg, ok := <-in:
			if !ok {
				open = false
				break
			}
			batch = append(batch, msg)
			if timer == nil {
				timer = time.NewTimer(r.opts.MaxBatchWait)
			}
		case <-tick:
			due = true
		case slot <- struct{}{}:
			ms := batch
			wg.Go(func() {
				defer func() { <-slots }()
				r.handleBatch(ctx, ms)
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
	// Gathered but not handed over: return them like prefetched ones.
	r.giveBack(batch)
	runErr := <-pumpErr
	r.drain(it)
	wg.Wait()
	r.flush()
	r.log.Info("batch consumer stopped", "err", runErr)
	if ctx.Err() != nil && runErr == nil {
		return nil
	}
	return runErr
}

// pump moves messages from the iterator to out until ctx ends or the
// iterator fails for good, then closes out and returns the failure (nil when
// ctx ended).
func (r *runner) pump(ctx context.Context, it jetstream.MessagesContext, out chan<- jetstream.Msg) error {
	defer close(out)
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if err := r.nextError(ctx, err); err != nil || ctx.Err() != nil {
				return err
			}
			continue
		}
		select {
		case out <- msg:
		case <-ctx.Done():
			r.giveBack([]jetstream.Msg{msg})
			return nil
		}
	}
}

// giveBack hands messages that were never given to the handler back to the
// server for immediate redelivery.
func (r *runner) giveBack(ms []jetstream.Msg) {
	for _, msg := range ms {
		_ = msg.Nak() // best effort: if lost, AckWait redelivers it
	}
}

// handleBatch runs the batch handler on the messages it may see and settles
// each message on its own outcome.
func (r *runner) handleBatch(ctx context.Context, ms []jetstream.Msg) {
	live := make([]jetstream.Msg, 0, len(ms))
	mds := make([]*jetstream.MsgMetadata, 0, len(ms))
	ds := make([]bus.Delivery, 0, len(ms))
	for _, msg := range ms {
		md, ok := r.received(ctx, msg)
		if !ok {
			continue
		}
		live, mds = append(live, msg), append(mds, md)
		ds = append(ds, r.delivery(msg, md))
	}
	if len(ds) == 0 {
		return
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.AckWait)
	err := r.callBatch(hctx, ds)
	cancel()
	errs := perDelivery(err, len(ds))
	done := live[:0:0]
	for i, msg := range live {
		if r.settleFailure(ctx, msg, mds[i], errs[i]) {
			done = append(done, msg)
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
func (r *runner) ackBatch(ctx context.Context, ms []jetstream.Msg) {
	if len(ms) == 0 {
		return
	}
	last := len(ms) - 1
	for i, msg := range ms[:last] {
		if err := msg.Ack(); err != nil {
			r.log.Warn("ack", "index", i, "err", err)
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.b.opts.RequestTimeout)
	defer cancel()
	if err := ms[last].DoubleAck(actx); err != nil {
		r.log.Warn("batch ack not confirmed; its messages may be redelivered", "size", len(ms), "err", err)
		return
	}
	r.acked.Add(float64(len(ms)))
}
