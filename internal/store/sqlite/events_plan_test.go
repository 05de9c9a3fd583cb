package sqlite

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// TestEventPlansMatchListing checks that the event search plans (text
// walk, bounded lists, the walk's fallback) return the same pages as the
// plain listing of every match, on events inserted out of time order.
func TestEventPlansMatchListing(t *testing.T) {
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	ctx := t.Context()
	rnd := rand.New(rand.NewPCG(7, 8))
	hosts := []string{"web01", "db01", "fw01"}
	apps := []string{"sshd", "nginx", "kernel", "CRON"}
	const n = 6000
	start := end.Add(-6 * time.Hour)
	evs := make([]store.Event, 0, n)
	for i := range n {
		ts := start.Add(time.Duration(i) * 3 * time.Second)
		switch {
		case i%23 == 0: // late lines
			ts = ts.Add(-time.Duration(rnd.IntN(3600)) * time.Second)
		case i%97 == 0: // a clock ahead
			ts = ts.Add(time.Duration(rnd.IntN(600)) * time.Second)
		case i%10 == 0: // same second as the previous line
			ts = evs[i-1].Time
		}
		words := []string{"common"}
		if rnd.IntN(5) == 0 {
			words = append(words, "second")
		}
		if rnd.IntN(200) == 0 {
			words = append(words, "rare")
		}
		app := apps[rnd.IntN(len(apps))]
		if app == "CRON" {
			words = []string{"cronjob"}
			if rnd.IntN(40) == 0 {
				words = append(words, "common")
			}
		}
		words = append(words, fmt.Sprintf("from 192.0.2.%d", rnd.IntN(40)))
		evs = append(evs, store.Event{Time: ts, Input: "syslog", Host: hosts[rnd.IntN(len(hosts))], App: app,
			Message: strings.Join(words, " "), Raw: []byte("x")})
	}
	for i := 0; i < n; i += 500 {
		if err := s.PutEvents(ctx, evs[i:i+500]); err != nil {
			t.Fatal(err)
		}
	}
	around := &store.EventsAround{Hosts: []string{"db01"}, IPs: []string{"192.0.2.7", "192.0.2.8"}}
	filters := []store.EventFilter{
		{Text: "common"},
		{Text: "common", Limit: 37},
		{Text: "common second"},
		{Text: "rare"},
		{Text: "common", Host: "web01", Limit: 50},
		{Text: "common", App: "CRON"},
		{Text: "common", From: end.Add(-3 * time.Hour), To: end.Add(-2 * time.Hour), Limit: 30},
		{Text: "common", To: end.Add(-4 * time.Hour), Limit: 200},
		{Text: "common", From: end.Add(-5 * time.Hour), Around: around, Limit: 25},
		{From: end.Add(-4 * time.Hour), To: end.Add(-3 * time.Hour), Around: around, Limit: 40},
		{Around: around, Limit: 300},
		{Host: "fw01", Limit: 500},
	}
	for _, maxWalk := range []int{eventMaxWalk, 50} {
		eventWalk.maxWalk = maxWalk
		for _, f := range filters {
			got := allEventIDs(t, s, f)
			want := listedEventIDs(t, s, f)
			if len(want) == 0 {
				t.Fatalf("%+v: the reference finds nothing: a weak case", f)
			}
			if !slices.Equal(got, want) {
				t.Errorf("maxWalk %d, %+v: %d events %v…, want %d %v…", maxWalk, f, len(got), head(got), len(want), head(want))
			}
		}
	}
	eventWalk.maxWalk = eventMaxWalk
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

// allEventIDs follows the cursor of f's listing to its end.
func allEventIDs(t *testing.T, s *Store, f store.EventFilter) []int64 {
	t.Helper()
	var ids []int64
	for range 1000 {
		p, err := s.Events(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			ids = append(ids, e.ID)
		}
		if p.NextCursor == "" {
			return ids
		}
		f.Cursor = p.NextCursor
	}
	t.Fatalf("%+v: no end to the listing", f)
	return nil
}

// listedEventIDs is the reference: every match of f listed and sorted, as
// Events did before its plans (the field conditions are Events' own).
func listedEventIDs(t *testing.T, s *Store, f store.EventFilter) []int64 {
	t.Helper()
	conds, args := eventFieldConds(f)
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.Text != "" {
		add("id IN (SELECT rowid FROM events_text WHERE events_text MATCH ?)", matchAll(f.Text))
	}
	if a := f.Around; a != nil {
		add("(host IN ("+placeholders(len(a.Hosts))+") OR id IN (SELECT rowid FROM events_text WHERE events_text MATCH ?))",
			a.Hosts[0], matchAny(a.IPs))
	}
	rs, err := s.r.QueryContext(t.Context(), `SELECT id FROM events WHERE `+strings.Join(conds, " AND ")+` ORDER BY ts_ns DESC, id DESC`, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var ids []int64
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}
