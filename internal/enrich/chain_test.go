package enrich_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
)

// stepFunc adapts a function to enrich.Step.
type stepFunc struct {
	name string
	f    func(s *enrich.Subject)
}

func (s stepFunc) Name() string                                  { return s.name }
func (s stepFunc) Enrich(_ context.Context, sub *enrich.Subject) { s.f(sub) }

func testAlert() *idmefv2.Alert {
	return &idmefv2.Alert{
		Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Priority: idmefv2.PriorityLow,
		Analyzer: idmefv2.Analyzer{Name: "test", IP: "10.0.0.9"},
		Source:   []idmefv2.Source{{ID: "c0ffee00-0000-4000-8000-000000000002", IP: "203.0.113.7"}},
		Target:   []idmefv2.Target{{ID: "c0ffee00-0000-4000-8000-000000000003", IP: "10.0.1.10", User: "alice"}},
	}
}

func TestChainWritesAttributesAttachmentAndPriority(t *testing.T) {
	m, err := enrich.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	chain := enrich.NewChain(m,
		stepFunc{"one", func(s *enrich.Subject) {
			for _, h := range s.Hosts {
				if h.Role == "Target" {
					*h.Hostname = "web-01"
					s.Record("one", h.Key(), map[string]string{"owner": "web team"})
					s.RaisePriority("one", idmefv2.PriorityMedium, "critical asset")
				}
			}
		}},
		stepFunc{"two", func(s *enrich.Subject) {
			h := s.Hosts[0]
			if !h.AddTI("IP:blocklist") {
				t.Error("a Source has TI")
			}
			if s.Hosts[1].AddTI("IP:x") {
				t.Error("a Target has no TI in V08")
			}
			s.Record("two", h.Key(), "listed")
			s.Pending("two", "Target(0)")
			s.RaisePriority("two", idmefv2.PriorityHigh, "listed")
		}},
	)
	a := testAlert()
	if err := chain.Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("enriched alert invalid: %v", r.Errors())
	}
	if a.Target[0].Hostname != "web-01" || len(a.Source[0].TI) != 1 || a.Source[0].TI[0] != "IP:blocklist" {
		t.Errorf("attributes not written: %+v %+v", a.Source[0], a.Target[0])
	}
	if a.Priority != idmefv2.PriorityHigh {
		t.Errorf("priority %s, want High (the highest raise)", a.Priority)
	}
	if len(a.Attachment) != 1 || a.Attachment[0].Name != enrich.AttachmentName {
		t.Fatalf("attachments %+v", a.Attachment)
	}
	var doc enrich.Document
	if err := json.Unmarshal(a.Attachment[0].Content, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || doc.Enrichers["two"]["Source(0)"] != "listed" || doc.Pending["two"][0] != "Target(0)" {
		t.Errorf("document %+v", doc)
	}
	if doc.Priority == nil || doc.Priority.From != idmefv2.PriorityLow || doc.Priority.To != idmefv2.PriorityHigh || len(doc.Priority.Raises) != 2 {
		t.Errorf("priority record %+v", doc.Priority)
	}
	for _, ref := range [][]string{a.Source[0].Attachment, a.Target[0].Attachment} {
		if len(ref) != 1 || ref[0] != enrich.AttachmentName {
			t.Errorf("host does not refer to the attachment: %v", ref)
		}
	}
	// Enriching again replaces the attachment rather than adding one.
	if err := chain.Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if len(a.Attachment) != 1 || len(a.Source[0].TI) != 1 || len(a.Source[0].Attachment) != 1 {
		t.Errorf("second pass duplicated: %+v", a)
	}
	if got := testutil.ToFloat64(enrich.AlertsCounter(m, "enriched")); got != 2 {
		t.Errorf("enriched count %v, want 2", got)
	}
}

func TestChainNeverLowersPriority(t *testing.T) {
	a := testAlert()
	a.Priority = idmefv2.PriorityHigh
	chain := enrich.NewChain(nil, stepFunc{"s", func(s *enrich.Subject) { s.RaisePriority("s", idmefv2.PriorityLow, "x") }})
	if err := chain.Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.Priority != idmefv2.PriorityHigh {
		t.Errorf("priority lowered to %s", a.Priority)
	}
}

func TestChainUndoesAnInvalidChange(t *testing.T) {
	a := testAlert()
	before, _ := idmefv2.Encode(a)
	chain := enrich.NewChain(nil, stepFunc{"bad", func(s *enrich.Subject) {
		*s.Hosts[0].GeoLocation = "somewhere" // not a GEOLOC
		s.Record("bad", "Source(0)", "x")
		s.RaisePriority("bad", idmefv2.PriorityHigh, "x")
	}})
	if err := chain.Enrich(context.Background(), a); err == nil {
		t.Fatal("no error for an invalid result")
	}
	after, _ := idmefv2.Encode(a)
	if string(before) != string(after) {
		t.Errorf("alert not restored:\n%s\n%s", before, after)
	}
}

func TestChainLeavesAlertAloneWhenNothingFound(t *testing.T) {
	a := testAlert()
	before, _ := idmefv2.Encode(a)
	chain := enrich.NewChain(nil, stepFunc{"none", func(*enrich.Subject) {}})
	if err := chain.Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if after, _ := idmefv2.Encode(a); string(before) != string(after) {
		t.Errorf("unchanged alert modified:\n%s", after)
	}
}
