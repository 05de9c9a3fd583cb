package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

func TestEvents(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	at := base.Add(-time.Hour)
	a := &idmefv2.Alert{
		Version: idmefv2.VersionV08, ID: "0193a5e4-7c1b-7000-8000-00000000e001", CreateTime: idmefv2.FormatTime(at),
		Priority: idmefv2.PriorityHigh, Category: []idmefv2.Category{idmefv2.CategoryReconNetwork}, Description: "ssh brute force",
		Analyzer: idmefv2.Analyzer{Name: "sshd", Hostname: "web01", Category: []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHIDS}},
		Status:   []idmefv2.Status{idmefv2.StatusEvent},
		Source:   []idmefv2.Source{{ID: "s1", IP: "198.51.100.7"}},
	}
	f.put([]*idmefv2.Alert{a})
	evs := []store.Event{
		{Time: at.Add(-time.Minute), Input: "syslog/tcp", Host: "web01", App: "sshd", Message: "Failed password for root from 198.51.100.7", Raw: []byte("<38>raw1")},
		{Time: at.Add(2 * time.Minute), Input: "syslog/udp", Host: "fw01", App: "kernel", Message: "DROP SRC=198.51.100.7", Raw: []byte{0xff, 0xfe}},
		{Time: at.Add(time.Minute), Input: "syslog/udp", Host: "db01", App: "postgres", Message: "checkpoint", Raw: []byte("x")},
		{Time: at.Add(-time.Hour), Input: "syslog/tcp", Host: "web01", App: "sshd", Message: "long before", Raw: []byte("y")},
	}
	if err := f.store.PutEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, as, q string, status int) eventsResponse {
		t.Helper()
		rec := f.do("GET", "/api/v1/events?"+q, f.creds[as], "")
		if rec.Code != status {
			t.Fatalf("GET ?%s as %s: %d %s, want %d", q, as, rec.Code, rec.Body, status)
		}
		f.validate(t, "GET", "/api/v1/events", rec)
		var out eventsResponse
		if status == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	t.Run("viewer reads, newest first", func(t *testing.T) {
		out := get(t, "viewer", "", http.StatusOK)
		if len(out.Events) != 4 || out.Events[0].Host != "fw01" || out.Events[3].Message != "long before" {
			t.Fatalf("events = %+v", out.Events)
		}
		if out.Events[0].RawText != nil || len(out.Events[0].RawBase64) != 2 {
			t.Errorf("non-UTF-8 raw should be base64: %+v", out.Events[0])
		}
	})
	t.Run("filters and text", func(t *testing.T) {
		if out := get(t, "viewer", "host=web01&app=sshd&q="+url.QueryEscape("Failed root"), http.StatusOK); len(out.Events) != 1 {
			t.Errorf("got %d events, want 1", len(out.Events))
		}
	})
	t.Run("around an alert", func(t *testing.T) {
		out := get(t, "viewer", "around="+a.ID+"&window=5m", http.StatusOK)
		if len(out.Events) != 2 {
			t.Fatalf("around = %+v, want web01's failure and fw01's drop (by IP)", out.Events)
		}
		get(t, "viewer", "around=0193a5e4-7c1b-7000-8000-00000000ffff", http.StatusNotFound)
		get(t, "viewer", "around="+a.ID+"&window=forever", http.StatusBadRequest)
		get(t, "viewer", "window=5m", http.StatusBadRequest)
	})
	t.Run("pages", func(t *testing.T) {
		out := get(t, "viewer", "limit=3", http.StatusOK)
		if len(out.Events) != 3 || out.NextCursor == "" {
			t.Fatalf("first page = %d events, cursor %q", len(out.Events), out.NextCursor)
		}
		if next := get(t, "viewer", "limit=3&cursor="+out.NextCursor, http.StatusOK); len(next.Events) != 1 || next.NextCursor != "" {
			t.Errorf("second page = %+v", next)
		}
		get(t, "viewer", "cursor=nonsense", http.StatusBadRequest)
	})
	t.Run("anonymous refused", func(t *testing.T) {
		get(t, "anon", "", http.StatusUnauthorized)
	})
	t.Run("hostile text is words, never FTS5 syntax", func(t *testing.T) {
		for _, q := range []string{"a\x00b", "\"", "NEAR(a b)", "fw01 OR", "AND", "*", "host:web01", "^x", "a\"b\"c", "-x", "(", "\xff\xfe"} {
			get(t, "viewer", "q="+url.QueryEscape(q), http.StatusOK)
		}
		if out := get(t, "viewer", "q="+url.QueryEscape("checkpoint OR DROP"), http.StatusOK); len(out.Events) != 0 {
			t.Errorf("OR acted as an FTS5 operator: %+v", out.Events)
		}
	})
	t.Run("around an alert with thousands of hosts", func(t *testing.T) {
		// A 1 MiB alert can name tens of thousands of hosts; more than
		// SQLite's bound on parameters must not make the look-up fail.
		if testing.Short() {
			t.Skip("stores a 40 000-source alert (seconds)")
		}
		big := *a
		big.ID = "0193a5e4-7c1b-7000-8000-00000000e002"
		big.Source = nil
		for i := range 40000 {
			big.Source = append(big.Source, idmefv2.Source{Hostname: fmt.Sprintf("h%d", i), IP: fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)})
		}
		big.Source[0] = idmefv2.Source{Hostname: "web01", IP: "198.51.100.7"}
		f.put([]*idmefv2.Alert{&big})
		if out := get(t, "viewer", "around="+big.ID, http.StatusOK); len(out.Events) == 0 {
			t.Errorf("around a big alert found nothing")
		}
	})
}
