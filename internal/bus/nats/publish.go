package nats

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
)

// headerKey carries Message.Key; Nats-Msg-Id carries the de-duplication ID,
// which is not the key alone (see dedupID).
const headerKey = "Vigie-Bus-Key"

// Publish stores m and waits for the stream's acknowledgement.
func (b *Bus) Publish(ctx context.Context, m bus.Message) error {
	st, msg, err := b.toNATS(m)
	if err != nil {
		return err
	}
	ack, err := b.js.PublishMsg(ctx, msg)
	return b.published(st, ack, err)
}

// PublishBatch publishes ms asynchronously and waits for every
// acknowledgement; see bus.Publisher.
func (b *Bus) PublishBatch(ctx context.Context, ms []bus.Message) error {
	errs := make([]error, len(ms))
	futures := make([]jetstream.PubAckFuture, len(ms))
	sts := make([]stream, len(ms))
	failed := false
	for i, m := range ms {
		st, msg, err := b.toNATS(m)
		if err == nil {
			// Block, rather than fail, while too many publishes are unacknowledged.
			futures[i], err = b.js.PublishMsgAsync(msg, jetstream.WithStallWait(b.opts.RequestTimeout))
			err = b.classifyCount(st, err)
		}
		sts[i], errs[i] = st, err
		failed = failed || err != nil
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		var (
			ack *jetstream.PubAck
			err error
		)
		select {
		case ack = <-f.Ok():
		case err = <-f.Err():
		case <-ctx.Done():
			err = fmt.Errorf("publish to %s: acknowledgement not received: %w", ms[i].Subject, ctx.Err())
		}
		errs[i] = b.published(sts[i], ack, err)
		failed = failed || err != nil
	}
	if failed {
		return &bus.BatchError{Errs: errs}
	}
	return nil
}

// published counts the outcome of one publish and decorates its error.
func (b *Bus) published(st stream, ack *jetstream.PubAck, err error) error {
	if err == nil {
		st.published.Inc()
		if ack != nil && ack.Duplicate {
			st.duplicates.Inc()
		}
		return nil
	}
	return b.classifyCount(st, err)
}

func (b *Bus) classifyCount(st stream, err error) error {
	if err == nil {
		return nil
	}
	err = classify(err)
	st.publishErrs.Inc()
	if errors.Is(err, bus.ErrBackpressure) {
		st.backpressure.Inc()
	}
	return fmt.Errorf("publish to %s: %w", st.cfg.Subject, err)
}

// toNATS validates m and builds its NATS message.
func (b *Bus) toNATS(m bus.Message) (stream, *nats.Msg, error) {
	st, err := b.stream(m.Subject)
	if err != nil {
		return st, nil, fmt.Errorf("publish: %w", err)
	}
	h := make(nats.Header, len(m.Header)+2)
	for k, v := range m.Header {
		if err := validHeader(k, v); err != nil {
			return st, nil, fmt.Errorf("publish to %s: %w", m.Subject, err)
		}
		h[k] = []string{v}
	}
	if m.Key != "" {
		if strings.ContainsAny(m.Key, "\r\n") {
			return st, nil, fmt.Errorf("publish to %s: key %q: must not contain CR or LF", m.Subject, m.Key)
		}
		h[headerKey] = []string{m.Key}
		h[nats.MsgIdHdr] = []string{dedupID(m.Key, m.Data)}
	}
	return st, &nats.Msg{Subject: st.subject, Data: m.Data, Header: h}, nil
}

// dedupID identifies a message for JetStream's duplicate window: the key plus
// a digest of the payload. A retry of the same alert is thus dropped, while an
// update of the alert under the same ID (different payload) is stored.
func dedupID(key string, data []byte) string {
	sum := sha256.Sum256(data)
	return key + ":" + base64.RawURLEncoding.EncodeToString(sum[:16])
}

func validHeader(k, v string) error {
	switch {
	case k == "":
		return fmt.Errorf("header name: must not be empty")
	case strings.HasPrefix(k, "Nats-"), strings.HasPrefix(k, "Vigie-Bus-"):
		return fmt.Errorf("header %q: the Nats- and Vigie-Bus- prefixes are reserved for the bus", k)
	case strings.ContainsAny(k, ": \t\r\n"):
		return fmt.Errorf("header name %q: must not contain ':', spaces or line breaks", k)
	case strings.ContainsAny(v, "\r\n"):
		return fmt.Errorf("header %q: value must not contain CR or LF", k)
	}
	return nil
}
