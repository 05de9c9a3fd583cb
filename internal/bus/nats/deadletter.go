package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
)

// maxReasonLen bounds the reason header; handler errors may quote input.
const maxReasonLen = 1024

// giveUpAll dead-letters every delivery of h for err, then terminates h; if
// a copy cannot be stored, h is handed back with back-off instead, so that
// it stays on the bus until it can be dead-lettered (copies already stored
// are recognised as duplicates then).
func (r *runner) giveUpAll(ctx context.Context, h held, err error) {
	for i := range h.ds {
		if !r.deadLetterOne(ctx, h, i, err) {
			if nerr := h.msg.NakWithDelay(r.opts.BackoffFor(int(h.md.NumDelivered))); nerr != nil {
				r.log.Warn("nak", "seq", h.md.Sequence.Stream, "err", nerr)
			}
			return
		}
	}
	r.partial.forget(h.md.Sequence.Stream)
	r.terminate(h)
}

// deadLetterOne copies delivery i of h to the dead-letter stream with err as
// the reason (a permanent error counts as such, any other as MaxDeliver
// exhausted) and reports whether the copy was stored.
func (r *runner) deadLetterOne(ctx context.Context, h held, i int, err error) bool {
	seq, d := h.md.Sequence.Stream, h.ds[i]
	if r.dead.name == r.st.name {
		// Consuming the dead-letter stream itself: it already holds the
		// message, so only stop redelivering it.
		r.log.Error("giving up on a dead letter", "seq", seq, "index", d.Index, "reason", err)
		return true
	}
	kind := reasonMaxDeliver
	if errors.Is(err, bus.ErrPermanent) {
		kind = reasonPermanent
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.b.opts.RequestTimeout)
	defer cancel()
	if _, perr := r.b.js.PublishMsg(pctx, r.deadLetter(d, h.md, h.packed, err.Error())); perr != nil {
		perr = r.b.classifyCount(r.dead, perr)
		r.log.Error("dead-letter not stored; will retry", "seq", seq, "index", d.Index, "reason", err, "err", perr)
		return false
	}
	r.dead.published.Inc()
	if kind == reasonPermanent {
		r.deadPerm.Inc()
	} else {
		r.deadMax.Inc()
	}
	r.log.Warn("message dead-lettered", "seq", seq, "index", d.Index, "attempt", h.md.NumDelivered, "kind", kind, "reason", err)
	return true
}

// deadLetter builds the dead-letter copy of d: same data, key and headers,
// plus the reason, origin and attempt count. Its Nats-Msg-Id names the
// origin message (and member, in a pack) and the consumer, so that
// dead-lettering the same message twice (a lost Term) stores one copy.
func (r *runner) deadLetter(d bus.Delivery, md *jetstream.MsgMetadata, packed bool, reason string) *nats.Msg {
	h := make(nats.Header, len(d.Header)+6)
	for k, v := range d.Header {
		h[k] = []string{v}
	}
	if d.Key != "" {
		h[headerKey] = []string{d.Key}
	}
	h[bus.HeaderDeadReason] = []string{oneLine(reason)}
	h[bus.HeaderDeadSubject] = []string{r.st.cfg.Subject}
	h[bus.HeaderDeadConsumer] = []string{r.durable}
	h[bus.HeaderDeadAttempts] = []string{strconv.FormatUint(md.NumDelivered, 10)}
	id := fmt.Sprintf("dead:%s:%s:%d", r.st.name, r.durable, md.Sequence.Stream)
	if packed {
		id += ":" + strconv.Itoa(d.Index)
	}
	h[nats.MsgIdHdr] = []string{id}
	return &nats.Msg{Subject: r.dead.subject, Data: d.Data, Header: h}
}

func (r *runner) terminate(h held) {
	if err := h.msg.Term(); err != nil {
		r.log.Warn("term", "seq", h.md.Sequence.Stream, "err", err)
	}
}

// oneLine makes s a valid, bounded header value.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if len(s) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
