package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/store"
)

const millionAlerts = 1_000_000

// millionEnd is the CreateTime of the last alert of the 1M store; the
// alerts cover the 24 hours before it.
var millionEnd = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// millionStore opens the 1M-alert store, building it the first time. The
// file is kept in the system temp directory (vigie-store-bench-1m-v6.db
// for 6 migrations; the web UI's BenchmarkAlertPage1M opens the highest
// vN) so that later benchmark runs reuse it; a schema change builds a new
// one.
func millionStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	s, n := openCached(b, fmt.Sprintf("vigie-store-bench-1m-v%d.db", migrationCount(b)), "alerts")
	if n == millionAlerts {
		return s
	}
	step := 24 * time.Hour / millionAlerts
	t := millionEnd.Add(-24 * time.Hour)
	g, err := alertgen.New(alertgen.Options{Seed: 42, Now: func() time.Time { t = t.Add(step); return t }})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	batch := make([]*idmefv2.Alert, 0, 5000)
	for i := n; i < millionAlerts; i++ {
		batch = append(batch, g.Next())
		if len(batch) == cap(batch) || i == millionAlerts-1 {
			if _, err := s.PutAlerts(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := s.w.ExecContext(ctx, `ANALYZE main`); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d alerts in %s (%.0f alerts/s)", millionAlerts-n, time.Since(start).Round(time.Second),
		float64(millionAlerts-n)/time.Since(start).Seconds())
	return s
}

// openCached opens the benchmark store file name in the system temp
// directory and returns it with the rows of table it holds.
func openCached(b *testing.B, name, table string) (*Store, int) {
	b.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(os.TempDir(), name)})
	if err != nil {
		b.Fatal(err)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return s, n
}

// BenchmarkMillion measures reads over 1,000,000 stored alerts (goals:
// filtered search < 200 ms, group-by < 1 s).
func BenchmarkMillion(b *testing.B) {
	s := millionStore(b)
	defer s.Close()
	ctx := context.Background()
	lastHour := store.Filter{From: millionEnd.Add(-time.Hour), To: millionEnd}
	searches := []struct {
		name string
		req  store.SearchRequest
	}{
		{"search/source-ip", store.SearchRequest{Filter: store.Filter{Query: "Source.IP = 198.51.100.23"}}},
		{"search/cidr-and-priority", store.SearchRequest{Filter: store.Filter{Query: "Source.IP = 203.0.113.0/24 and Priority >= High"}}},
		{"search/target-user", store.SearchRequest{Filter: store.Filter{Query: "Target.User = alice"}}},
		{"search/free-text", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}}},
		{"search/free-text-rare", store.SearchRequest{Filter: store.Filter{Query: `thermal`}}},
		{"search/free-text-24h", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`, From: millionEnd.Add(-24 * time.Hour), To: millionEnd}}},
		{"search/free-text-hour-ago", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`, From: millionEnd.Add(-2 * time.Hour), To: millionEnd.Add(-time.Hour)}}},
		{"search/free-text-and-user", store.SearchRequest{Filter: store.Filter{Query: `"failed password" and Target.User = root`}}},
		{"search/free-text-and-priority", store.SearchRequest{Filter: store.Filter{Query: `password and Priority >= High`}}},
		{"search/free-text-page-2", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}, Cursor: "PAGE2"}},
		{"search/free-text-by-priority", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}, Sort: store.SortPriorityDesc}},
		{"search/free-text-oldest", store.SearchRequest{Filter: store.Filter{Query: `"failed password"`}, Sort: store.SortTimeAsc}},
		{"search/state-new", store.SearchRequest{Filter: store.Filter{Query: "state = new"}}},
		{"search/priority-sort", store.SearchRequest{Filter: store.Filter{Query: "Category = Recon.Network"}, Sort: store.SortPriorityDesc}},
		{"search/json-fallback", store.SearchRequest{Filter: store.Filter{Query: "Source.Protocol = SSH"}}},
		{"search/source-ip-total", store.SearchRequest{Filter: store.Filter{Query: "Source.IP = 198.51.100.23"}, Total: true}},
	}
	for _, sc := range searches {
		if strings.HasPrefix(sc.name, "search/free-text") {
			sc.req.Limit = 100 // the UI's page
		}
		if sc.req.Cursor == "PAGE2" {
			first := sc.req
			first.Cursor = ""
			res, err := s.Search(ctx, first)
			if err != nil || res.Next == "" {
				b.Fatalf("first page of %s: next %q, %v", sc.name, res.Next, err)
			}
			sc.req.Cursor = res.Next
		}
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Search(ctx, sc.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	groups := []struct {
		name string
		req  store.GroupRequest
	}{
		{"group/category", store.GroupRequest{Paths: []string{"Category"}}},
		{"group/category-source-ip", store.GroupRequest{Paths: []string{"Category", "Source(*).IP"}}},
		{"group/category-source-ip-last-hour", store.GroupRequest{Filter: lastHour, Paths: []string{"Category", "Source(*).IP"}}},
		{"group/analyzer-filtered", store.GroupRequest{Filter: store.Filter{Query: "Priority >= High"}, Paths: []string{"Analyzer.Name"}}},
	}
	for _, sc := range groups {
		for _, noRollup := range []bool{false, true} {
			name := sc.name
			if noRollup {
				// The same query without alert_rollup: the plain join.
				if _, _, _, ok := rollupPair(mustKeys(b, sc.req.Paths)); !ok || sc.req.Filter.Query != "" {
					continue
				}
				name += "-no-rollup"
			}
			b.Run(name, func(b *testing.B) {
				s.noRollup = noRollup
				defer func() { s.noRollup = false }()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.GroupBy(ctx, sc.req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("top/source-ip", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Top(ctx, store.TopRequest{Path: "Source.IP"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("histogram/auto-by-priority", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Histogram(ctx, store.HistogramRequest{SplitBy: "Priority"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// An alert by ID, oldest, middle and newest: one seek per bucket of
	// the ID index (migration 00007), the whole store's buckets at worst.
	for _, seq := range []int{1, millionAlerts / 2, millionAlerts} {
		var id string
		if err := s.r.QueryRowContext(ctx, `SELECT id FROM alerts WHERE seq = ?`, seq).Scan(&id); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("alert-by-id/seq=%d", seq), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Alert(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stats", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Stats(ctx, store.Filter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func mustKeys(b *testing.B, paths []string) []keySource {
	keys := make([]keySource, len(paths))
	for i, p := range paths {
		k, err := keyFor(p, i)
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	return keys
}
