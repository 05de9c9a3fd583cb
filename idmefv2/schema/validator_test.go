package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigie-siem/vigie/idmefv2/schema"
)

func TestEmbeddedSchemasMatchReference(t *testing.T) {
	ref := filepath.Join(sharedDir(t), "schema")
	for _, draft := range schema.Drafts() {
		t.Run(draft, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(ref, draft, "IDMEFv2.schema"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join("schemas", draft, "IDMEFv2.schema"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("schemas/%s/IDMEFv2.schema differs from the reference copy", draft)
			}
			embedded, err := schema.Source(draft)
			if err != nil || !bytes.Equal(embedded, want) {
				t.Errorf("Source(%s) differs from the reference copy (err %v)", draft, err)
			}
		})
	}
}

func TestDrafts(t *testing.T) {
	want := []string{"V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09-Dev", "legacy-SECEF-2.0.3"}
	got := schema.Drafts()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Drafts() (-want +got):\n%s", diff)
	}
	if !slices.IsSorted(got) {
		t.Errorf("Drafts() is not sorted: %v", got)
	}
	got[0] = "mutated"
	if schema.Drafts()[0] != "V02" {
		t.Error("Drafts() returns a shared slice")
	}
}

func TestDraftOf(t *testing.T) {
	tests := []struct {
		version, draft string
		ok             bool
	}{
		{"2.D.V02", "V02", true},
		{"2.D.V04", "V04", true},
		{"2.D.V08", "V08", true},
		{"2.D.V09-Dev", "V09-Dev", true},
		{"2.0.3", "legacy-SECEF-2.0.3", true},
		{"2.D.V01", "", false},
		{"2.D.V10", "", false},
		{"2.d.v08", "", false},
		{"V08", "", false},
		{"2.D.legacy-SECEF-2.0.3", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			draft, ok := schema.DraftOf(tt.version)
			if draft != tt.draft || ok != tt.ok {
				t.Errorf("DraftOf(%q) = %q, %v; want %q, %v", tt.version, draft, ok, tt.draft, tt.ok)
			}
			if !ok {
				return
			}
			version, ok := schema.VersionOf(draft)
			if !ok || version != tt.version {
				t.Errorf("VersionOf(%q) = %q, %v; want %q", draft, version, ok, tt.version)
			}
		})
	}
}

// Every draft compiles, and its Version enum accepts exactly the value VersionOf names.
func TestEveryDraftCompilesAndChecksVersion(t *testing.T) {
	v := schema.New()
	for _, draft := range schema.Drafts() {
		t.Run(draft, func(t *testing.T) {
			version, _ := schema.VersionOf(draft)
			errs, err := v.Validate(draft, map[string]any{"Version": version})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				if e.Pointer == "/Version" {
					t.Errorf("own Version %q rejected: %v", version, e)
				}
			}
			errs, err = v.Validate(draft, map[string]any{"Version": "2.D.V00"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(errs, func(e schema.Error) bool { return e.Pointer == "/Version" && e.Keyword == "enum" }) {
				t.Errorf("foreign Version accepted; errors: %v", errs)
			}
		})
	}
}

// pythonLocation turns a manifest error ("Analyzer/Method/0: 'x' is not …", ": 'ID' is …")
// into a JSON pointer.
func pythonLocation(t *testing.T, msg string) string {
	t.Helper()
	loc, _, ok := strings.Cut(msg, ": ")
	if !ok {
		t.Fatalf("manifest error without location: %q", msg)
	}
	if loc == "" {
		return ""
	}
	return "/" + loc
}

func TestManifestVerdicts(t *testing.T) {
	examples, entries := readManifest(t)
	v := schema.New()
	for _, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(examples, e.File))
			if err != nil {
				t.Fatal(err)
			}
			errs, err := v.ValidateJSON(e.Schema, data)
			if err != nil {
				t.Fatal(err)
			}
			switch e.Expect {
			case "valid", "schema-valid-but-semantically-invalid":
				if len(errs) != 0 {
					t.Errorf("want no schema errors, got %v", errs)
				}
			case "invalid", "invalid-format-only":
				if len(errs) == 0 {
					t.Fatal("want schema errors, got none")
				}
				for _, msg := range e.Errors {
					ptr := pythonLocation(t, msg)
					if !slices.ContainsFunc(errs, func(x schema.Error) bool { return x.Pointer == ptr }) {
						t.Errorf("no error at %q (manifest: %s); got %v", ptr, msg, errs)
					}
				}
				if e.Expect == "invalid-format-only" && !slices.ContainsFunc(errs, func(x schema.Error) bool { return x.Keyword == "format" }) {
					t.Errorf("want a format error, got %v", errs)
				}
			default:
				t.Fatalf("unknown expectation %q", e.Expect)
			}
			for _, x := range errs {
				if x.Keyword == "" || x.Message == "" {
					t.Errorf("error without keyword or message: %#v", x)
				}
			}
		})
	}
}

// A receiver validates each message against the draft its Version names: every valid example
// of every draft passes that way.
func TestDetectThenValidateValidExamples(t *testing.T) {
	examples, entries := readManifest(t)
	v := schema.New()
	for _, e := range entries {
		if e.Expect != "valid" {
			continue
		}
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(examples, e.File))
			if err != nil {
				t.Fatal(err)
			}
			draft, err := v.Detect(data)
			if err != nil {
				t.Fatal(err)
			}
			if draft != e.Schema {
				t.Errorf("Detect = %q, manifest says %q", draft, e.Schema)
			}
			errs, err := v.ValidateJSON(draft, data)
			if err != nil || len(errs) != 0 {
				t.Errorf("ValidateJSON(%s) = %v, %v; want valid", draft, errs, err)
			}
		})
	}
}

// base returns a fresh decoded copy of the V08 testdata alert.
func base(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "v08-suricata-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestErrorDetails(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		want   []schema.Error
	}{
		{
			name:   "bad enum lists the allowed values",
			mutate: func(doc map[string]any) { doc["Priority"] = "Critical" },
			want:   []schema.Error{{Pointer: "/Priority", Keyword: "enum", Message: `value "Critical" is not one of Unknown, Info, Low, Medium, High`}},
		},
		{
			name:   "wrong case suggests the right value",
			mutate: func(doc map[string]any) { doc["Analyzer"].(map[string]any)["Method"] = []any{"signature"} },
			want: []schema.Error{{Pointer: "/Analyzer/Method/0", Keyword: "enum",
				Message: `value "signature" is not one of Undetermined, AI, Anomaly, Behavioral, Biometric, Blackhole, Contextual, Correlation, Ensemble, Fingerprinting, Frequency, Fusion, … (38 allowed values) (did you mean "Signature"?)`}},
		},
		{
			name: "every missing attribute, each on its own",
			mutate: func(doc map[string]any) {
				delete(doc, "ID")
				delete(doc, "CreateTime")
				delete(doc["Analyzer"].(map[string]any), "Name")
			},
			want: []schema.Error{
				{Pointer: "", Keyword: "required", Message: `missing required attribute "CreateTime"`},
				{Pointer: "", Keyword: "required", Message: `missing required attribute "ID"`},
				{Pointer: "/Analyzer", Keyword: "required", Message: `missing required attribute "Name"`},
			},
		},
		{
			name: "unknown attributes",
			mutate: func(doc map[string]any) {
				doc["Severity"] = "High"
				doc["Target"].([]any)[0].(map[string]any)["URL"] = "/x"
			},
			want: []schema.Error{
				{Pointer: "", Keyword: "additionalProperties", Message: `unknown attribute "Severity"`},
				{Pointer: "/Target/0", Keyword: "additionalProperties", Message: `unknown attribute "URL"`},
			},
		},
		{
			name:   "type",
			mutate: func(doc map[string]any) { doc["Status"] = "Event" },
			want:   []schema.Error{{Pointer: "/Status", Keyword: "type", Message: "wrong type: got string, want array"}},
		},
		{
			name:   "maximum",
			mutate: func(doc map[string]any) { doc["Confidence"] = json.Number("1.5") },
			want:   []schema.Error{{Pointer: "/Confidence", Keyword: "maximum", Message: "value 1.5 is greater than the maximum 1"}},
		},
		{
			name:   "pattern names the definition",
			mutate: func(doc map[string]any) { doc["ID"] = "12345" },
			want: []schema.Error{{Pointer: "/ID", Keyword: "pattern",
				Message: `value "12345" does not match the uuidType pattern ^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$`}},
		},
		{
			name:   "pointer escapes",
			mutate: func(doc map[string]any) { doc["Attachment"].([]any)[0].(map[string]any)["Hash"] = []any{"md5:zz"} },
			want: []schema.Error{{Pointer: "/Attachment/0/Hash/0", Keyword: "pattern",
				Message: `value "md5:zz" does not match the hashType pattern ^[a-zA-Z0-9-]+:([a-fA-F0-9]{2})+$`}},
		},
	}
	v := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base(t)
			tt.mutate(doc)
			got, err := v.Validate("V08", doc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatErrors(t *testing.T) {
	v := schema.New()
	doc := base(t)
	doc["Ref"] = []any{"not a uri"}
	doc["Source"].([]any)[0].(map[string]any)["Email"] = "nobody"
	got, err := v.Validate("V08", doc)
	if err != nil {
		t.Fatal(err)
	}
	var ptrs []string
	for _, e := range got {
		if e.Keyword != "format" {
			t.Errorf("unexpected error %v", e)
		}
		ptrs = append(ptrs, e.Pointer)
	}
	if diff := cmp.Diff([]string{"/Ref/0", "/Source/0/Email"}, ptrs); diff != "" {
		t.Errorf("pointers (-want +got):\n%s\nerrors: %v", diff, got)
	}
}

func TestValidateUnknownDraft(t *testing.T) {
	if _, err := schema.Source("V01"); err == nil {
		t.Error("Source(V01) succeeded")
	}
	v := schema.New()
	if _, err := v.Validate("V01", map[string]any{}); err == nil || !strings.Contains(err.Error(), `"V01"`) {
		t.Errorf("Validate(V01) error = %v, want one naming the draft", err)
	}
	if _, err := v.ValidateJSON("v08", []byte(`{}`)); err == nil {
		t.Error("ValidateJSON(v08) accepted a draft name in the wrong case")
	}
}

func TestValidateJSONNotJSON(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "invalid JSON: empty input"},
		{"truncated", `{"Version": "2.D.V08"`, "invalid JSON: unexpected end of input at offset 21"},
		{"syntax", `{"Version": }`, "invalid JSON at offset 13: invalid character '}' looking for beginning of value"},
		{"trailing", `{} {}`, "invalid JSON: unexpected data after the top-level value at offset 3"},
	}
	v := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.ValidateJSON("V08", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			want := []schema.Error{{Keyword: "json", Message: tt.want}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, data, draft, errPart string
	}{
		{"V04", `{"Version":"2.D.V04","ID":"x"}`, "V04", ""},
		{"V09-Dev", `{"ID":"x","Version":"2.D.V09-Dev"}`, "V09-Dev", ""},
		{"legacy", `{"Version":"2.0.3"}`, "legacy-SECEF-2.0.3", ""},
		{"missing", `{"ID":"x"}`, "", `no "Version" member`},
		{"wrong case member", `{"version":"2.D.V08"}`, "", `no "Version" member`},
		{"unknown", `{"Version":"2.D.V01"}`, "", `unknown "Version" "2.D.V01"`},
		{"not a string", `{"Version":8}`, "", `"Version" is 8, not a string`},
		{"array", `[{"Version":"2.D.V08"}]`, "", "is a JSON array, not an object"},
		{"not JSON", `{"Version":`, "", "detect IDMEFv2 draft: unexpected end of JSON input"},
	}
	v := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draft, err := v.Detect([]byte(tt.data))
			if tt.errPart == "" {
				if err != nil || draft != tt.draft {
					t.Errorf("Detect = %q, %v; want %q", draft, err, tt.draft)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("Detect error = %v, want it to contain %q", err, tt.errPart)
			}
		})
	}
}

// One Validator serves many goroutines; each draft compiles once (run with -race).
func TestValidateConcurrent(t *testing.T) {
	v := schema.New()
	data, err := os.ReadFile(filepath.Join("testdata", "v08-suricata-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			draft := "V08"
			if i%2 == 1 {
				draft = "V07" // the V08 alert is invalid under V07
			}
			errs, err := v.ValidateJSON(draft, data)
			if err != nil {
				t.Error(err)
			}
			if (draft == "V08") != (len(errs) == 0) {
				t.Errorf("%s: errors %v", draft, errs)
			}
		})
	}
	wg.Wait()
}
