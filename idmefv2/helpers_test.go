package idmefv2

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplesDir returns ../shared/idmefv2/examples relative to the repository
// root (found by walking up to go.mod), skipping the test when it is absent.
func examplesDir(t testing.TB) string {
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
			t.Skip("repository root not found")
		}
		dir = parent
	}
	ex := filepath.Join(dir, "..", "shared", "idmefv2", "examples")
	if _, err := os.Stat(filepath.Join(ex, "manifest.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared is missing in CI: %v", err)
		}
		t.Skipf("examples not available: %v", err)
	}
	return ex
}

// manifestEntry is one file of examples/manifest.json.
type manifestEntry struct {
	File   string   `json:"file"`
	Expect string   `json:"expect"`
	Schema string   `json:"schema"`
	Errors []string `json:"errors_python_jsonschema"`
}

// pointers turns the Python jsonschema error prefixes ("Analyzer/IP: …",
// ": …" for the root) into JSON pointers.
func (m manifestEntry) pointers() []string {
	var out []string
	for _, e := range m.Errors {
		path, _, _ := strings.Cut(e, ": ")
		if path != "" {
			path = "/" + path
		}
		out = append(out, path)
	}
	return out
}

func loadManifest(t testing.TB) (string, []manifestEntry) {
	t.Helper()
	dir := examplesDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	return dir, entries
}

// fastPathEntries returns the manifest entries this package validates.
func fastPathEntries(t testing.TB) (string, []manifestEntry) {
	dir, all := loadManifest(t)
	var out []manifestEntry
	for _, e := range all {
		if e.Schema == "V08" || e.Schema == "V09-Dev" {
			out = append(out, e)
		}
	}
	return dir, out
}

// validExamples returns the bytes of the valid V08 examples.
func validExamples(t testing.TB) map[string][]byte {
	dir, entries := fastPathEntries(t)
	out := map[string][]byte{}
	for _, e := range entries {
		if e.Expect != "valid" || e.Schema != "V08" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(e.File)] = data
	}
	return out
}

func readFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
