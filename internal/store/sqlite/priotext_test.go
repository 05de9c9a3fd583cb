package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/cputime"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// levelsFixture is a store whose alerts' Description is one of a few
// texts, with skewed priorities (some levels without any match), times
// out of seq order and re-sent alerts whose priority changed; want
// computes the expected result in Go.
type levelsFixture struct {
	s      *Store
	end    time.Time
	alerts map[string]*idmefv2.Alert // last version sent, by ID
}

// levelsDescriptions are the Descriptions the fixture draws from; the
// last one holds priorityMark, which only the tokens may keep.
var levelsDescriptions = []string{
	"zebra quokka seen",
	"quokka zebra seen",
	"zebra alone",
	"nothing here",
	"spoof \ue000p5 attempt",
}

func newLevelsFixture(t *testing.T, n int) *levelsFixture {
	t.Helper()
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fx := &levelsFixture{s: openAt(t, end), end: end, alerts: map[string]*idmefv2.Alert{}}
	alerts := genAlerts(t, 21, n, end)
	rnd := rand.New(rand.NewPCG(3, 4))
	// High and absent are rare, Info never carries the phrase.
	prios := []idmefv2.Priority{"", idmefv2.PriorityUnknown, idmefv2.PriorityLow, idmefv2.PriorityLow,
		idmefv2.PriorityMedium, idmefv2.PriorityMedium, idmefv2.PriorityLow}
	for i, a := range alerts {
		a.Note = ""
		a.Description = levelsDescriptions[0]
		if rnd.IntN(4) == 0 {
			a.Description = levelsDescriptions[rnd.IntN(3)+1]
		}
		switch {
		case rnd.IntN(50) == 0:
			a.Priority = idmefv2.PriorityHigh
		case rnd.IntN(25) == 0:
			a.Priority, a.Description = idmefv2.PriorityInfo, levelsDescriptions[rnd.IntN(2)+2]
		default:
			a.Priority = prios[rnd.IntN(len(prios))]
		}
		if i%97 == 0 {
			a.Priority, a.Description = idmefv2.PriorityLow, levelsDescriptions[4]
		}
		// Unique times, stored out of order (a fifth far from their seq).
		ct := end.Add(-time.Hour + time.Duration(i)*time.Second/2)
		if rnd.IntN(5) == 0 {
			ct = end.Add(-time.Duration(rnd.IntN(3600)) * time.Second).Add(time.Duration(i) * time.Microsecond)
		}
		a.CreateTime = ct.Format(time.RFC3339Nano)
	}
	fx.put(t, alerts)
	// Re-send some with another priority (and sometimes another text):
	// their token must follow.
	var again []*idmefv2.Alert
	for i := 3; i < n; i += 11 {
		b := *alerts[i]
		b.Priority = []idmefv2.Priority{idmefv2.PriorityHigh, idmefv2.PriorityLow, "", idmefv2.PriorityMedium}[i%4]
		if i%3 == 0 {
			b.Description = levelsDescriptions[i%2]
		}
		again = append(again, &b)
	}
	fx.put(t, again)
	if _, err := fx.s.UpdateAlerts(ctx, []string{alerts[5].ID, alerts[6].ID}, store.Change{State: ptr(store.StateAcknowledged)}, "tester"); err != nil {
		t.Fatal(err)
	}
	return fx
}

func ptr[T any](v T) *T { return &v }

func (fx *levelsFixture) put(t *testing.T, alerts []*idmefv2.Alert) {
	t.Helper()
	for i := 0; i < len(alerts); i += 500 {
		if _, err := fx.s.PutAlerts(t.Context(), alerts[i:min(i+500, len(alerts))]); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range alerts {
		fx.alerts[a.ID] = a
	}
}

// want returns the IDs of the alerts whose Description match reports true,
// within [from, to) when set, in the order of sort (a priority sort; the
// times are unique).
func (fx *levelsFixture) want(t *testing.T, match func(a *idmefv2.Alert) bool, from, to time.Time, sort store.Sort) []string {
	t.Helper()
	type row struct {
		id   string
		prio int64
		ct   time.Time
	}
	var rows []row
	for _, a := range fx.alerts {
		ct, err := idmefv2.ParseTime(a.CreateTime)
		if err != nil {
			t.Fatal(err)
		}
		if !match(a) || (!from.IsZero() && ct.Before(from)) || (!to.IsZero() && !ct.Before(to)) {
			continue
		}
		rows = append(rows, row{a.ID, priorityRank(a.Priority), ct})
	}
	slices.SortFunc(rows, func(x, y row) int {
		c := cmp.Or(cmp.Compare(x.prio, y.prio), x.ct.Compare(y.ct))
		if sort == store.SortPriorityDesc {
			return -c
		}
		return c
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

// recordPlan makes s record the kinds of plan Search picks.
func recordPlan(s *Store, kinds *[]planKind) {
	s.forcePlan = func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error) {
		p, err := planSearch(ctx, tx, e, req.Filter, req.Sort, w)
		*kinds = append(*kinds, p.kind)
		return p, err
	}
}

// TestPrioritySortedTextMatchesReference: free text sorted by priority,
// paged by cursor, is exactly what a filter and sort in Go give, over
// alerts of every priority (levels with many, few and no matches),
// stored out of time order, some re-sent with another priority; and the
// frequent text is read by the level walk.
func TestPrioritySortedTextMatchesReference(t *testing.T) {
	fx := newLevelsFixture(t, 6000)
	desc := func(d ...string) func(a *idmefv2.Alert) bool {
		return func(a *idmefv2.Alert) bool { return slices.Contains(d, a.Description) }
	}
	mid := fx.end.Add(-30 * time.Minute)
	cases := []struct {
		q        string
		from, to time.Time
		match    func(a *idmefv2.Alert) bool
		walk     bool // frequent: the level walk is the chosen plan
	}{
		{q: `"zebra quokka"`, match: desc(levelsDescriptions[0]), walk: true},
		{q: `zebra`, match: desc(levelsDescriptions[:3]...), walk: true},
		{q: `zeb*`, match: desc(levelsDescriptions[:3]...), walk: true},
		{q: `"zebra quokka"`, from: mid, match: desc(levelsDescriptions[0])},
		{q: `zebra`, from: fx.end.Add(-50 * time.Minute), to: mid, match: desc(levelsDescriptions[:3]...)},
		{q: `quokka and Priority >= Medium`, match: func(a *idmefv2.Alert) bool {
			return desc(levelsDescriptions[:2]...)(a) && priorityRank(a.Priority) >= 4
		}, walk: true},
		{q: `zebra and not Priority = Low`, match: func(a *idmefv2.Alert) bool {
			return desc(levelsDescriptions[:3]...)(a) && a.Priority != idmefv2.PriorityLow
		}, walk: true},
		// priorityMark is a separator in alert text and in queries alike.
		{q: "p5", match: desc(levelsDescriptions[4])},
		{q: "\"spoof \ue000p5\"", match: desc(levelsDescriptions[4])},
	}
	for _, c := range cases {
		for _, sort := range []store.Sort{store.SortPriorityDesc, store.SortPriorityAsc} {
			f := store.Filter{Query: c.q, From: c.from, To: c.to}
			want := fx.want(t, c.match, c.from, c.to, sort)
			if len(want) == 0 {
				t.Fatalf("%s: the reference finds nothing", c.q)
			}
			limits := []int{37}
			if c.q == `zebra` {
				limits = append(limits, 250)
			}
			for _, limit := range limits {
				var kinds []planKind
				recordPlan(fx.s, &kinds)
				got := collectN(t, fx.s, f, sort, fx.s.forcePlan, limit)
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Errorf("%s %s %s–%s, pages of %d (-want +got):\n%s", c.q, sort, c.from.Format("15:04"), c.to.Format("15:04"), limit, diff)
				}
				if c.walk && kinds[0] != planWalkLevels {
					t.Errorf("%s %s: plan %s, want %s", c.q, sort, kinds[0], planWalkLevels)
				}
				if kinds[0] == planWalkLevels {
					continue
				}
				got = collectN(t, fx.s, f, sort, forced(planWalkLevels, 0), limit)
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Errorf("%s %s, level walk forced, pages of %d (-want +got):\n%s", c.q, sort, limit, diff)
				}
			}
		}
	}
}

// TestPriorityTokenNotMatchable: analyst queries, whatever they spell
// (the token, its parts, prefixes), match exactly the alerts they match in
// the same text indexed without priority tokens.
func TestPriorityTokenNotMatchable(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	alerts := genAlerts(t, 5, 60, end)
	for i, a := range alerts {
		a.Priority = []idmefv2.Priority{idmefv2.PriorityLow, idmefv2.PriorityHigh, ""}[i%3]
		a.Description = []string{"plain words", "p5 and \ue000p3 spelled out", "ue000p5"}[i%3]
	}
	if _, err := s.PutAlerts(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	if err := s.text.sync(ctx); err != nil { // read below without a search
		t.Fatal(err)
	}
	// The same text without tokens, in a table of the same definition.
	ddl := strings.Replace(alertTextDDL, "alert_text", "plain_text", 1)
	if _, err := s.w.ExecContext(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO plain_text(rowid, body) SELECT seq, ? FROM alerts WHERE id = ?`, withoutMark(extractText(a)), a.ID); err != nil {
			t.Fatal(err)
		}
	}
	matches := func(table, q string) []int64 {
		rs, err := s.w.QueryContext(ctx, `SELECT rowid FROM `+table+` WHERE `+table+` MATCH ? ORDER BY rowid`, q)
		if err != nil {
			t.Fatalf("%s MATCH %q: %v", table, q, err)
		}
		defer rs.Close()
		var out []int64
		for rs.Next() {
			var k int64
			if err := rs.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		return out
	}
	for _, q := range []string{"p3", "p5", "p0", "\ue000p3", "\ue000p5", "ue000p3", "ue000p5", "\ue000", "p", "e000p5", "\\ue000p3", "plain"} {
		for _, prefix := range []bool{false, true} {
			fq := ftsQuery(&query.Text{Text: q, Prefix: prefix})
			got, want := matches("alert_text", fq), matches("plain_text", fq)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d alerts, %d without tokens", fq, len(got), len(want))
			}
		}
	}
	// The tokens are there all the same.
	if got := matches("alert_text", priorityToken(5)); len(got) != 20 {
		t.Errorf("High token matches %d alerts, want 20", len(got))
	}
	res, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "p5"}, Sort: store.SortPriorityDesc, Limit: 100})
	if err != nil || len(res.Alerts) != 20 {
		t.Errorf("p5 by priority: %d alerts (%v), want 20", len(res.Alerts), err)
	}
}

// TestMigratePriorityToken: a version 5 store (text without priority
// tokens) is re-indexed by migration 6, after which priority-sorted free
// text is exact; down to 5 removes the tokens again.
func TestMigratePriorityToken(t *testing.T) {
	ctx := t.Context()
	fx := newLevelsFixture(t, 5000)
	path := filepath.Join(t.TempDir(), "store.db")
	// A copy of the fixture's store, closed, then taken down to version 5.
	if _, err := fx.s.w.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		t.Fatal(err)
	}
	tokens := func(db interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (n int) {
		t.Helper()
		for p := range int64(6) {
			var k int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM alert_text WHERE alert_text MATCH ?`, priorityToken(p)).Scan(&k); err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	db, p := legacyDB(t, path)
	// Down to 6 brings alert_text back into the main database (migration
	// 12's down), indexed from the documents.
	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if n := tokens(db); n != len(fx.alerts) {
		t.Fatalf("before down: %d priority tokens, want %d", n, len(fx.alerts))
	}
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	spelled := 0 // the old index has the text's own "\ue000p5" as a token
	for _, a := range fx.alerts {
		spelled += strings.Count(a.Description, priorityMark+"p")
	}
	if n := tokens(db); n != spelled {
		t.Fatalf("at version 5: %d priority tokens, want %d (none but those spelled out)", n, spelled)
	}
	var zebras int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM alert_text WHERE alert_text MATCH 'zebra'`).Scan(&zebras); err != nil || zebras < 4000 {
		t.Fatalf("at version 5: zebra matches %d alerts (%v): the text was not kept", zebras, err)
	}
	_ = db.Close()

	s, err := Open(ctx, Options{Path: path, Now: func() time.Time { return fx.end }})
	if err != nil {
		t.Fatalf("open (migrate to 6): %v", err)
	}
	defer s.Close()
	// Migration 12 moved the index out; it is built again in the background.
	if err := s.text.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tokens(s.r); n != len(fx.alerts) {
		t.Errorf("after migration: %d priority tokens, want %d", n, len(fx.alerts))
	}
	fx.s = s
	for _, sort := range []store.Sort{store.SortPriorityDesc, store.SortPriorityAsc} {
		want := fx.want(t, func(a *idmefv2.Alert) bool { return strings.Contains(a.Description, "zebra") }, time.Time{}, time.Time{}, sort)
		var kinds []planKind
		recordPlan(s, &kinds)
		got := collectN(t, s, store.Filter{Query: "zebra"}, sort, s.forcePlan, 100)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("zebra %s after migration (-want +got):\n%s", sort, diff)
		}
		if kinds[0] != planWalkLevels {
			t.Errorf("zebra %s: plan %s, want %s", sort, kinds[0], planWalkLevels)
		}
	}
	// A new alert after the migration is indexed as PutAlerts does.
	a := genAlerts(t, 99, 1, fx.end)[0]
	a.Description, a.Priority, a.CreateTime = "zebra late", idmefv2.PriorityHigh, fx.end.Format(time.RFC3339Nano)
	if _, err := s.PutAlerts(ctx, []*idmefv2.Alert{a}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "zebra"}, Sort: store.SortPriorityDesc, Limit: 1})
	if err != nil || len(res.Alerts) != 1 || res.Alerts[0].ID != a.ID {
		t.Errorf("newest High zebra: %d alerts, %v; want %s first", len(res.Alerts), err, a.ID)
	}
}

func TestIndexedText(t *testing.T) {
	for _, c := range []struct {
		body string
		p    int64
		want string
	}{
		{"", 5, ""},
		{"a b\n", 3, "a b\n\n\ue000p3"},
		{"x\ue000p5\n", 0, "x p5\n\n\ue000p0"},
	} {
		if got := indexedText(c.body, c.p); got != c.want {
			t.Errorf("indexedText(%q, %d) = %q, want %q", c.body, c.p, got, c.want)
		}
	}
	if highRank != len(priorityRanks)-1 {
		t.Errorf("highRank = %d, but priorityRanks goes up to %d: the level walk would miss levels", highRank, len(priorityRanks)-1)
	}
	if got := ftsQuery(&query.Text{Text: "a\ue000p5"}); got != `"a p5"` {
		t.Errorf("ftsQuery strips the mark: %q", got)
	}
}

// BenchmarkTextIndexToken measures what the priority token adds to the
// full-text part of a write: the text of batches of 5,000 generated alerts
// inserted into a growing alert_text, as PutAlerts writes it (token) and
// as before migration 6 (plain), in cpu-µs per alert.
func BenchmarkTextIndexToken(b *testing.B) {
	alerts := genAlerts(b, 31, 5000, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	for _, token := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "token"}[token], func(b *testing.B) {
			s, err := Open(b.Context(), Options{Path: filepath.Join(b.TempDir(), "text.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			texts := make([]string, len(alerts))
			for i, a := range alerts {
				texts[i] = extractText(a)
				if token {
					texts[i] = indexedText(texts[i], priorityRank(a.Priority))
				}
			}
			var cpu time.Duration
			seq := int64(0)
			for b.Loop() {
				c0 := cputime.Process()
				err := s.writeTx(b.Context(), "bench", func(ctx context.Context, tx *sql.Tx) error {
					args := make([]any, 0, 2*len(texts))
					for _, t := range texts {
						seq++
						args = append(args, seq, t)
					}
					return s.insertRows(b.Context(), tx, insertTextHead, "", 2, args)
				})
				if err != nil {
					b.Fatal(err)
				}
				cpu += cputime.Process() - c0
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(seq), "cpu-µs/alert")
		})
	}
}

// BenchmarkMillionPriorityText compares, over the 1M-alert store of
// BenchmarkMillion, priority-sorted free text under the level walk (the
// plan Search picks) and under the plan it replaced (walk-sort of
// alerts_priority with the text's matches listed once), in one run.
func BenchmarkMillionPriorityText(b *testing.B) {
	s := millionStore(b)
	defer s.Close()
	ctx := context.Background()
	oldPlan := func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error) {
		return searchPlan{kind: planWalkSort, listText: true}, nil
	}
	cases := []struct {
		name string
		req  store.SearchRequest
		page int
	}{
		{"failed-password", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}, Sort: store.SortPriorityDesc}, 1},
		{"failed-password-page-3", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}, Sort: store.SortPriorityDesc}, 3},
		{"failed-password-last-hour", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`, From: millionEnd.Add(-time.Hour), To: millionEnd}, Sort: store.SortPriorityDesc}, 1},
		{"password", store.SearchRequest{Filter: store.Filter{Query: `password`}, Sort: store.SortPriorityDesc}, 1},
		{"password-asc", store.SearchRequest{Filter: store.Filter{Query: `password`}, Sort: store.SortPriorityAsc}, 1},
	}
	for _, c := range cases {
		c.req.Limit = 100
		for _, plan := range []string{"walk-levels", "walk-sort"} {
			req := c.req
			if plan == "walk-sort" {
				s.forcePlan = oldPlan
			}
			for range c.page - 1 {
				res, err := s.Search(ctx, req)
				if err != nil || res.Next == "" {
					b.Fatalf("%s: next %q, %v", c.name, res.Next, err)
				}
				req.Cursor = res.Next
			}
			b.Run(c.name+"/"+plan, func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Search(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
			s.forcePlan = nil
		}
	}
}
