package upgrade_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns the workspace's reference data folder (../shared/idmefv2 next to the
// repository root), or skips the test when it is absent.
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

type manifestEntry struct {
	File   string `json:"file"`
	Expect string `json:"expect"`
	Schema string `json:"schema"`
}

func readManifest(t testing.TB) (string, []manifestEntry) {
	t.Helper()
	examples := filepath.Join(sharedDir(t), "examples")
	data, err := os.ReadFile(filepath.Join(examples, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	return examples, entries
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
