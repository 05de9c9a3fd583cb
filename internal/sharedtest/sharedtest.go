// Package sharedtest gives tests the project's shared reference data: the
// ../shared folder beside the repository (IDMEFv2 schemas and examples with
// their manifest, connector samples, relay vectors). Outside CI a missing
// folder skips the test; in CI (CI=true) it fails it, so that a test never
// passes by not running.
package sharedtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/<elem...> relative to the repository root (the
// directory holding go.mod, found upwards from the test's directory).
func Dir(t testing.TB, elem ...string) string {
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
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared reference data missing in CI: %v", err)
		}
		t.Skipf("shared reference data not available: %v", err)
	}
	return p
}

// ManifestEntry is one file of idmefv2/examples/manifest.json.
type ManifestEntry struct {
	File   string   `json:"file"`
	Expect string   `json:"expect"` // valid, invalid, invalid-format-only, schema-valid-but-semantically-invalid
	Schema string   `json:"schema"` // the draft folder: V04 … V09-Dev
	Errors []string `json:"errors_python_jsonschema"`
}

// Manifest returns the examples folder and its manifest's entries.
func Manifest(t testing.TB) (examples string, entries []ManifestEntry) {
	t.Helper()
	examples = Dir(t, "idmefv2", "examples")
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
