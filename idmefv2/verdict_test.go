package idmefv2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestVerdicts checks that ValidateJSON gives every V08 and V09-Dev
// example the verdict manifest.json records.
func TestManifestVerdicts(t *testing.T) {
	dir, entries := fastPathEntries(t)
	if len(entries) < 60 {
		t.Fatalf("only %d V08/V09-Dev entries in the manifest", len(entries))
	}
	for _, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			r := ValidateJSON(data)
			errs := r.Errors()
			switch e.Expect {
			case "valid":
				if len(errs) > 0 {
					t.Fatalf("want valid, got %v", errs)
				}
				if want := "2.D." + e.Schema; r.Version != want {
					t.Errorf("Report.Version = %q, want %q", r.Version, want)
				}
			case "invalid", "invalid-format-only":
				if len(errs) == 0 {
					t.Fatalf("want invalid, got no errors (warnings %v)", r.Warnings())
				}
				for _, p := range pointers(e) {
					if !hasErrorAt(errs, p) {
						t.Errorf("want an error at %q, got %v", p, errs)
					}
				}
			case "schema-valid-but-semantically-invalid":
				if len(errs) == 0 {
					t.Fatal("want a spec.* error, got none")
				}
				for _, i := range errs {
					if !strings.HasPrefix(i.Rule, "spec.") {
						t.Errorf("schema-valid message got schema error %v", i)
					}
				}
			default:
				t.Fatalf("unknown expectation %q", e.Expect)
			}
			t.Logf("%s: %v", e.Expect, r.Issues)
		})
	}
}

func hasErrorAt(errs []Issue, pointer string) bool {
	for _, i := range errs {
		if i.Pointer == pointer {
			return true
		}
	}
	return false
}
