package ingest

import (
	"context"
	"encoding/json"
	"github.com/vigie-siem/vigie/internal/sharedtest"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/bus/nats"
)

// newIngest serves the ingest handler over an embedded bus.
func newIngest(t *testing.T) (*httptest.Server, *nats.Bus) { return newIngestTB(t) }

func newIngestTB(t testing.TB) (*httptest.Server, *nats.Bus) {
	t.Helper()
	ctx := context.Background()
	b, err := nats.Open(ctx, nats.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	v, err := NewValidator(ValidatorOptions{Upgrade: true, Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := transport.NewHandler(transport.Options{Sink: NewSink(b, "", nil), Validator: v, Rejecter: NewDeadLetters(b)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, b
}

// collect consumes n messages of subject.
func collect(t *testing.T, b *nats.Bus, subject string, n int, durable ...string) []bus.Delivery {
	t.Helper()
	name := "test-" + strings.ReplaceAll(subject, ".", "-")
	if len(durable) > 0 {
		name = durable[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		got []bus.Delivery
	)
	done := make(chan struct{})
	go func() {
		_ = b.Consume(ctx, subject, name, bus.ConsumeOptions{}, func(_ context.Context, d bus.Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, d)
			if len(got) == n {
				close(done)
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("%d of %d messages on %s", len(got), n, subject)
	}
	cancel()
	mu.Lock()
	defer mu.Unlock()
	return got
}

func post(t *testing.T, url, payload string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAcceptedAlertsReachTheBus(t *testing.T) {
	srv, b := newIngest(t)
	g, err := alertgen.New(alertgen.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	ids := map[string]bool{}
	for range 20 {
		a := g.Next()
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(data))
		ids[a.ID] = true
	}
	if code, body := post(t, srv.URL, "["+strings.Join(msgs, ",")+"]"); code != http.StatusNoContent {
		t.Fatalf("batch: %d %s", code, body)
	}
	for _, d := range collect(t, b, bus.SubjectIn, 20) {
		if !ids[d.Key] {
			t.Errorf("unexpected key %q", d.Key)
		}
		if d.Header[bus.HeaderSender] == "" || d.Header[bus.HeaderReceived] == "" {
			t.Errorf("headers missing: %v", d.Header)
		}
		if rep := idmefv2.ValidateJSON(d.Data); !rep.Valid() {
			t.Errorf("invalid alert on the bus: %v", rep.Errors())
		}
	}
}

func TestOlderDraftsAreUpgradedOnTheWayIn(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "idmefv2", "examples", "valid", "V04"), "official-IDMEFv2-Cyb1.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv, b := newIngest(t)
	if code, body := post(t, srv.URL, string(data)); code != http.StatusNoContent {
		t.Fatalf("V04 message: %d %s", code, body)
	}
	d := collect(t, b, bus.SubjectIn, 1)[0]
	a, rep := idmefv2.DecodeValidate(d.Data)
	if a == nil || a.Version != idmefv2.VersionV08 {
		t.Fatalf("bus carries %s, want a valid V08 alert (%v)", d.Data, rep.Errors())
	}
}

func TestRefusedInputIsDeadLettered(t *testing.T) {
	srv, b := newIngest(t)
	bad := `{"Version":"2.D.V08","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"x"},"Severity":"high"}`
	code, body := post(t, srv.URL, bad)
	if code != http.StatusBadRequest || !strings.Contains(body, "Severity") {
		t.Fatalf("invalid message: %d %s", code, body)
	}
	if code, _ := post(t, srv.URL, `{"Version": "2.D.V08",`); code != http.StatusBadRequest {
		t.Fatalf("malformed JSON: %d", code)
	}
	dls := collect(t, b, bus.SubjectDead, 2)
	first := dls[0]
	if string(first.Data) != bad {
		t.Errorf("dead letter data %q, want the refused message", first.Data)
	}
	if first.Header[bus.HeaderDeadReason] == "" || first.Header[bus.HeaderSender] == "" || first.Header[bus.HeaderDeadStatus] != "400" {
		t.Errorf("dead letter headers: %v", first.Header)
	}
	var problems []transport.Problem
	if err := json.Unmarshal([]byte(first.Header[bus.HeaderDeadProblems]), &problems); err != nil || len(problems) == 0 {
		t.Errorf("dead letter problems %q: %v", first.Header[bus.HeaderDeadProblems], err)
	}
	if !strings.Contains(string(dls[1].Data), `"Version"`) {
		t.Errorf("malformed body not kept: %q", dls[1].Data)
	}
}

func TestProblemsJSONIsBounded(t *testing.T) {
	ps := make([]transport.Problem, 5000)
	for i := range ps {
		ps[i] = transport.Problem{Pointer: "/Source/0/IP", Rule: "pattern", Message: strings.Repeat("x", 40), Severity: transport.SeverityError}
	}
	s := problemsJSON(ps)
	if len(s) > MaxProblemsHeader {
		t.Fatalf("%d bytes, limit %d", len(s), MaxProblemsHeader)
	}
	var got []transport.Problem
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1]; last.Rule != "truncated" || !strings.Contains(last.Message, "more problems") {
		t.Errorf("truncation not said: %+v", last)
	}
}

func TestValidatorWithoutUpgrade(t *testing.T) {
	v04 := `{"Version":"2.D.V04","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z",
		"Analyzer":{"IP":"192.0.2.1","Name":"probe"}}`
	ctx := context.Background()
	lax, err := NewValidator(ValidatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := lax.Validate(ctx, []byte(v04)); !v.OK || v.Value != nil || v.Rewritten != nil {
		t.Errorf("test-receiver mode: a valid V04 message must be accepted as is: %+v", v)
	}
	strict, err := NewValidator(ValidatorOptions{RequireCurrent: true})
	if err != nil {
		t.Fatal(err)
	}
	v := strict.Validate(ctx, []byte(v04))
	if v.OK || len(v.Problems) == 0 || v.Problems[len(v.Problems)-1].Rule != "draft-not-accepted" {
		t.Errorf("SIEM mode: a V04 message without upgrade must be refused with a reason: %+v", v)
	}
	upg, err := NewValidator(ValidatorOptions{RequireCurrent: true, Upgrade: true})
	if err != nil {
		t.Fatal(err)
	}
	v = upg.Validate(ctx, []byte(v04))
	a, ok := v.Value.(*idmefv2.Alert)
	if !v.OK || !ok || a.Version != idmefv2.VersionV08 || v.Rewritten == nil {
		t.Errorf("upgrade: want an accepted V08 alert, got %+v", v)
	}
}

// TestLagLimitRefusesWhileThePipelineIsBehind: with nobody consuming
// alerts.in, every accepted alert is pending; past MaxPending ingest answers
// 503 with Retry-After, and accepts again once the stage caught up.
func TestLagLimitRefusesWhileThePipelineIsBehind(t *testing.T) {
	b, err := nats.Open(context.Background(), nats.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	limit, err := NewLagLimit(LagLimitOptions{Lag: b, MaxPending: 5, Interval: time.Nanosecond,
		Stages: []Stage{{Subject: bus.SubjectIn, Durable: "enrich"}}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(ValidatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := transport.NewHandler(transport.Options{Sink: NewSink(b, "", limit), Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	g, err := alertgen.New(alertgen.Options{Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	send := func() *http.Response {
		data, err := idmefv2.Encode(g.Next())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 6 {
		if resp := send(); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("alert %d with %d pending: %d, want 204", i, i, resp.StatusCode)
		}
	}
	resp := send()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with 6 pending (limit 5): %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The stage catches up: ingest accepts again.
	collect(t, b, bus.SubjectIn, 6, "enrich")
	if resp := send(); resp.StatusCode != http.StatusNoContent {
		t.Errorf("after the stage caught up: %d, want 204", resp.StatusCode)
	}
}
