package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns the workspace's reference data folder (../shared/idmefv2 next to the
// repository root), or skips the test when it is absent, e.g. in a bare checkout.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared", "idmefv2")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared is missing in CI: %v", err)
		}
		t.Skipf("reference data not available: %v", err)
	}
	return shared
}

// manifestEntry is one line of examples/manifest.json.
type manifestEntry struct {
	File   string   `json:"file"`
	Expect string   `json:"expect"`
	Schema string   `json:"schema"`
	Errors []string `json:"errors_python_jsonschema"`
}

// readManifest loads examples/manifest.json.
func readManifest(t testing.TB) (examples string, entries []manifestEntry) {
	t.Helper()
	examples = filepath.Join(sharedDir(t), "examples")
	data, err := os.ReadFile(filepath.Join(examples, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(entries) == 0 {
		t.Fatal("manifest.json lists no files")
	}
	return examples, entries
}
