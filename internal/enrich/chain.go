package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// AttachmentName is the name of the JSON attachment that carries what the
// enrichers found beyond the IDMEFv2 attributes.
const AttachmentName = "enrichment"

// AttachmentVersion is the version of the attachment's JSON shape.
const AttachmentVersion = 1

// Step is one enricher. Enrich must be safe for concurrent use and must not
// block for long: remote look-ups go through a Cache.
type Step interface {
	Name() string
	Enrich(ctx context.Context, s *Subject)
}

// Document is the JSON content of the enrichment attachment.
type Document struct {
	Version int `json:"version"`
	// Enrichers holds, per enricher, per entity ("Source(0)",
	// "Target(1)"…), what the enricher found.
	Enrichers map[string]map[string]any `json:"enrichers,omitempty"`
	// Pending lists, per enricher, the entities being looked up in the
	// background when the alert went on.
	Pending map[string][]string `json:"pending,omitempty"`
	// Priority says how and why the priority was raised.
	Priority *PriorityChange `json:"priority,omitempty"`
}

// PriorityChange records a priority raise.
type PriorityChange struct {
	From   idmefv2.Priority `json:"from"`
	To     idmefv2.Priority `json:"to"`
	Raises []Raise          `json:"raises"`
}

// Chain runs steps over each alert. It implements the pipeline's Enricher.
type Chain struct {
	steps   []Step
	metrics *Metrics
	budget  time.Duration
}

// WithBudget bounds the total time one alert may wait for remote look-ups
// across all steps (each cache also has its own bound). It returns c.
func (c *Chain) WithBudget(d time.Duration) *Chain {
	c.budget = d
	return c
}

// budgetCtx carries the alert's deadline for Cache.Get without a timer:
// nothing is cancelled at the deadline, the caches just stop waiting.
type budgetCtx struct {
	context.Context
	deadline time.Time
}

func (b budgetCtx) Deadline() (time.Time, bool) { return b.deadline, true }

// NewChain returns a chain of steps, run in order.
func NewChain(metrics *Metrics, steps ...Step) *Chain {
	return &Chain{steps: steps, metrics: metrics}
}

// Name identifies the chain in the pipeline's logs.
func (c *Chain) Name() string { return "enrich" }

// Steps returns the chain's steps in order.
func (c *Chain) Steps() []Step { return slices.Clone(c.steps) }

// Enrich runs every step over a, then writes the enrichment attachment and
// the priority. If the result is not valid IDMEFv2, every change is undone
// and an error says why: an alert never leaves the chain invalid.
func (c *Chain) Enrich(ctx context.Context, a *idmefv2.Alert) error {
	snap := snapshot(a)
	s := NewSubject(a)
	if c.budget > 0 {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.budget {
			ctx = budgetCtx{Context: ctx, deadline: time.Now().Add(c.budget)}
		}
	}
	for _, st := range c.steps {
		st.Enrich(ctx, s)
	}
	changed, err := s.finish()
	if err == nil && changed {
		if r := a.Validate(); !r.Valid() {
			err = fmt.Errorf("enrichment made the alert invalid, undone: %s", r.Errors()[0])
		}
	}
	switch {
	case err != nil:
		snap.restore(a)
		c.metrics.alert("reverted")
		return err
	case changed:
		c.metrics.alert("enriched")
	default:
		c.metrics.alert("unchanged")
	}
	return nil
}

// finish applies the priority raises and writes the attachment. It reports
// whether there was anything to write.
func (s *Subject) finish() (bool, error) {
	if len(s.found) == 0 && len(s.pending) == 0 && len(s.raises) == 0 && len(s.extra) == 0 {
		return false, nil
	}
	for _, x := range s.extra {
		s.putAttachment(x.att)
		if !slices.Contains(*x.host.Attachment, x.att.Name) {
			*x.host.Attachment = append(*x.host.Attachment, x.att.Name)
		}
	}
	doc := Document{Version: AttachmentVersion, Enrichers: s.found, Pending: s.pending}
	if len(s.raises) > 0 {
		best := s.raises[0]
		for _, r := range s.raises[1:] {
			if r.To.Rank() > best.To.Rank() {
				best = r
			}
		}
		if best.To.Rank() > s.Alert.Priority.Rank() {
			doc.Priority = &PriorityChange{From: s.Alert.Priority, To: best.To, Raises: s.raises}
			s.Alert.Priority = best.To
		}
	}
	content, err := doc.appendJSON(make([]byte, 0, 512))
	if err != nil {
		return true, fmt.Errorf("encode the enrichment attachment: %w", err)
	}
	s.putAttachment(idmefv2.Attachment{Name: AttachmentName, ContentType: "application/json", Content: content})
	// Each host something was found about refers to the attachment.
	for _, h := range s.Hosts {
		if s.about(h.Key()) && !slices.Contains(*h.Attachment, AttachmentName) {
			*h.Attachment = append(*h.Attachment, AttachmentName)
		}
	}
	return true, nil
}

// putAttachment adds att, replacing an attachment of the same name.
func (s *Subject) putAttachment(att idmefv2.Attachment) {
	if i := slices.IndexFunc(s.Alert.Attachment, func(x idmefv2.Attachment) bool { return x.Name == att.Name }); i >= 0 {
		s.Alert.Attachment[i] = att
	} else {
		s.Alert.Attachment = append(s.Alert.Attachment, att)
	}
}

func (s *Subject) about(key string) bool {
	for _, m := range s.found {
		if _, ok := m[key]; ok {
			return true
		}
	}
	return false
}

// snap is what a chain may change in an alert. Steps only assign strings
// and append to slices, so shallow copies restore the alert exactly.
type snap struct {
	priority   idmefv2.Priority
	sources    []idmefv2.Source
	targets    []idmefv2.Target
	attachment []idmefv2.Attachment
}

func snapshot(a *idmefv2.Alert) snap {
	return snap{priority: a.Priority, sources: slices.Clone(a.Source), targets: slices.Clone(a.Target), attachment: slices.Clone(a.Attachment)}
}

func (s snap) restore(a *idmefv2.Alert) {
	a.Priority, a.Source, a.Target, a.Attachment = s.priority, s.sources, s.targets, s.attachment
}

// appendJSON encodes the document with sorted keys. A finding that is a
// json.RawMessage is written as it is (steps pre-encode what they cache),
// the rest with encoding/json.
func (d *Document) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, int64(d.Version), 10)
	if len(d.Enrichers) > 0 {
		b = append(b, `,"enrichers":{`...)
		for i, step := range sortedKeys(d.Enrichers) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, step)
			b = append(b, '{')
			found := d.Enrichers[step]
			for j, entity := range sortedKeys(found) {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendKey(b, entity)
				switch v := found[entity].(type) {
				case json.RawMessage:
					b = append(b, v...)
				default:
					enc, err := json.Marshal(v)
					if err != nil {
						return nil, fmt.Errorf("%s finding for %s: %w", step, entity, err)
					}
					b = append(b, enc...)
				}
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	for _, extra := range []struct {
		key string
		v   any
	}{{"pending", d.Pending}, {"priority", d.Priority}} {
		if extra.key == "pending" && len(d.Pending) == 0 || extra.key == "priority" && d.Priority == nil {
			continue
		}
		enc, err := json.Marshal(extra.v)
		if err != nil {
			return nil, err
		}
		b = append(b, ',')
		b = appendKey(b, extra.key)
		b = append(b, enc...)
	}
	return append(b, '}'), nil
}

func appendKey(b []byte, k string) []byte {
	if plain(k) {
		b = append(b, '"')
		b = append(b, k...)
		return append(b, '"', ':')
	}
	enc, _ := json.Marshal(k) // a string always encodes
	b = append(b, enc...)
	return append(b, ':')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// plain reports whether k needs no JSON escaping (the step names and host
// keys such as "Source(0)").
func plain(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
