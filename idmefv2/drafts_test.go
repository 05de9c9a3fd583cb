package idmefv2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidatorManifest checks every example of every draft, validated
// against the draft its manifest entry names, and again with the draft
// picked from the message's Version.
func TestValidatorManifest(t *testing.T) {
	dir, entries := loadManifest(t)
	shared, err := NewValidator(ValidatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	validators := map[string]*Validator{}
	for _, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			forced := validators[e.Schema]
			if forced == nil {
				if forced, err = NewValidator(ValidatorOptions{Draft: e.Schema, Schemas: shared.Schemas()}); err != nil {
					t.Fatal(err)
				}
				validators[e.Schema] = forced
			}
			rep := forced.Validate(data)
			auto := shared.Validate(data)
			switch e.Expect {
			case "valid":
				if !rep.Valid() {
					t.Errorf("forced %s: want valid, got %v", e.Schema, rep.Errors())
				}
				if !auto.Valid() {
					t.Errorf("auto: want valid, got %v", auto.Errors())
				}
			case "invalid", "invalid-format-only":
				if rep.Valid() {
					t.Errorf("forced %s: want invalid, got valid", e.Schema)
				}
				if auto.Valid() {
					t.Errorf("auto (%s): want invalid, got valid", auto.Version)
				}
			case "schema-valid-but-semantically-invalid":
				for _, r := range []Report{rep, auto} {
					if r.Valid() {
						t.Errorf("%s: want a spec error, got valid", r.Version)
					}
					for _, is := range r.Errors() {
						if !strings.HasPrefix(is.Rule, "spec.") {
							t.Errorf("%s: schema-level error on a schema-valid message: %v", r.Version, is)
						}
					}
				}
			default:
				t.Fatalf("unknown expectation %q", e.Expect)
			}
		})
	}
}

func TestValidatorDispatch(t *testing.T) {
	v, err := NewValidator(ValidatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const v04 = `{"Version":"2.D.V04","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z",
		"Analyzer":{"IP":"192.0.2.1","Name":"probe","Type":["Cyber"]}}`
	tests := []struct {
		name        string
		msg         string
		wantVersion string
		wantValid   bool
		wantRule    string // a rule among the errors, when invalid
	}{
		{"V04 goes to its schema", v04, "2.D.V04", true, ""},
		{"V04 schema error", strings.Replace(v04, `"IP":"192.0.2.1",`, "", 1), "2.D.V04", false, "required"},
		{"unknown Version stays on the fast path", strings.Replace(v04, "2.D.V04", "2.D.V99", 1), "2.D.V08", false, "enum"},
		{"no Version", `{"ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6"}`, "2.D.V08", false, "required"},
		{"not JSON", `{"Version":`, "2.D.V08", false, "json.syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Validate([]byte(tt.msg))
			if rep.Version != tt.wantVersion || rep.Valid() != tt.wantValid {
				t.Fatalf("got version %s valid %v (%v), want %s %v", rep.Version, rep.Valid(), rep.Issues, tt.wantVersion, tt.wantValid)
			}
			if tt.wantRule != "" && !hasRule(rep.Errors(), tt.wantRule) {
				t.Errorf("no %q error in %v", tt.wantRule, rep.Errors())
			}
		})
	}
}

func TestValidatorForcedDraft(t *testing.T) {
	msg := []byte(`{"Version":"2.D.V09-Dev","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"probe"}}`)
	for _, tt := range []struct {
		draft string
		valid bool
	}{{"V09-Dev", true}, {"2.D.V09-Dev", true}, {"V08", false}, {"V07", false}} {
		v, err := NewValidator(ValidatorOptions{Draft: tt.draft})
		if err != nil {
			t.Fatal(err)
		}
		if rep := v.Validate(msg); rep.Valid() != tt.valid {
			t.Errorf("draft %s: valid %v, want %v (%v)", tt.draft, rep.Valid(), tt.valid, rep.Issues)
		}
	}
	if _, err := NewValidator(ValidatorOptions{Draft: "V42"}); err == nil || !strings.Contains(err.Error(), "V08") {
		t.Errorf("unknown draft: err %v, want one listing the drafts", err)
	}
}

func hasRule(issues []Issue, rule string) bool {
	for _, is := range issues {
		if is.Rule == rule {
			return true
		}
	}
	return false
}

func TestDecodeValidate(t *testing.T) {
	good := `{"Version":"2.D.V08","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05Z","Analyzer":{"Name":"probe"}}`
	a, rep := DecodeValidate([]byte(good))
	if !rep.Valid() || a == nil || a.ID != "5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6" || a.Analyzer.Name != "probe" {
		t.Fatalf("valid message: alert %+v, report %v", a, rep.Issues)
	}
	bad := strings.Replace(good, `"probe"`, `"probe","Type":"Cyber"`, 1)
	if a, rep := DecodeValidate([]byte(bad)); a != nil || rep.Valid() {
		t.Errorf("invalid message: alert %v, valid %v", a, rep.Valid())
	}
}
