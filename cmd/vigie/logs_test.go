package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/internal/sharedtest"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

func TestLogsImport(t *testing.T) {
	eve := filepath.Join(sharedtest.Dir(t, "idmefv2", "connectors", "suricata"), "eve.json")
	dir := t.TempDir()
	// The sample dates from 2017–2024: keep it past the retention passes.
	t.Setenv("VIGIE_STORE_RETENTION_MAX_AGE", "0")
	t.Setenv("VIGIE_EVENTS_RETENTION_MAX_AGE", "0")
	out, stderr, code := run(t, "", "logs", "import", "--data-dir", dir, "--format", "jsonl", "--tool", "suricata", "--time-field", "timestamp", eve)
	if code != 0 || !strings.Contains(out, "eve.json: 4 lines") {
		t.Fatalf("exit %d, out %q, stderr %s", code, out, stderr)
	}
	out, stderr, code = run(t, "<38>Nov 23 10:00:01 web01 sshd[1]: one\nplain two\n", "logs", "import", "--data-dir", dir, "-")
	if code != 0 || !strings.Contains(out, "-: 2 lines") {
		t.Fatalf("exit %d, out %q, stderr %s", code, out, stderr)
	}
	if _, _, code := run(t, "", "logs", "import", "--data-dir", dir, "--format", "xml", "-"); code != 2 {
		t.Errorf("bad --format: exit %d, want 2", code)
	}
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: filepath.Join(dir, "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := st.Stats(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Total != 2 {
		t.Errorf("%d alerts stored, want the 2 the Suricata sample converts to", stats.Total)
	}
	page, err := st.Events(t.Context(), store.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]int{}
	for _, e := range page.Events {
		inputs[e.Input]++
	}
	if inputs["file:"+eve] != 4 || inputs["stdin"] != 2 {
		t.Errorf("raw events by input = %v, want 4 from the file and 2 from stdin", inputs)
	}
}
