package nats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
)

// A NATS message is settled (acknowledged, handed back or dead-lettered)
// once every delivery it carries has an outcome: one for a plain message,
// one per member for a pack. Members of one pack may be handled by
// different handler calls (batches are cut at MaxBatch deliveries) or
// concurrently (Consume with Concurrency > 1).

// tracker follows one NATS message through the handling of its deliveries.
type tracker struct {
	held
	errs []error // outcome of each delivery of held.ds
	left atomic.Int32
}

// item is one delivery of a tracked message.
type item struct {
	t *tracker
	i int // index into t.ds
}

// complete records the outcome of delivery i and reports whether it was the
// last one the message was waiting for.
func (t *tracker) complete(i int, err error) bool {
	t.errs[i] = err
	return t.left.Add(-1) == 0
}

// errGivenBack marks deliveries never handed to the handler because the
// consumer stopped: their message goes back to the server at once.
var errGivenBack = errors.New("consumer stopping: handed back")

// partials remembers, per stream sequence, the members of packs that were
// handled (or dead-lettered) while others failed and the pack was handed
// back: on redelivery only the others go to the handler again. It lives as
// long as the consumer run; after a restart the whole pack is delivered
// again (at-least-once).
type partials struct {
	mu   sync.Mutex
	done map[uint64][]bool
}

func (p *partials) get(seq uint64) []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done[seq]
}

func (p *partials) set(seq uint64, done []bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.done = map[uint64][]bool{}
	}
	p.done[seq] = done
}

func (p *partials) forget(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.done, seq)
}

// track counts a delivery, unpacks it and returns its tracker, or nil when
// nothing of it goes to the handler: a message whose earlier attempts all
// ended without a verdict (AckWait expiry, crash) and that has used up
// MaxDeliver is dead-lettered instead, and so is a pack that cannot be read;
// a pack redelivered with every member already handled is acknowledged.
func (r *runner) track(ctx context.Context, msg jetstream.Msg) *tracker {
	md, err := msg.Metadata()
	if err != nil { // not a JetStream delivery; cannot happen with a pull consumer
		r.log.Error("delivery without JetStream metadata", "err", err)
		return nil
	}
	r.pending.Set(float64(md.NumPending))
	h := held{msg: msg, md: md}
	h.ds, h.packed, err = r.deliveries(msg, md)
	if err != nil {
		r.delivered.Inc()
		h.ds = []bus.Delivery{r.plain(msg, md)}
		r.giveUpAll(ctx, h, bus.Permanent(err))
		return nil
	}
	if md.NumDelivered > 1 {
		if done := r.partial.get(md.Sequence.Stream); done != nil {
			h.ds = slicesDeleteDone(h.ds, done)
		}
	}
	if len(h.ds) == 0 {
		r.partial.forget(md.Sequence.Stream)
		r.ack(ctx, h)
		return nil
	}
	r.delivered.Add(float64(len(h.ds)))
	if attempt := int(md.NumDelivered); attempt > r.opts.MaxDeliver {
		r.giveUpAll(ctx, h, fmt.Errorf("no verdict after %d deliveries (handler timed out or process stopped)", attempt-1))
		return nil
	}
	t := &tracker{held: h, errs: make([]error, len(h.ds))}
	t.left.Store(int32(len(h.ds)))
	return t
}

// slicesDeleteDone keeps the deliveries whose pack member is not done.
func slicesDeleteDone(ds []bus.Delivery, done []bool) []bus.Delivery {
	out := ds[:0]
	for _, d := range ds {
		if d.Index >= len(done) || !done[d.Index] {
			out = append(out, d)
		}
	}
	return out
}

// settle settles a message whose deliveries all have an outcome. It reports
// true when the caller must acknowledge it. Deliveries that failed with a
// permanent error are dead-lettered at once; a transient failure hands the
// message back with back-off, and only the failed members are handled again
// (see partials), until MaxDeliver, when they are dead-lettered too. A
// message whose every delivery was dead-lettered is terminated instead of
// acknowledged.
func (r *runner) settle(ctx context.Context, t *tracker) bool {
	h, errs := t.held, t.errs
	seq, attempt := h.md.Sequence.Stream, int(h.md.NumDelivered)
	var (
		again   []int // members to handle again
		given   bool  // some were never handled: no back-off
		handled int   // members that succeeded this time
		first   error
	)
	for i, err := range errs {
		switch {
		case err == nil:
			handled++
		case errors.Is(err, errGivenBack):
			again, given = append(again, i), true
		case errors.Is(err, bus.ErrPermanent):
			if !r.deadLetterOne(ctx, h, i, err) {
				again = append(again, i)
			}
		case attempt < r.opts.MaxDeliver:
			again = append(again, i)
			if first == nil {
				first = err
			}
		default:
			if !r.deadLetterOne(ctx, h, i, fmt.Errorf("failed %d deliveries, last error: %w", attempt, err)) {
				again = append(again, i)
			}
		}
	}
	if len(again) > 0 {
		if h.packed {
			r.rememberDone(h, again)
		}
		if given && first == nil {
			_ = h.msg.Nak() // best effort: if lost, AckWait redelivers it
			return false
		}
		r.retry(h, first)
		return false
	}
	r.partial.forget(seq)
	if !h.packed && handled == 0 {
		r.terminate(h)
		return false
	}
	return true
}

// rememberDone records that every member of h but those at again is done.
func (r *runner) rememberDone(h held, again []int) {
	seq := h.md.Sequence.Stream
	done := r.partial.get(seq)
	if done == nil {
		n := 0
		for _, d := range h.ds {
			n = max(n, d.Index+1)
		}
		done = make([]bool, n)
	}
	retry := make(map[int]bool, len(again))
	for _, i := range again {
		retry[h.ds[i].Index] = true
	}
	for _, d := range h.ds {
		if !retry[d.Index] && d.Index < len(done) {
			done[d.Index] = true
		}
	}
	r.partial.set(seq, done)
}
