package sqlite

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCheckpointKeepsWALBounded writes alerts without pause into a store
// whose checkpointer hands the checkpoint to the writer at 4 MiB of WAL
// (looking every 10 ms), and checks that the WAL stays within a few times
// that: the background
// checkpoints alone never complete under such load (the WAL then grows to
// the writer's safety net, 256 MiB, ~100 MiB here), nor would the writer
// checkpoint before that without being told.
func TestCheckpointKeepsWALBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~100 MiB of WAL; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "vigie.db")
	const limit = 4 << 20
	// The WAL grows by ~100 MiB/s here, 2 to 4 MiB a batch: checkpoints
	// every 10 ms let it pass the limit by a batch or two before the writer
	// finishes one.
	s, err := Open(t.Context(), Options{Path: path, walLimit: limit, checkpointEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	alerts := genAlerts(t, 7, 30000, time.Now())
	var highWater int64
	for i := 0; i < len(alerts); i += 500 {
		if _, err := s.PutAlerts(t.Context(), alerts[i:i+500]); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		highWater = max(highWater, fi.Size())
	}
	bg := testutil.ToFloat64(s.metrics.checkpoints.WithLabelValues("background"))
	writer := testutil.ToFloat64(s.metrics.checkpoints.WithLabelValues("writer"))
	t.Logf("WAL high-water %.1f MiB; checkpoints: %v background, %v by the writer", float64(highWater)/(1<<20), bg, writer)
	// The limit, what a batch or two add before a look, and the batch after
	// which the writer checkpoints.
	if highWater > 5*limit {
		t.Errorf("WAL reached %d bytes; want at most %d (5 × the checkpointer's limit)", highWater, 5*limit)
	}
	if bg == 0 || writer == 0 {
		t.Errorf("checkpoints: %v background, %v by the writer; want both", bg, writer)
	}
}
