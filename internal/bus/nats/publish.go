package nats

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
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
// acknowledgement; see bus.Publisher. With Options.Pack, the messages that
// share a subject travel in packs (pack.go).
func (b *Bus) PublishBatch(ctx context.Context, ms []bus.Message) error {
	errs := make([]error, len(ms))
	units := b.units(ms, errs)
	futures := make([]jetstream.PubAckFuture, len(units))
	failed := false
	for i, u := range units {
		// Block, rather than fail, while too many publishes are unacknowledged.
		f, err := b.js.PublishMsgAsync(u.msg, jetstream.WithStallWait(b.opts.RequestTimeout))
		if err != nil {
			err = b.countErrs(u.st, err, len(u.members))
			u.settle(errs, err)
			failed = true
			continue
		}
		futures[i] = f
	}
	for _, err := range errs {
		failed = failed || err != nil
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		u := units[i]
		var (
			ack *jetstream.PubAck
			err error
		)
		select {
		case ack = <-f.Ok():
		case err = <-f.Err():
		case <-ctx.Done():
			err = fmt.Errorf("publish to %s: acknowledgement not received: %w", u.st.cfg.Subject, ctx.Err())
		}
		err = b.publishedN(u.st, ack, err, len(u.members))
		if ack != nil && u.pack != nil {
			// Acknowledged: the client holds the payload no more.
			b.packs.Put(u.pack)
		}
		u.settle(errs, err)
		failed = failed || err != nil
	}
	if failed {
		return &bus.BatchError{Errs: errs}
	}
	return nil
}

// unit is one NATS message of a PublishBatch call and the messages of the
// call it carries.
type unit struct {
	st      stream
	msg     *nats.Msg
	members []int   // indexes into the call's messages
	pack    *[]byte // the payload of a pack, from Bus.packs
}

func (u unit) settle(errs []error, err error) {
	for _, i := range u.members {
		errs[i] = err
	}
}

// units turns the messages of a PublishBatch call into NATS messages: one
// each, or packs when packing is on. A message that cannot be published has
// its error set in errs and is left out.
func (b *Bus) units(ms []bus.Message, errs []error) []unit {
	units := make([]unit, 0, len(ms))
	if !b.opts.Pack || len(ms) < 2 {
		for i, m := range ms {
			st, msg, err := b.toNATS(m)
			if err != nil {
				errs[i] = err
				continue
			}
			units = append(units, unit{st: st, msg: msg, members: []int{i}})
		}
		return units
	}
	limit := int(b.nc.MaxPayload()) - packOverhead
	type open struct {
		st      stream
		members []int
		size    int
	}
	var (
		order   []string // subjects in order of first appearance
		packs   = map[string]*open{}
		dataFor = make(map[subjectKey]int, len(ms)) // index of each key's first message in this call
	)
	closePack := func(p *open) {
		switch len(p.members) {
		case 0:
			return
		case 1:
			i := p.members[0]
			if _, msg, err := b.toNATS(ms[i]); err == nil {
				units = append(units, unit{st: p.st, msg: msg, members: p.members})
			} else {
				errs[i] = err
			}
		default:
			h := nats.Header{
				headerPack:    []string{strconv.Itoa(len(p.members))},
				nats.MsgIdHdr: []string{packID(ms, p.members)},
			}
			buf := b.packs.Get().(*[]byte)
			if cap(*buf) < p.size+1 {
				*buf = make([]byte, 0, p.size+1)
			}
			*buf = encodePack((*buf)[:0], ms, p.members)
			if b.opts.CompressPacks {
				zbuf := b.packs.Get().(*[]byte)
				*zbuf = compressPack(*zbuf, *buf)
				b.packs.Put(buf) // only the compressed form is published
				buf = zbuf
			}
			msg := &nats.Msg{Subject: p.st.subject, Data: *buf, Header: h}
			units = append(units, unit{st: p.st, msg: msg, members: p.members, pack: buf})
		}
		p.members, p.size = nil, 0
	}
	type dup struct{ i, of int } // ms[i] repeats ms[of]: settled like it
	var dups []dup
	for i := range ms {
		m := &ms[i]
		st, err := b.checkMessage(*m)
		if err != nil {
			errs[i] = err
			continue
		}
		if m.Key != "" {
			sk := subjectKey{m.Subject, m.Key}
			if j, ok := dataFor[sk]; ok && bytes.Equal(ms[j].Data, m.Data) {
				dups = append(dups, dup{i: i, of: j})
				continue
			}
			dataFor[sk] = i
		}
		size := packSize(m)
		p := packs[m.Subject]
		if p == nil {
			p = &open{st: st}
			packs[m.Subject] = p
			order = append(order, m.Subject)
		}
		if size > limit { // alone, after what came before it
			closePack(p)
			st, msg, err := b.toNATS(*m)
			if err != nil {
				errs[i] = err
				continue
			}
			units = append(units, unit{st: st, msg: msg, members: []int{i}})
			continue
		}
		if p.size+size > limit || len(p.members) == b.opts.MaxPack {
			closePack(p)
		}
		p.members = append(p.members, i)
		p.size += size
	}
	for _, subject := range order {
		closePack(packs[subject])
	}
	if len(dups) > 0 {
		// Append the duplicate to the unit of the message it repeats.
		byMember := make(map[int]int, len(ms))
		for k, u := range units {
			for _, i := range u.members {
				byMember[i] = k
			}
		}
		for _, d := range dups {
			if k, ok := byMember[d.of]; ok {
				units[k].members = append(units[k].members, d.i)
			} else {
				errs[d.i] = errs[d.of]
			}
		}
	}
	return units
}

// subjectKey is a message's subject and key.
type subjectKey struct{ subject, key string }

// published counts the outcome of one publish and decorates its error.
func (b *Bus) published(st stream, ack *jetstream.PubAck, err error) error {
	return b.publishedN(st, ack, err, 1)
}

// publishedN counts the outcome of one publish carrying n bus messages.
func (b *Bus) publishedN(st stream, ack *jetstream.PubAck, err error, n int) error {
	if err == nil {
		st.fill.units.Add(1)
		st.fill.members.Add(uint64(n))
		st.published.Add(float64(n))
		if ack != nil && ack.Duplicate {
			st.duplicates.Add(float64(n))
		}
		return nil
	}
	return b.countErrs(st, err, n)
}

func (b *Bus) classifyCount(st stream, err error) error {
	if err == nil {
		return nil
	}
	return b.countErrs(st, err, 1)
}

// countErrs counts a publish error that hit n bus messages and decorates it.
func (b *Bus) countErrs(st stream, err error, n int) error {
	err = classify(err)
	st.publishErrs.Add(float64(n))
	if errors.Is(err, bus.ErrBackpressure) {
		st.backpressure.Add(float64(n))
	}
	return fmt.Errorf("publish to %s: %w", st.cfg.Subject, err)
}

// checkMessage validates m and returns its stream.
func (b *Bus) checkMessage(m bus.Message) (stream, error) {
	st, err := b.stream(m.Subject)
	if err != nil {
		return st, fmt.Errorf("publish: %w", err)
	}
	for k, v := range m.Header {
		if err := validHeader(k, v); err != nil {
			return st, fmt.Errorf("publish to %s: %w", m.Subject, err)
		}
	}
	if strings.ContainsAny(m.Key, "\r\n") {
		return st, fmt.Errorf("publish to %s: key %q: must not contain CR or LF", m.Subject, m.Key)
	}
	return st, nil
}

// toNATS validates m and builds its NATS message.
func (b *Bus) toNATS(m bus.Message) (stream, *nats.Msg, error) {
	st, err := b.checkMessage(m)
	if err != nil {
		return st, nil, err
	}
	h := make(nats.Header, len(m.Header)+2)
	for k, v := range m.Header {
		h[k] = []string{v}
	}
	if m.Key != "" {
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
