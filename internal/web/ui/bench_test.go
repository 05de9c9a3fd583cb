package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// millionEnd is the end of the 24 hours that the alerts of the store's
// 1M-alert benchmark store cover.
var millionEnd = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// millionPath finds the 1,000,000-alert store that the store's
// BenchmarkMillion builds (internal/store/sqlite/million_bench_test.go) and
// keeps in the temp directory as vigie-store-bench-1m-vN.db: the highest N,
// which follows its schema changes.
func millionPath() (string, bool) {
	paths, _ := filepath.Glob(filepath.Join(os.TempDir(), "vigie-store-bench-1m-v*.db"))
	best, bestN := "", -1
	for _, p := range paths {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "vigie-store-bench-1m-v"), ".db")
		if n, err := strconv.Atoi(v); err == nil && n > bestN {
			best, bestN = p, n
		}
	}
	return best, bestN >= 0
}

// BenchmarkAlertPage1M renders the alert list's 100-row page, search
// included, over the 1M-alert store (goal: under 100 ms). It skips when
// the store is missing: build it once with
//
//	go test -run '^$' -bench 'BenchmarkMillion/stats' -benchtime 1x ./internal/store/sqlite/
func BenchmarkAlertPage1M(b *testing.B) {
	path, ok := millionPath()
	if !ok {
		b.Skip("the 1M-alert store is missing: build it with go test -run '^$' -bench 'BenchmarkMillion/stats' -benchtime 1x ./internal/store/sqlite/")
	}
	b.Logf("store %s", path)
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchPages(b, st, millionEnd)
}

// BenchmarkAlertPage renders the same pages over a small store (10,000
// alerts), for quick comparisons.
func BenchmarkAlertPage(b *testing.B) {
	f := newFixture(b, 10000, nil)
	benchPages(b, f.store, time.Now())
}

func benchPages(b *testing.B, st *sqlite.Store, now time.Time) {
	u, err := New(Options{Alerts: st, Lifecycle: st, Ops: st, Auth: &auth.Service{}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	p := auth.Principal{Name: "bench", Role: auth.RoleAnalyst, Kind: auth.KindSession}
	for _, sc := range []struct{ name, query string }{
		{"newest-24h", "/alerts"},
		{"source-ip", "/alerts?q=Source.IP+%3D+198.51.100.23&range=all"},
		{"high-priority-sorted", "/alerts?q=Priority+%3E%3D+High&sort=priority_desc"},
		{"free-text-24h", "/alerts?q=%22failed+password%22"},
		{"free-text-all", "/alerts?q=%22failed+password%22&range=all"},
	} {
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, sc.query, nil)
				rec := &discardWriter{header: http.Header{}}
				if err := u.alertsPage(rec, r, p); err != nil {
					b.Fatal(err)
				}
				if rec.status != http.StatusOK || rec.n < 10000 {
					b.Fatalf("status %d, %d bytes", rec.status, rec.n)
				}
			}
		})
	}
}

// discardWriter counts what a handler writes.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header { return d.header }
func (d *discardWriter) WriteHeader(s int)   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(p)
	return io.Discard.Write(p)
}
