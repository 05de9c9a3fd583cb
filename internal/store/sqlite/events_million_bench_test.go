package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/store"
)

const millionEvents = 1_000_000

// millionEventsEnd is the time of the last event of the 1M-event store;
// the events cover the 24 hours before it.
var millionEventsEnd = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// millionEventStore opens the 1M-event store, building it the first time
// from alertgen's syslog lines (seed 42). One event in 50 is late: its
// time is up to 10 minutes before its neighbours', as a buffered or
// re-sent line would be, so that id order is not time order. The file is
// kept in the system temp directory (vigie-events-bench-1m-v1.db) so that
// later runs reuse it; delete it after a schema change.
func millionEventStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	s, n := openCached(b, "vigie-events-bench-1m-v1.db", "events")
	if n == millionEvents {
		return s
	}
	if n != 0 {
		b.Fatalf("the cached store holds %d events: delete it", n)
	}
	step := 24 * time.Hour / millionEvents
	t := millionEventsEnd.Add(-24 * time.Hour)
	g := alertgen.NewLogs(alertgen.LogOptions{Seed: 42, Now: func() time.Time { t = t.Add(step); return t }})
	start := time.Now()
	batch := make([]store.Event, 0, 5000)
	for i := range millionEvents {
		l := g.Next()
		ts := l.Time
		if i%50 == 7 {
			ts = ts.Add(-time.Duration(i%600) * time.Second)
		}
		batch = append(batch, store.Event{Time: ts, Received: l.Time, Input: "syslog/tcp", Peer: "10.0.0.1:514",
			Host: l.Host, App: l.App, Facility: l.Facility, Severity: l.Severity, Message: l.Message, Raw: l.RFC5424(), RuleID: l.Rule})
		if len(batch) == cap(batch) || i == millionEvents-1 {
			if err := s.PutEvents(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := s.w.ExecContext(ctx, `ANALYZE main`); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d events in %s", millionEvents, time.Since(start).Round(time.Second))
	return s
}

// millionEventCases are the searches of BenchmarkEventsMillion (goal:
// each < 100 ms, for the UI's Events page and the alert detail's "logs
// around" panel). PAGE2 is replaced by the first page's cursor.
func millionEventCases() []struct {
	name string
	f    store.EventFilter
} {
	end := millionEventsEnd
	return []struct {
		name string
		f    store.EventFilter
	}{
		{"newest", store.EventFilter{}},
		{"text-frequent", store.EventFilter{Text: "session"}},
		{"text-rare", store.EventFilter{Text: "sudoers"}},
		{"text-frequent-host", store.EventFilter{Text: "session", Host: "db-01.corp.example"}},
		{"text-frequent-1h", store.EventFilter{Text: "session", From: end.Add(-3 * time.Hour), To: end.Add(-2 * time.Hour)}},
		{"text-frequent-app-rare", store.EventFilter{Text: "password", App: "CRON"}},
		{"around-alert", store.EventFilter{From: end.Add(-6*time.Hour - 5*time.Minute), To: end.Add(-6*time.Hour + 5*time.Minute), Limit: 200,
			Around: &store.EventsAround{Hosts: []string{"web-01.corp.example"}, IPs: []string{alertgen.ListedAttacker, "10.0.1.10"}}}},
		{"around-alert-1h", store.EventFilter{From: end.Add(-7 * time.Hour), To: end.Add(-5 * time.Hour), Limit: 200,
			Around: &store.EventsAround{Hosts: []string{"web-01.corp.example"}, IPs: []string{alertgen.ListedAttacker, "10.0.1.10"}}}},
		{"text-frequent-page-2", store.EventFilter{Text: "session", Cursor: "PAGE2"}},
	}
}

// BenchmarkEventsMillion measures raw-event searches over 1,000,000
// stored events.
func BenchmarkEventsMillion(b *testing.B) {
	s := millionEventStore(b)
	defer s.Close()
	ctx := context.Background()
	for _, sc := range millionEventCases() {
		if sc.f.Cursor == "PAGE2" {
			first := sc.f
			first.Cursor = ""
			p, err := s.Events(ctx, first)
			if err != nil || p.NextCursor == "" {
				b.Fatalf("first page of %s: next %q, %v", sc.name, p.NextCursor, err)
			}
			sc.f.Cursor = p.NextCursor
		}
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Events(ctx, sc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
