package ingest

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/sharedtest"
)

// recordingPublisher keeps what it is asked to publish.
type recordingPublisher struct {
	mu   sync.Mutex
	msgs []bus.Message
}

func (p *recordingPublisher) PublishBatch(_ context.Context, ms []bus.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range ms {
		m.Header = maps.Clone(m.Header)
		delete(m.Header, bus.HeaderReceived) // the time of the request
		p.msgs = append(p.msgs, m)
	}
	return nil
}

// TestIDOnlyPublishesTheSameMessages posts the same requests to a handler
// whose validator hands the decoded alert to the sink and to one with
// IDOnly, and checks that the answers and everything published (alerts,
// keys, headers, dead letters) are the same.
func TestIDOnlyPublishesTheSameMessages(t *testing.T) {
	g, err := alertgen.New(alertgen.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	batch := []byte{'['}
	for i := range 300 {
		data, err := idmefv2.Encode(g.Next())
		if err != nil {
			t.Fatal(err)
		}
		if i < 20 {
			bodies = append(bodies, data) // single messages
		}
		if i > 0 {
			batch = append(batch, ',')
		}
		batch = append(batch, data...)
	}
	// An invalid message, one with an unknown attribute, an older draft
	// (upgraded) and a pretty-printed current one inside the batch.
	v04, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "idmefv2", "examples", "valid", "V04"), "official-IDMEFv2-Cyb1.json"))
	if err != nil {
		t.Fatal(err)
	}
	batch = append(batch, `,{"Version":"2.D.V08","ID":"not-a-uuid","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"x"}}`...)
	batch = append(batch, `,{"Version":"2.D.V08","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"x"},"Severity":"high"}`...)
	batch = append(append(batch, ','), v04...)
	batch = append(batch, `, { "Version" : "2.D.V08", "ID" : "6a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6", "CreateTime" : "2026-01-02T03:04:05Z", "Analyzer" : { "Name" : "x" } } ]`...)
	bodies = append(bodies, batch, v04)

	run := func(idOnly bool) (published, dead []bus.Message, answers []string) {
		v, err := NewValidator(ValidatorOptions{Upgrade: true, Lenient: true, RequireCurrent: true, IDOnly: idOnly})
		if err != nil {
			t.Fatal(err)
		}
		pub, dl := &recordingPublisher{}, &recordingPublisher{}
		h, err := transport.NewHandler(transport.Options{Sink: NewSink(pub, "", nil), Validator: v, Rejecter: NewDeadLetters(dl)})
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range bodies {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			answers = append(answers, http.StatusText(rec.Code)+" "+rec.Body.String())
		}
		return pub.msgs, dl.msgs, answers
	}
	wantPub, wantDead, wantAnswers := run(false)
	gotPub, gotDead, gotAnswers := run(true)
	if len(wantPub) != 20+300+3 || len(wantDead) != 2 {
		t.Fatalf("reference run: %d published, %d dead letters", len(wantPub), len(wantDead))
	}
	if slices.ContainsFunc(wantPub, func(m bus.Message) bool { return m.Key == "" }) {
		t.Fatal("reference run: a message without a key")
	}
	if d := cmp.Diff(wantPub, gotPub); d != "" {
		t.Errorf("published alerts differ (-alert +IDOnly):\n%s", d)
	}
	if d := cmp.Diff(wantDead, gotDead); d != "" {
		t.Errorf("dead letters differ (-alert +IDOnly):\n%s", d)
	}
	if d := cmp.Diff(wantAnswers, gotAnswers); d != "" {
		t.Errorf("answers differ (-alert +IDOnly):\n%s", d)
	}
}

// TestIDOnlyValue checks the Value an IDOnly validator gives: the ID of a
// current-draft alert, the upgraded alert for an older draft.
func TestIDOnlyValue(t *testing.T) {
	v, err := NewValidator(ValidatorOptions{Upgrade: true, RequireCurrent: true, IDOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	msg := `{"Version":"2.D.V08","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"x"}}`
	if got := v.Validate(ctx, []byte(msg)); !got.OK || got.Value != "5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6" || got.Rewritten != nil {
		t.Errorf("current draft: %+v", got)
	}
	v04 := `{"Version":"2.D.V04","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"IP":"192.0.2.1","Name":"probe"}}`
	got := v.Validate(ctx, []byte(v04))
	if a, ok := got.Value.(*idmefv2.Alert); !got.OK || !ok || a.Version != idmefv2.VersionV08 || got.Rewritten == nil {
		t.Errorf("older draft: %+v", got)
	}
}
