package cti_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/cti"
)

func ctiAlert() *idmefv2.Alert {
	return &idmefv2.Alert{Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Priority: idmefv2.PriorityLow, Analyzer: idmefv2.Analyzer{Name: "t"},
		Source: []idmefv2.Source{{ID: "c0ffee00-0000-4000-8000-000000000002", IP: "45.33.32.156"}},
		Target: []idmefv2.Target{{ID: "c0ffee00-0000-4000-8000-000000000003", IP: "10.0.0.5", Hostname: "www.evil.example"}}}
}

func TestEnricherMarksHitsAndAsksRelay(t *testing.T) {
	fs, _ := cti.NewFeeds([]cti.FeedOptions{{Name: "local", Location: "testdata/iocs.csv"}}, nil, nil)
	if err := fs.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, stSrv := newFakeST(t)
	url, token := relayServer(t, stSrv.URL)
	r := &cti.Relay{Name: "tr", URL: url, Token: token, HTTP: &http.Client{Timeout: 5 * time.Second}}
	cache := enrich.NewCache(r.Lookup, enrich.CacheOptions{Name: "tr", Budget: 5 * time.Second})
	defer cache.Close()
	step := cti.New(cti.Options{Feeds: fs, Services: []cti.Service{{Name: "tr", Cache: cache}}, Raise: idmefv2.PriorityHigh})
	a := ctiAlert()
	if err := enrich.NewChain(nil, step).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Source[0].TI, ",") != "IP:local" {
		t.Errorf("Source TI %v", a.Source[0].TI)
	}
	if !strings.Contains(a.Target[0].Note, "Hostname listed by local") {
		t.Errorf("Target note %q", a.Target[0].Note)
	}
	if a.Priority != idmefv2.PriorityHigh {
		t.Errorf("priority %s", a.Priority)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	var doc enrich.Document
	json.Unmarshal(a.Attachment[0].Content, &doc)
	f, _ := json.Marshal(doc.Enrichers["cti"]["Source(0)"])
	if !strings.Contains(string(f), `"service":"tr","sightings":1,"verdict":"sighted"`) || !strings.Contains(string(f), `"list":"local"`) {
		t.Errorf("Source(0) finding %s", f)
	}
}

func TestEnricherDeadServiceDoesNotHold(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	cache := enrich.NewCache(func(ctx context.Context, _ string) (cti.Verdict, bool, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return cti.Verdict{}, false, ctx.Err()
	}, enrich.CacheOptions{Name: "dead", Budget: time.Millisecond})
	defer cache.Close()
	step := cti.New(cti.Options{Services: []cti.Service{{Name: "dead", Cache: cache}}})
	a := ctiAlert()
	if err := enrich.NewChain(nil, step).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	var doc enrich.Document
	json.Unmarshal(a.Attachment[0].Content, &doc)
	if len(doc.Pending["cti.dead"]) != 1 || len(a.Source[0].TI) != 0 {
		t.Errorf("pending %v TI %v", doc.Pending, a.Source[0].TI)
	}
}

func TestEnricherMatchesAttachmentHashes(t *testing.T) {
	fs, _ := cti.NewFeeds([]cti.FeedOptions{{Name: "local", Location: "testdata/iocs.csv"}}, nil, nil)
	if err := fs.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := ctiAlert()
	a.Source[0].IP = "192.168.1.1"
	a.Target[0].Hostname = ""
	a.Attachment = []idmefv2.Attachment{{Name: "sample", Hash: []string{"sha-1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "MD5:D41D8CD98F00B204E9800998ECF8427E"}},
		{Name: "other", Hash: []string{"md5:00000000000000000000000000000000"}}}
	if err := enrich.NewChain(nil, cti.New(cti.Options{Feeds: fs, Raise: idmefv2.PriorityMedium})).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.Attachment[0].Note != "CTI: hash listed by local" || a.Attachment[1].Note != "" || a.Priority != idmefv2.PriorityMedium {
		t.Errorf("notes %q %q priority %s", a.Attachment[0].Note, a.Attachment[1].Note, a.Priority)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
}
