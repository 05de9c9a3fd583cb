package sqlite

import (
	"context"
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

// BenchmarkPutAlerts writes batches of 1000 new alerts; alerts/s is the
// figure to compare with the 20,000/s goal.
func BenchmarkPutAlerts(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 1000
	alerts := genAlerts(b, 7, batch*20, time.Now())
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		if i%20 == 0 && i > 0 {
			b.StopTimer()
			alerts = genAlerts(b, uint64(i+100), batch*20, time.Now())
			b.StartTimer()
		}
		chunk := alerts[(i%20)*batch : (i%20+1)*batch]
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
