package main

import (
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/vigie-siem/vigie/internal/config"
)

// TestTuneRuntime: the configured GC target applies unless GOGC is set,
// and the memory limit unless GOMEMLIMIT is.
func TestTuneRuntime(t *testing.T) {
	prevGC := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prevLimit)
	})
	log := slog.New(slog.DiscardHandler)
	r := config.Runtime{GCPercent: 250, MemoryLimit: 3 << 30}

	tuneRuntime(r, func(string) string { return "" }, log)
	if got := debug.SetGCPercent(100); got != 250 {
		t.Errorf("GC percent %d, want 250 from the configuration", got)
	}
	if got := debug.SetMemoryLimit(prevLimit); got != 3<<30 {
		t.Errorf("memory limit %d, want %d from the configuration", got, 3<<30)
	}

	env := map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}
	tuneRuntime(r, func(k string) string { return env[k] }, log)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d, want GOGC's 100 kept", got)
	}
	if got := debug.SetMemoryLimit(-1); got != prevLimit {
		t.Errorf("memory limit %d, want GOMEMLIMIT's kept (%d)", got, prevLimit)
	}
}
