package sqlite_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// BenchmarkPutEvents measures raw-event writes in batches of 500.
func BenchmarkPutEvents(b *testing.B) {
	s, err := sqlite.Open(b.Context(), sqlite.Options{Path: filepath.Join(b.TempDir(), "vigie.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 500
	evs := make([]store.Event, batch)
	now := time.Now()
	for i := range evs {
		msg := fmt.Sprintf("Failed password for root from 192.0.2.%d port %d ssh2", i%250, 40000+i)
		evs[i] = store.Event{Time: now, Received: now, Input: "syslog/tcp", Host: "web01", App: "sshd", Facility: 4, Severity: 6,
			Message: msg, Raw: []byte("<38>Nov 23 10:00:01 web01 sshd[1]: " + msg)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		if err := s.PutEvents(b.Context(), evs[:min(batch, b.N-i)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
