package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// walLimitForTest is the checkpointer's limit in the tests below.
const walLimitForTest = 4 << 20

// writeWatchingWAL writes 30,000 alerts without pause, in batches of
// 500, into a store whose checkpointer hands the checkpoint to the writer
// at walLimitForTest (looking every 10 ms) while readers goroutines read
// alerts already written, one after the other; it returns the WAL file's
// high-water mark. The background checkpoints alone never complete under
// such load (the WAL then grows to the writer's safety net, 256 MiB,
// ~100 MiB here), nor would the writer checkpoint before that without
// being told.
func writeWatchingWAL(t *testing.T, readers int) int64 {
	t.Helper()
	if testing.Short() {
		t.Skip("writes ~100 MiB of WAL; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "vigie.db")
	// The WAL grows by ~100 MiB/s here, 2 to 4 MiB a batch: checkpoints
	// every 10 ms let it pass the limit by a batch or two before the writer
	// finishes one.
	s, err := Open(t.Context(), Options{Path: path, walLimit: walLimitForTest, checkpointEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	alerts := genAlerts(t, 7, 30000, time.Now())
	if _, err := s.PutAlerts(t.Context(), alerts[:500]); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			for i := r; ctx.Err() == nil; i++ {
				if _, err := s.Alert(ctx, alerts[i%500].ID); err != nil && ctx.Err() == nil {
					t.Errorf("read alert: %v", err)
					return
				}
			}
		})
	}
	var highWater int64
	for i := 500; i < len(alerts); i += 500 {
		if _, err := s.PutAlerts(t.Context(), alerts[i:i+500]); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		highWater = max(highWater, fi.Size())
	}
	stop()
	wg.Wait()
	bg := testutil.ToFloat64(s.metrics.checkpoints.WithLabelValues("background"))
	writer := testutil.ToFloat64(s.metrics.checkpoints.WithLabelValues("writer"))
	t.Logf("%d readers: WAL high-water %.1f MiB; checkpoints: %v background, %v by the writer", readers, float64(highWater)/(1<<20), bg, writer)
	if bg == 0 || writer == 0 {
		t.Errorf("checkpoints: %v background, %v by the writer; want both", bg, writer)
	}
	return highWater
}

// walBoundForTest is the WAL size the tests below accept: the limit, what
// a batch or two add before a look, the batch after which the writer
// checkpoints, and as much again for a checkpoint that did not complete
// or a WAL that did not start over (14–19 MiB without readers here, 16–30
// with; 137–156 MiB without the writer's part).
const walBoundForTest = 12 * walLimitForTest

// TestCheckpointKeepsWALBounded checks that the WAL stays within a few
// times the checkpointer's limit.
func TestCheckpointKeepsWALBounded(t *testing.T) {
	if hw := writeWatchingWAL(t, 0); hw > walBoundForTest {
		t.Errorf("WAL reached %d bytes; want at most %d", hw, walBoundForTest)
	}
}

// TestCheckpointKeepsWALBoundedWhileReading is the same with two readers
// reading without pause: a reader that started before the writer's last
// commit keeps a passive checkpoint from completing, and one reading at
// the writer's next transaction keeps the WAL from starting over.
func TestCheckpointKeepsWALBoundedWhileReading(t *testing.T) {
	if hw := writeWatchingWAL(t, 2); hw > walBoundForTest {
		t.Errorf("WAL reached %d bytes; want at most %d", hw, walBoundForTest)
	}
}
