package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesAreCurrent regenerates the model and fails when a
// committed file differs (run `go generate ./idmefv2` to update them).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	schema, err := os.ReadFile("IDMEFv2.V08.schema")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(schema, []string{"2.D.V09-Dev"})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for name, src := range files {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(tmp, name), src, 0o644); err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(filepath.Join("..", "..", name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(committed, src) {
				t.Errorf("idmefv2/%s is stale: run go generate ./idmefv2", name)
			}
		})
	}
}

// sharedSchemaDir returns ../shared/idmefv2/schema next to the repository
// root, skipping when it is absent (a clean clone).
func sharedSchemaDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not at %s", dir)
	}
	shared := filepath.Join(dir, "..", "shared", "idmefv2", "schema")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared is missing in CI: %v", err)
		}
		t.Skipf("shared schemas not available: %v", err)
	}
	return shared
}

// TestSchemaCopyMatchesShared checks that the committed schema copy is the
// official V08 schema byte for byte.
func TestSchemaCopyMatchesShared(t *testing.T) {
	official, err := os.ReadFile(filepath.Join(sharedSchemaDir(t), "V08", "IDMEFv2.schema"))
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile("IDMEFv2.V08.schema")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(official, copied) {
		t.Error("IDMEFv2.V08.schema differs from ../shared/idmefv2/schema/V08/IDMEFv2.schema")
	}
}

// TestV09DevDiffersOnlyInVersion justifies generating one model for both:
// once the version string is replaced, the V09-Dev schema is the V08 one.
func TestV09DevDiffersOnlyInVersion(t *testing.T) {
	dir := sharedSchemaDir(t)
	v08, err := os.ReadFile(filepath.Join(dir, "V08", "IDMEFv2.schema"))
	if err != nil {
		t.Fatal(err)
	}
	v09, err := os.ReadFile(filepath.Join(dir, "V09-Dev", "IDMEFv2.schema"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(v09), "2.D.V09-Dev", "2.D.V08"); got != string(v08) {
		t.Error("the V09-Dev schema differs from V08 beyond the Version string: generate it separately")
	}
}

func TestGenerateRejectsUnknownPattern(t *testing.T) {
	schema, err := os.ReadFile("IDMEFv2.V08.schema")
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(schema, []byte(`"^[a-zA-Z0-9]+$"`), []byte(`"^[a-zA-Z0-9_]+$"`), 1)
	if _, err := Generate(changed, nil); err == nil || !strings.Contains(err.Error(), "no hand-written matcher") {
		t.Errorf("Generate with a changed pattern: err = %v, want no hand-written matcher", err)
	}
}

func TestConstName(t *testing.T) {
	for in, want := range map[string]string{
		"Recon.Scanning": "ReconScanning", "ext-value": "ExtValue", "PHY.1D-LAS": "PHY1DLAS",
		"Operational.Policy Violation": "OperationalPolicyViolation", "pHLevel": "PHLevel", "V09-Dev": "V09Dev",
	} {
		if got := constName(in); got != want {
			t.Errorf("constName(%q) = %q, want %q", in, got, want)
		}
	}
}
