package idmefv2

import (
	"github.com/vigie-siem/vigie/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestEntry is one file of examples/manifest.json.
type manifestEntry = sharedtest.ManifestEntry

// pointers turns the Python jsonschema error prefixes of an entry
// ("Analyzer/IP: …", ": …" for the root) into JSON pointers.
func pointers(m manifestEntry) []string {
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

func loadManifest(t testing.TB) (string, []manifestEntry) { return sharedtest.Manifest(t) }

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
