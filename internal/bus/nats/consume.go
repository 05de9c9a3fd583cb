package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Consume runs h on the messages of subject through the durable pull
// consumer named durable; see bus.Consumer for the contract.
//
// The server-side consumer has no delivery limit (MaxDeliver -1): this
// package counts attempts itself and dead-letters a message before
// terminating it, so a message is never left undeliverable, even when its
// earlier attempts ended in AckWait expiry or a crash.
func (b *Bus) Consume(ctx context.Context, subject, durable string, opts bus.ConsumeOptions, h bus.Handler) error {
	if h == nil {
		return fmt.Errorf("consume %s: nil handler", subject)
	}
	r, cons, err := b.newRunner(ctx, subject, durable, opts.WithDefaults())
	if err != nil {
		return err
	}
	r.h = h
	return r.run(ctx, cons)
}

// ConsumeBatch runs h on batches of the messages of subject through the
// durable pull consumer named durable; see bus.Consumer for the contract.
// The messages of a batch are acknowledged together (see ackBatch).
func (b *Bus) ConsumeBatch(ctx context.Context, subject, durable string, opts bus.ConsumeOptions, h bus.BatchHandler) error {
	if h == nil {
		return fmt.Errorf("consume %s: nil batch handler", subject)
	}
	r, cons, err := b.newRunner(ctx, subject, durable, opts.WithBatchDefaults())
	if err != nil {
		return err
	}
	r.bh = h
	return r.runBatches(ctx, cons)
}

// newRunner checks the arguments and creates or updates the durable
// consumer.
func (b *Bus) newRunner(ctx context.Context, subject, durable string, opts bus.ConsumeOptions) (*runner, jetstream.Consumer, error) {
	if err := bus.ValidateName(durable); err != nil {
		return nil, nil, fmt.Errorf("consume %s: %w", subject, err)
	}
	if err := opts.Validate(); err != nil {
		return nil, nil, fmt.Errorf("consume %s as %s: %w", subject, durable, err)
	}
	st, err := b.stream(subject)
	if err != nil {
		return nil, nil, fmt.Errorf("consume: %w", err)
	}
	dead, err := b.stream(opts.DeadLetterSubject)
	if err != nil {
		return nil, nil, fmt.Errorf("consume %s: dead-letter %w", subject, err)
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, st.name, jetstream.ConsumerConfig{
		Durable:       durable,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: opts.MaxInFlight,
		FilterSubject: st.subject,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("consume %s: create or update durable consumer %s: %w", subject, durable, err)
	}
	r := &runner{
		b: b, st: st, dead: dead, durable: durable, opts: opts,
		log:       b.log.With("subject", subject, "consumer", durable),
		delivered: b.metrics.delivered.WithLabelValues(subject, durable),
		acked:     b.metrics.acked.WithLabelValues(subject, durable),
		naked:     b.metrics.naked.WithLabelValues(subject, durable),
		pending:   b.metrics.pending.WithLabelValues(subject, durable),
		deadPerm:  b.metrics.deadLettered.WithLabelValues(subject, durable, reasonPermanent),
		deadMax:   b.metrics.deadLettered.WithLabelValues(subject, durable, reasonMaxDeliver),
	}
	return r, cons, nil
}

// runner is one running Consume or ConsumeBatch call.
type runner struct {
	b       *Bus
	st      stream // consumed
	dead    stream // dead letters go here
	durable string
	opts    bus.ConsumeOptions
	h       bus.Handler      // Consume
	bh      bus.BatchHandler // ConsumeBatch
	log     *slog.Logger

	delivered, acked, naked, deadPerm, deadMax prometheus.Counter
	pending                                    prometheus.Gauge

	partial partials
}

// run pulls messages and runs the handler on each delivery (each member of
// a pack) in its own goroutine, at most opts.Concurrency at a time, until
// ctx ends or the subscription fails.
func (r *runner) run(ctx context.Context, cons jetstream.Consumer) error {
	it, err := cons.Messages(r.pullLimit())
	if err != nil {
		return fmt.Errorf("consume %s as %s: %w", r.st.cfg.Subject, r.durable, err)
	}
	r.log.Info("consumer started", "concurrency", r.opts.Concurrency, "max_in_flight", r.opts.MaxInFlight)
	slots := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	var runErr error
	for runErr == nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			<-slots
			runErr = r.nextError(ctx, err)
			continue
		}
		t := r.track(ctx, msg)
		if t == nil {
			<-slots
			continue
		}
		for i := range t.ds {
			if i > 0 { // the first one has its slot already
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
				}
				if ctx.Err() != nil {
					for j := i; j < len(t.ds); j++ {
						r.handled(ctx, t, j, errGivenBack)
					}
					break
				}
			}
			wg.Go(func() {
				defer func() { <-slots }()
				hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.AckWait)
				err := r.call(hctx, t.ds[i])
				cancel()
				r.handled(ctx, t, i, err)
			})
		}
	}
	r.drain(it)
	wg.Wait()
	r.flush()
	r.log.Info("consumer stopped", "err", runErr)
	if ctx.Err() != nil && runErr == nil {
		return nil
	}
	return runErr
}

// handled records the outcome of delivery i of t and, when it was the last
// one, settles the message.
func (r *runner) handled(ctx context.Context, t *tracker, i int, err error) {
	if t.complete(i, err) && r.settle(ctx, t) {
		r.ack(ctx, t.held)
	}
}

// nextError decides whether an iterator error ends the run.
func (r *runner) nextError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, jetstream.ErrMsgIteratorClosed) || errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, jetstream.ErrBadRequest) || errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("consume %s as %s: %w", r.st.cfg.Subject, r.durable, err)
	}
	r.log.Warn("pull consumer", "err", err) // transient: the iterator retries by itself
	return nil
}

// flush pushes out fire-and-forget naks and acks at the end of a run.
func (r *runner) flush() {
	if err := r.b.nc.FlushTimeout(r.b.opts.RequestTimeout); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		r.log.Warn("flush after drain", "err", err)
	}
}

// drain stops pulling and hands prefetched, unhandled messages back to the
// server for immediate redelivery (to another instance, or to this consumer
// when it starts again). They are handed back only once the iterator is
// closed: a message handed back while the draining subscription still
// receives came straight back into it, and every round trip counted as a
// delivery, until the bus gave up on messages no handler had seen ("no
// verdict after N deliveries"; the GracefulDrain contract test lost them
// about once in 80 runs).
func (r *runner) drain(it jetstream.MessagesContext) {
	it.Drain()
	var back []jetstream.Msg
	for {
		msg, err := it.Next()
		if err != nil {
			break
		}
		back = append(back, msg)
	}
	returned := 0
	for _, msg := range back {
		if err := msg.Nak(); err == nil {
			returned++
		}
	}
	if returned > 0 {
		r.log.Debug("returned prefetched messages", "count", returned)
	}
}

// held is a NATS message being handled and the deliveries it carries (one,
// or the members of a pack not handled yet).
type held struct {
	msg    jetstream.Msg
	md     *jetstream.MsgMetadata
	ds     []bus.Delivery
	packed bool
}

// call runs the handler, turning a panic into an error.
func (r *runner) call(ctx context.Context, d bus.Delivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("handler panic", "seq", d.Sequence, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return r.h(ctx, d)
}

// deliveries returns what msg carries: itself, or the members of a pack.
func (r *runner) deliveries(msg jetstream.Msg, md *jetstream.MsgMetadata) ([]bus.Delivery, bool, error) {
	n, err := packCount(msg.Headers())
	if err != nil {
		return nil, false, err
	}
	if n == 0 {
		return []bus.Delivery{r.plain(msg, md)}, false, nil
	}
	ms, err := decodePack(msg.Data(), n, int(r.b.nc.MaxPayload()))
	if err != nil {
		return nil, false, err
	}
	ds := make([]bus.Delivery, n)
	for i, m := range ms {
		m.Subject = r.st.cfg.Subject
		ds[i] = bus.Delivery{
			Message:   m,
			Sequence:  md.Sequence.Stream,
			Index:     i,
			Attempt:   int(md.NumDelivered),
			Published: md.Timestamp,
		}
	}
	return ds, true, nil
}

// plain is the delivery of a message that is not a pack.
func (r *runner) plain(msg jetstream.Msg, md *jetstream.MsgMetadata) bus.Delivery {
	d := bus.Delivery{
		Message:   bus.Message{Subject: r.st.cfg.Subject, Data: msg.Data()},
		Sequence:  md.Sequence.Stream,
		Attempt:   int(md.NumDelivered),
		Published: md.Timestamp,
	}
	hdr := msg.Headers()
	for k, v := range hdr {
		if len(v) == 0 {
			continue
		}
		switch k {
		case headerKey:
			d.Key = v[0]
		case nats.MsgIdHdr, headerPack:
		default:
			if d.Header == nil {
				d.Header = make(map[string]string, len(hdr))
			}
			d.Header[k] = v[0]
		}
	}
	return d
}

// ack acknowledges and waits for the server's confirmation, so that a
// confirmed message is not redelivered after a clean restart.
func (r *runner) ack(ctx context.Context, h held) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.b.opts.RequestTimeout)
	defer cancel()
	if err := h.msg.DoubleAck(actx); err != nil {
		// The message will be redelivered after AckWait: at-least-once.
		r.log.Warn("ack not confirmed", "seq", h.md.Sequence.Stream, "err", err)
		return
	}
	r.acked.Add(float64(len(h.ds)))
}

func (r *runner) retry(h held, cause error) {
	delay := r.opts.BackoffFor(int(h.md.NumDelivered))
	r.log.Debug("handler failed, will redeliver", "seq", h.md.Sequence.Stream, "members", len(h.ds),
		"attempt", h.md.NumDelivered, "delay", delay, "err", cause)
	if err := h.msg.NakWithDelay(delay); err != nil {
		r.log.Warn("nak", "seq", h.md.Sequence.Stream, "err", err)
		return
	}
	r.naked.Add(float64(len(h.ds)))
}
