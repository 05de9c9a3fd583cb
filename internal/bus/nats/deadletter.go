package nats

import (
	"context"
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

// giveUp copies msg to the dead-letter stream with the reason, then
// terminates it for this consumer. When the copy cannot be stored (e.g. the
// dead-letter stream is full) the message is handed back with back-off
// instead: it stays on the bus until it can be dead-lettered.
func (r *runner) giveUp(ctx context.Context, msg jetstream.Msg, md *jetstream.MsgMetadata, kind, reason string) {
	seq := md.Sequence.Stream
	if r.dead.name == r.st.name {
		// Consuming the dead-letter stream itself: it already holds the
		// message, so only stop redelivering it.
		r.log.Error("giving up on a dead letter", "seq", seq, "reason", reason)
		r.terminate(msg, seq)
		return
	}
	dl := r.deadLetter(msg, md, reason)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.b.opts.RequestTimeout)
	defer cancel()
	if _, err := r.b.js.PublishMsg(pctx, dl); err != nil {
		err = r.b.classifyCount(r.dead, err)
		r.log.Error("dead-letter not stored; will retry", "seq", seq, "reason", reason, "err", err)
		if err := msg.NakWithDelay(r.opts.BackoffFor(int(md.NumDelivered))); err != nil {
			r.log.Warn("nak", "seq", seq, "err", err)
		}
		return
	}
	r.dead.published.Inc()
	if kind == reasonPermanent {
		r.deadPerm.Inc()
	} else {
		r.deadMax.Inc()
	}
	r.log.Warn("message dead-lettered", "seq", seq, "attempt", md.NumDelivered, "kind", kind, "reason", reason)
	r.terminate(msg, seq)
}

// deadLetter builds the dead-letter copy of msg: same data and headers, plus
// the reason, origin and attempt count. Its Nats-Msg-Id names the origin
// message and consumer, so that dead-lettering the same message twice (a lost
// Term) stores one copy.
func (r *runner) deadLetter(msg jetstream.Msg, md *jetstream.MsgMetadata, reason string) *nats.Msg {
	h := make(nats.Header, len(msg.Headers())+5)
	for k, v := range msg.Headers() {
		if k != nats.MsgIdHdr {
			h[k] = v
		}
	}
	h[bus.HeaderDeadReason] = []string{oneLine(reason)}
	h[bus.HeaderDeadSubject] = []string{r.st.cfg.Subject}
	h[bus.HeaderDeadConsumer] = []string{r.durable}
	h[bus.HeaderDeadAttempts] = []string{strconv.FormatUint(md.NumDelivered, 10)}
	h[nats.MsgIdHdr] = []string{fmt.Sprintf("dead:%s:%s:%d", r.st.name, r.durable, md.Sequence.Stream)}
	return &nats.Msg{Subject: r.dead.subject, Data: msg.Data(), Header: h}
}

func (r *runner) terminate(msg jetstream.Msg, seq uint64) {
	if err := msg.Term(); err != nil {
		r.log.Warn("term", "seq", seq, "err", err)
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
