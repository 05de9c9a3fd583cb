package sqlite

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/cputime"
)

// genAlerts returns n generated alerts created over the hour before end.
func genAlerts(tb testing.TB, seed uint64, n int, end time.Time) []*idmefv2.Alert {
	tb.Helper()
	i := 0
	g, err := alertgen.New(alertgen.Options{Seed: seed, Now: func() time.Time {
		i++
		return end.Add(-time.Hour + time.Duration(i)*time.Hour/time.Duration(n+1))
	}})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]*idmefv2.Alert, n)
	for j := range out {
		out[j] = g.Next()
	}
	return out
}

// BenchmarkPutAlerts writes batches of 1000 new alerts into a fresh store;
// alerts/s is the figure to compare with the 20,000/s goal.
func BenchmarkPutAlerts(b *testing.B) {
	s, err := Open(context.Background(), Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchPut(b, s, 1000, time.Now())
}

// grownAlerts is the size of the store BenchmarkPutAlertsGrown writes into.
const grownAlerts = 300_000

// grownEnd is the CreateTime of the last alert of the grown store.
var grownEnd = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkPutAlertsGrown writes batches of new alerts into a copy of a
// store that already holds 300k alerts (24 hours of them), as the server's
// store does after a while: its indexes no longer fit a few pages, and the
// per-alert cost there is what caps the ingest rate.
func BenchmarkPutAlertsGrown(b *testing.B) {
	for _, batch := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := grownStore(b)
			defer s.Close()
			benchPut(b, s, batch, grownEnd.Add(time.Hour))
		})
	}
}

// benchPut writes b.N batches of batch new alerts, created over the hours
// before end, end, end+1h… and reports alerts/s and process CPU per alert.
func benchPut(b *testing.B, s *Store, batch int, end time.Time) {
	ctx := context.Background()
	batches := max(1, 20000/batch) // per generated slice
	seed := uint64(100)
	alerts := genAlerts(b, seed, batch*batches, end)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		if i%batches == 0 && i > 0 {
			b.StopTimer()
			seed++
			end = end.Add(time.Hour)
			alerts = genAlerts(b, seed, batch*batches, end)
			b.StartTimer()
		}
		chunk := alerts[(i%batches)*batch : (i%batches+1)*batch]
		c0 := cputime.Process()
		if _, err := s.PutAlerts(ctx, chunk); err != nil {
			b.Fatal(err)
		}
		cpu += cputime.Process() - c0
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "alerts/s")
	// CPU per alert (the process during PutAlerts: the writer and GC) is
	// steadier than alerts/s on a machine shared with other jobs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/alert")
}

// grownStore opens a private copy of the grown store, building the
// original in the system temp directory the first time. Its name carries
// the number of migrations, so that a schema change builds a new one.
func grownStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	orig := filepath.Join(os.TempDir(), fmt.Sprintf("vigie-store-bench-grown-300k-m%d.db", migrationCount(b)))
	if _, err := os.Stat(orig); err != nil {
		s, n := openCached(b, filepath.Base(orig), "alerts")
		if n != 0 {
			s.Close()
			b.Fatalf("%s holds %d alerts: delete it", orig, n)
		}
		step := 24 * time.Hour / grownAlerts
		t := grownEnd.Add(-24 * time.Hour)
		g, err := alertgen.New(alertgen.Options{Seed: 43, Now: func() time.Time { t = t.Add(step); return t }})
		if err != nil {
			b.Fatal(err)
		}
		batch := make([]*idmefv2.Alert, 0, 5000)
		for i := range grownAlerts {
			batch = append(batch, g.Next())
			if len(batch) == cap(batch) || i == grownAlerts-1 {
				if _, err := s.PutAlerts(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	dst := filepath.Join(b.TempDir(), "grown.db")
	if err := copyFile(orig, dst); err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, Options{Path: dst})
	if err != nil {
		b.Fatal(err)
	}
	// The steady state: the filter of stored IDs loaded (until then every
	// ID of a batch is looked up).
	s.loading.Wait()
	return s
}

// migrationCount is the number of schema migrations (SQL and Go), which
// the names of the cached benchmark stores carry.
func migrationCount(b *testing.B) int {
	ms, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		b.Fatal(err)
	}
	return len(ms) + len(goMigrations())
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
