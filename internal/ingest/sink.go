package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/bus"
)

// Publisher is the part of the bus ingest needs.
type Publisher interface {
	PublishBatch(ctx context.Context, ms []bus.Message) error
}

// SubjectIngest is the bus.HeaderDeadSubject value of inputs refused by ingest
// itself.
const SubjectIngest = "ingest"

// MaxProblemsHeader bounds the problems carried with a dead letter
// (bus.HeaderDeadProblems); further problems are summarised.
const MaxProblemsHeader = 16 << 10

// Sink publishes accepted alerts to a bus subject (alerts.in, or
// alerts.enriched when there is nothing to enrich: see
// pipeline.IngestSubject); it returns only once the bus has stored every one
// of them, so that the transport acknowledges the sender only then.
type Sink struct {
	pub     Publisher
	subject string
	limit   *LagLimit // nil: no back-pressure from the pipeline
}

// NewSink returns a Sink publishing on pub to subject (bus.SubjectIn if
// empty). With a LagLimit, it holds or refuses alerts (503) while the
// pipeline is too far behind.
func NewSink(pub Publisher, subject string, limit *LagLimit) *Sink {
	if subject == "" {
		subject = bus.SubjectIn
	}
	return &Sink{pub: pub, subject: subject, limit: limit}
}

// Accept implements transport.Sink.
func (s *Sink) Accept(ctx context.Context, msgs []transport.Message) error {
	if s.limit != nil {
		if err := s.limit.Admit(ctx, len(msgs)); err != nil {
			return err
		}
	}
	out := make([]bus.Message, len(msgs))
	// The messages of one request share their sender and reception time:
	// they share one header map too (the bus only reads it).
	var (
		hdr      map[string]string
		peer     transport.Peer
		received time.Time
	)
	for i, m := range msgs {
		if hdr == nil || m.Peer != peer || !m.Received.Equal(received) {
			peer, received = m.Peer, m.Received
			hdr = map[string]string{
				bus.HeaderContentType: "application/json",
				bus.HeaderSender:      senderOf(m.Peer),
				bus.HeaderReceived:    m.Received.UTC().Format(time.RFC3339Nano),
			}
		}
		out[i] = bus.Message{Subject: s.subject, Key: alertID(m), Data: m.Data, Header: hdr}
	}
	err := s.pub.PublishBatch(ctx, out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bus.ErrBackpressure):
		// The sender retries the whole request; messages already stored
		// are de-duplicated by the bus (same Key and Data).
		return fmt.Errorf("%w: %w", transport.ErrBackpressure, err)
	default:
		return fmt.Errorf("%w: publish: %w", transport.ErrUnavailable, err)
	}
}

// alertID is the bus key of an accepted message: the alert's ID.
func alertID(m transport.Message) string {
	switch v := m.Value.(type) {
	case *idmefv2.Alert:
		if v != nil {
			return v.ID
		}
	case string: // Validator with IDOnly
		return v
	}
	var v struct{ ID string }
	if json.Unmarshal(m.Data, &v) == nil {
		return v.ID
	}
	return ""
}

// senderOf names the peer for the HeaderSender header: its authenticated
// name, or its address when it did not authenticate.
func senderOf(p transport.Peer) string {
	if p.Name != "" {
		return string(p.Method) + ":" + p.Name
	}
	return "addr:" + p.Addr
}

// DeadLetters publishes every input ingest refused to the dead-letter
// subject, with the reason, the problems and the sender, so that nothing is
// dropped silently.
type DeadLetters struct {
	pub Publisher
}

// NewDeadLetters returns a transport.Rejecter publishing on pub.
func NewDeadLetters(pub Publisher) *DeadLetters { return &DeadLetters{pub: pub} }

// Reject implements transport.Rejecter.
func (d *DeadLetters) Reject(ctx context.Context, rs []transport.Rejection) error {
	out := make([]bus.Message, len(rs))
	for i, r := range rs {
		h := map[string]string{
			bus.HeaderContentType: "application/json",
			bus.HeaderSender:      senderOf(r.Peer),
			bus.HeaderDeadReason:  r.Reason,
			bus.HeaderDeadSubject: SubjectIngest,
			bus.HeaderDeadStatus:  strconv.Itoa(r.Status),
			bus.HeaderReceived:    r.Received.UTC().Format(time.RFC3339Nano),
		}
		if len(r.Problems) > 0 {
			h[bus.HeaderDeadProblems] = problemsJSON(r.Problems)
		}
		out[i] = bus.Message{Subject: bus.SubjectDead, Data: r.Data, Header: h}
	}
	if err := d.pub.PublishBatch(ctx, out); err != nil {
		return fmt.Errorf("publish dead letters: %w", err)
	}
	return nil
}

// problemsJSON encodes problems, dropping the tail beyond MaxProblemsHeader
// and saying how many were dropped.
func problemsJSON(ps []transport.Problem) string {
	for n := len(ps); n > 0; n /= 2 {
		list := ps[:n]
		if n < len(ps) {
			list = append(list[:n:n], transport.Problem{Rule: "truncated", Message: fmt.Sprintf("%d more problems not kept", len(ps)-n), Severity: transport.SeverityError})
		}
		b, err := json.Marshal(list)
		if err == nil && len(b) <= MaxProblemsHeader {
			return string(b)
		}
	}
	return `[{"rule":"truncated","message":"problems too large to keep","severity":"error"}]`
}
