package sqlite

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// FuzzQuery compiles fuzzed queries to SQL and runs them against a small
// store: every query either runs or fails with ErrInvalidQuery, never with
// an SQL error (which would mean the compiler produced bad SQL).
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"", "Source(*).IP = 10.0.0.0/8 and Priority >= High", `Category ~ "Recon.*" or Target.Hostname in (web-01, web-02)`,
		`not exists Target.User and "brute force"`, "state = new and tag = phishing", "Source.IP in 2001:db8::/32",
		"ransom*", "CreateTime > now-1h", "Source(1).Port(0) = 22", "Attachment(*).Hash ~ a*", "superseded in (true, false)",
		"Confidence >= 0.5", "Source.Protocol != TCP", "exists Analyzer", "Target(0).Port < 1024", `"a""b"`, "x*",
		"Priority in (High, Low)", "StartTime < 2026-01-01T00:00:00Z", "assignee ~ b?b", "exists tag", "ext-Category = x",
	} {
		f.Add(s, "Category")
	}
	s, err := Open(f.Context(), Options{Path: filepath.Join(f.TempDir(), "fuzz.db")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	if _, err := s.PutAlerts(f.Context(), genAlerts(f, 11, 200, time.Now())); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q, path string) {
		_, err := s.Search(t.Context(), store.SearchRequest{Filter: store.Filter{Query: q}, Limit: 5})
		if err != nil && !errors.Is(err, store.ErrInvalidQuery) {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if err != nil {
			return
		}
		if _, err := s.Top(t.Context(), store.TopRequest{Filter: store.Filter{Query: q}, Path: path, Limit: 3}); err != nil && !errors.Is(err, store.ErrInvalidQuery) {
			t.Fatalf("Top(%q, %q): %v", q, path, err)
		}
	})
}

// FuzzEventsText runs fuzzed free text and cursors against the event
// store: the text is always words, never FTS5 syntax, so a search either
// runs or (a bad cursor) fails with ErrInvalidQuery, never with an SQL error.
func FuzzEventsText(f *testing.F) {
	for _, s := range []string{"", "Failed root", "a\x00b", `"`, "NEAR(a b)", "OR", "x*", "host:web01", "^x", "(", "\xff\xfe", "a\"b\"c"} {
		f.Add(s, "")
	}
	s, err := Open(f.Context(), Options{Path: filepath.Join(f.TempDir(), "fuzz.db")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	if err := s.PutEvents(f.Context(), []store.Event{{Time: time.Now(), Input: "t", Host: "web01", Message: "Failed password for root", Raw: []byte("x")}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, cursor string) {
		_, err := s.Events(t.Context(), store.EventFilter{Text: text, Cursor: cursor, Limit: 5,
			Around: &store.EventsAround{Hosts: []string{text}, IPs: []string{text}}})
		if err != nil && !errors.Is(err, store.ErrInvalidQuery) {
			t.Fatalf("Events(%q, %q): %v", text, cursor, err)
		}
	})
}
