package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// holdText stops (on) or resumes the text index applying its queue.
func holdText(s *Store, on bool) {
	s.text.mu.Lock()
	s.text.held = on
	s.text.mu.Unlock()
	select {
	case s.text.wake <- struct{}{}:
	default:
	}
}

// crashCopy copies the store's two databases as a crash would leave them,
// with what each has committed, and returns the copies' paths.
func crashCopy(t *testing.T, s *Store) (path, text string) {
	t.Helper()
	dir := t.TempDir()
	path, text = filepath.Join(dir, "crash.db"), filepath.Join(dir, "crash-text.db")
	if _, err := s.w.ExecContext(t.Context(), `VACUUM main INTO ?`, path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.textDB.ExecContext(t.Context(), `VACUUM INTO ?`, text); err != nil {
		t.Fatal(err)
	}
	return path, text
}

func reopen(t *testing.T, path, text string, now time.Time) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: path, TextPath: text, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// textIDs returns the IDs of the alerts whose text matches q, sorted.
func textIDs(t *testing.T, s *Store, q string) []string {
	t.Helper()
	res, err := s.Search(t.Context(), store.SearchRequest{Filter: store.Filter{Query: q}, Limit: 1000})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, a := range res.Alerts {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids
}

func idsOf(alerts []*idmefv2.Alert) []string {
	var ids []string
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids
}

func describe(alerts []*idmefv2.Alert, text string) []*idmefv2.Alert {
	for _, a := range alerts {
		a.Description = text
	}
	return alerts
}

// TestTextIndexReadYourWrites: a free-text search sees the alerts written
// before it, although their text is indexed after their transaction.
func TestTextIndexReadYourWrites(t *testing.T) {
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	for round := range 20 {
		alerts := describe(genAlerts(t, uint64(100+round), 50, end), "kilo")
		if _, err := s.PutAlerts(t.Context(), alerts); err != nil {
			t.Fatal(err)
		}
		if got := len(textIDs(t, s, "kilo")); got != 50*(round+1) {
			t.Fatalf("round %d: kilo matches %d alerts, want %d", round, got, 50*(round+1))
		}
	}
}

// TestTextIndexRecoversAfterCrash: text the index had not applied when
// the process died (new alerts, changed alerts) is indexed on Open.
func TestTextIndexRecoversAfterCrash(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	alpha := describe(genAlerts(t, 1, 10, end), "alpha")
	if _, err := s.PutAlerts(ctx, alpha); err != nil {
		t.Fatal(err)
	}
	if got := textIDs(t, s, "alpha"); !slices.Equal(got, idsOf(alpha)) {
		t.Fatalf("alpha before the crash: %v", got)
	}
	holdText(s, true)
	bravo := describe(genAlerts(t, 2, 10, end), "bravo")
	c0, c1 := *alpha[0], *alpha[1] // the same IDs, re-sent with other content
	changed := describe([]*idmefv2.Alert{&c0, &c1}, "charlie")
	if _, err := s.PutAlerts(ctx, append(bravo, changed...)); err != nil {
		t.Fatal(err)
	}
	// Held back, the index makes free-text searches wait, then fail
	// with a reason.
	s.text.syncWait = 50 * time.Millisecond
	if _, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "bravo"}}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("search while the index is held: %v, want ErrUnavailable", err)
	}
	// Searches without free text do not wait.
	if res, err := s.Search(ctx, store.SearchRequest{Limit: 100}); err != nil || len(res.Alerts) != 20 {
		t.Errorf("search without text while the index is held: %d alerts, %v", len(res.Alerts), err)
	}
	path, text := crashCopy(t, s)

	r := reopen(t, path, text, end)
	if got := textIDs(t, r, "bravo"); !slices.Equal(got, idsOf(bravo)) {
		t.Errorf("bravo after the crash: %v, want %v", got, idsOf(bravo))
	}
	if got := textIDs(t, r, "charlie"); !slices.Equal(got, idsOf(changed)) {
		t.Errorf("charlie after the crash: %v, want %v", got, idsOf(changed))
	}
	if got := textIDs(t, r, "alpha"); !slices.Equal(got, idsOf(alpha[2:])) {
		t.Errorf("alpha after the crash: %v, want %v (the changed ones lost it)", got, idsOf(alpha[2:]))
	}
	// Once re-indexed, the changed alerts leave text_stale (with the next
	// write).
	if _, err := r.PutAlerts(ctx, genAlerts(t, 3, 1, end)); err != nil {
		t.Fatal(err)
	}
	var stale int
	if err := r.r.QueryRowContext(ctx, `SELECT count(*) FROM text_stale`).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("text_stale holds %d seqs (%v), want 0", stale, err)
	}
}

// TestTextIndexSeqReused: after a crash lost the text deletions of the
// alerts retention removed, the seqs used again do not match the old text.
func TestTextIndexSeqReused(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	if _, err := s.PutAlerts(ctx, describe(genAlerts(t, 1, 5, end), "delta")); err != nil {
		t.Fatal(err)
	}
	if got := len(textIDs(t, s, "delta")); got != 5 {
		t.Fatalf("delta: %d alerts", got)
	}
	holdText(s, true)
	s.text.syncWait = 50 * time.Millisecond
	if res, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: time.Nanosecond}); err == nil || res.Deleted != 5 {
		// Retain waits for the held index to vacuum it: an error, after
		// the deletions.
		t.Fatalf("retain: %+v, %v; want 5 deleted, then an error", res, err)
	}
	path, text := crashCopy(t, s)

	r := reopen(t, path, text, end)
	echo := describe(genAlerts(t, 2, 5, end), "echo")
	if _, err := r.PutAlerts(ctx, echo); err != nil {
		t.Fatal(err)
	}
	if got := textIDs(t, r, "delta"); len(got) != 0 {
		t.Errorf("delta matches %v: new alerts took the deleted ones' text", got)
	}
	if got := textIDs(t, r, "echo"); !slices.Equal(got, idsOf(echo)) {
		t.Errorf("echo: %v, want %v", got, idsOf(echo))
	}
}

// TestTextIndexTwoProcesses: a store opened twice on the same files (vigie
// import beside vigie serve) finds the other's alerts by their text, even
// when the other never indexed them.
func TestTextIndexTwoProcesses(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := openAt(t, end)
	b := reopen(t, a.opts.Path, a.opts.TextPath, end)
	holdText(a, true)
	foxtrot := describe(genAlerts(t, 1, 10, end), "foxtrot")
	if _, err := a.PutAlerts(ctx, foxtrot); err != nil {
		t.Fatal(err)
	}
	a.Close() // with its text unapplied, as if it had died
	golf := describe(genAlerts(t, 2, 10, end), "golf")
	if _, err := b.PutAlerts(ctx, golf); err != nil {
		t.Fatal(err)
	}
	if got := textIDs(t, b, "foxtrot"); !slices.Equal(got, idsOf(foxtrot)) {
		t.Errorf("foxtrot from the other store: %v, want %v", got, idsOf(foxtrot))
	}
	if got := textIDs(t, b, "golf"); !slices.Equal(got, idsOf(golf)) {
		t.Errorf("golf: %v, want %v", got, idsOf(golf))
	}
	var through int64
	if err := b.textDB.QueryRowContext(ctx, `SELECT through FROM text_state`).Scan(&through); err != nil || through != 21 {
		t.Errorf("through = %d (%v), want 21", through, err)
	}
}

// TestTextIndexDoesNotBlockWriter: the alerts' writer never takes the
// text database's lock (it attaches it read-only), so it writes while the
// text index is in a transaction.
func TestTextIndexDoesNotBlockWriter(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "store.db"), BusyTimeout: 200 * time.Millisecond, Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	holdText(s, true)
	c, err := s.textDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.PutAlerts(wctx, genAlerts(t, 1, 10, end)); err != nil {
		t.Errorf("put while the text database is locked: %v", err)
	}
	if _, err := c.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	c.Close()
	holdText(s, false)
	if err := s.text.sync(ctx); err != nil {
		t.Fatal(err)
	}
}
