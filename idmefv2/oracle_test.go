package idmefv2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// oracle is the JSON-schema validator the fast path must agree with:
// santhosh-tekuri/jsonschema/v6 compiled from the V08 schema (draft-04,
// formats asserted), and from the same schema with Version 2.D.V09-Dev.
type oracle struct {
	v08, v09 *jsonschema.Schema
}

func newOracle(t testing.TB) *oracle {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("internal", "gen", "IDMEFv2.V08.schema"))
	if err != nil {
		t.Fatal(err)
	}
	compile := func(version string) *jsonschema.Schema {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		props := doc.(map[string]any)["properties"].(map[string]any)
		props["Version"].(map[string]any)["enum"] = []any{version}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("idmefv2.schema.json", doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile("idmefv2.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return &oracle{v08: compile(string(VersionV08)), v09: compile(string(VersionV09Dev))}
}

// validate returns the oracle's leaf errors as "pointer rule" strings, or
// parsed=false when the oracle cannot parse the JSON.
func (o *oracle) validate(data []byte) (errs []string, parsed bool) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, false
	}
	s := o.v08
	if m, ok := inst.(map[string]any); ok && m["Version"] == string(VersionV09Dev) {
		s = o.v09
	}
	err = s.Validate(inst)
	if err == nil {
		return nil, true
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []string{"? " + err.Error()}, true
	}
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			var p strings.Builder
			for _, tok := range e.InstanceLocation {
				p.WriteString("/" + escapePointer(tok))
			}
			errs = append(errs, p.String()+" "+e.ErrorKind.KeywordPath()[0])
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return normalise(errs), true
}

func normalise(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// schemaIssues returns the fast path's errors that mirror schema keywords.
func schemaIssues(r Report) []string {
	var out []string
	for _, i := range r.Errors() {
		if !strings.HasPrefix(i.Rule, "spec.") && !strings.HasPrefix(i.Rule, "json.") {
			out = append(out, i.Pointer+" "+i.Rule)
		}
	}
	return normalise(out)
}

// beyondOracle reports whether the fast path rejected the bytes for a
// reason the oracle's JSON parser tolerates (duplicate names, invalid UTF-8,
// deep nesting); the schema verdicts are then not comparable.
func beyondOracle(r Report) bool {
	for _, i := range r.Issues {
		switch i.Rule {
		case "json.duplicate-name", "json.invalid-utf8", "json.depth":
			return true
		}
	}
	return false
}

// disagreement compares the fast path with the oracle on data and describes
// any difference, "" when they agree.
func (o *oracle) disagreement(data []byte) string {
	r := ValidateJSON(data)
	want, parsed := o.validate(data)
	if beyondOracle(r) {
		return ""
	}
	if !parsed {
		for _, i := range r.Errors() {
			if i.Rule == "json.syntax" {
				return ""
			}
		}
		return fmt.Sprintf("oracle cannot parse the JSON, fast path says %v", r.Issues)
	}
	for _, i := range r.Errors() {
		if i.Rule == "json.syntax" {
			return fmt.Sprintf("fast path reports %v, oracle parses the JSON (errors %v)", i, want)
		}
	}
	got := schemaIssues(r)
	if !slices.Equal(got, want) {
		return fmt.Sprintf("schema errors differ:\n fast path: %q\n oracle:    %q", got, want)
	}
	return ""
}

// TestDifferentialExamples compares the fast path with the oracle on every
// V08 and V09-Dev example, valid or not.
func TestDifferentialExamples(t *testing.T) {
	o := newOracle(t)
	dir, entries := fastPathEntries(t)
	for _, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			if d := o.disagreement(data); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestDifferentialEdgeCases compares the fast path with the oracle on
// hand-made variations of the base example that exercise the corners of the
// decoder (empty strings, numbers at the bounds, integers written as
// decimals, nulls) where the typed model could lose information.
func TestDifferentialEdgeCases(t *testing.T) {
	o := newOracle(t)
	base := validExamples(t)["derived-00-base-for-invalid-mutations.json"]
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		t.Fatal(err)
	}
	edits := map[string]func(m map[string]any){
		"empty IP":                 func(m map[string]any) { sub(m, "Analyzer")["IP"] = "" },
		"empty Name":               func(m map[string]any) { sub(m, "Analyzer")["Name"] = "" },
		"empty ID":                 func(m map[string]any) { m["ID"] = "" },
		"empty Version":            func(m map[string]any) { m["Version"] = "" },
		"empty Cause":              func(m map[string]any) { m["Cause"] = "" },
		"empty Email":              func(m map[string]any) { item(m, "Source")["Email"] = "" },
		"empty Category list":      func(m map[string]any) { m["Category"] = []any{} },
		"empty Source list":        func(m map[string]any) { m["Source"] = []any{} },
		"Confidence 1.0":           func(m map[string]any) { m["Confidence"] = json.Number("1.0") },
		"Confidence just above 1":  func(m map[string]any) { m["Confidence"] = json.Number("1.0000000000000000001") },
		"Confidence -0":            func(m map[string]any) { m["Confidence"] = json.Number("-0") },
		"Confidence tiny negative": func(m map[string]any) { m["Confidence"] = json.Number("-1e-400") },
		"Confidence huge":          func(m map[string]any) { m["Confidence"] = json.Number("1e400") },
		"Port 22.0":                func(m map[string]any) { item(m, "Target")["Port"] = []any{json.Number("22.0")} },
		"Port 2.2e1":               func(m map[string]any) { item(m, "Target")["Port"] = []any{json.Number("2.2e1")} },
		"Port 22.5":                func(m map[string]any) { item(m, "Target")["Port"] = []any{json.Number("22.5")} },
		"Port huge":                func(m map[string]any) { item(m, "Target")["Port"] = []any{json.Number("1e30")} },
		"Size huge":                func(m map[string]any) { item(m, "Attachment")["Size"] = json.Number("123456789012345678901234") },
		"Size null":                func(m map[string]any) { item(m, "Attachment")["Size"] = nil },
		"Content object":           func(m map[string]any) { item(m, "Attachment")["Content"] = map[string]any{"a": []any{1, true, nil}} },
		"Content array":            func(m map[string]any) { item(m, "Attachment")["Content"] = []any{} },
		"Analyzer null":            func(m map[string]any) { m["Analyzer"] = nil },
		"Source item string":       func(m map[string]any) { m["Source"] = []any{"x"} },
		"ID with newline":          func(m map[string]any) { m["ID"] = m["ID"].(string) + "\n" },
		"IPv6 zone":                func(m map[string]any) { sub(m, "Analyzer")["IP"] = "fe80::1%eth0" },
		"IPv4 mapped":              func(m map[string]any) { sub(m, "Analyzer")["IP"] = "::ffff:0:192.0.2.1" },
		"timestamp without zone":   func(m map[string]any) { m["CreateTime"] = "2026-05-10T08:00:00" },
		"unknown in Source":        func(m map[string]any) { item(m, "Source")["Attacker"] = true },
		"Version V09-Dev":          func(m map[string]any) { m["Version"] = string(VersionV09Dev) },
		"Ref relative":             func(m map[string]any) { m["Ref"] = []any{"/relative"} },
		"Ref with IPv6 host":       func(m map[string]any) { m["Ref"] = []any{"http://[::1]:80/x"} },
		"Ref bad IPv6 host":        func(m map[string]any) { m["Ref"] = []any{"http://[::g]/x"} },
		"Email quoted":             func(m map[string]any) { item(m, "Source")["Email"] = `"john doe"@example.com` },
		"Email IP literal":         func(m map[string]any) { item(m, "Source")["Email"] = "x@[192.0.2.1]" },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			m := clone(t, doc)
			edit(m)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if d := o.disagreement(data); d != "" {
				t.Errorf("%s\n%s", d, data)
			}
		})
	}
}

func sub(m map[string]any, name string) map[string]any { return m[name].(map[string]any) }
func item(m map[string]any, name string) map[string]any {
	return m[name].([]any)[0].(map[string]any)
}

func clone(t *testing.T, m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzValidateDifferential mutates the examples and checks that the fast
// path and the oracle agree on the schema verdict and on the pointers and
// rules of the schema errors. Besides raw byte mutations of a whole message,
// it replaces the value at a JSON pointer with a fuzzed JSON value, which
// reaches the value checks far more often than byte flips do.
func FuzzValidateDifferential(f *testing.F) {
	dir, entries := fastPathEntries(f)
	for _, e := range entries {
		f.Add(readFile(f, dir, e.File), "", []byte(nil))
	}
	base := readFile(f, dir, "valid/V08/derived-00-base-for-invalid-mutations.json")
	for _, seed := range []struct{ at, value string }{
		{"/Analyzer/IP", `"::ffff:1.2.3.4"`}, {"/Source/0/Email", `"a@b.c"`}, {"/Confidence", `1e-7`},
		{"/Target/0/Port/0", `22.0`}, {"/Attachment/0/Content", `{"a":1}`}, {"/Ref", `["urn:x"]`},
		{"/CreateTime", `"2026-05-10T08:00:00.5+01:00"`}, {"/Analyzer/Method/0", `"Signature"`},
		{"/Attachment/0/ContentType", `"text/plain; a=\"b\""`}, {"/Sensor/0/UnLocation", `"FR PAR"`},
	} {
		f.Add(base, seed.at, []byte(seed.value))
	}
	o := newOracle(f)
	f.Fuzz(func(t *testing.T, data []byte, at string, value []byte) {
		if at != "" {
			var ok bool
			if data, ok = replaceAt(data, at, value); !ok {
				return
			}
		}
		if d := o.disagreement(data); d != "" {
			t.Errorf("%s\ninput: %q", d, data)
		}
	})
}

// replaceAt sets the value at JSON pointer at (existing member or element,
// or a new member of an object) to the JSON text value.
func replaceAt(data []byte, at string, value []byte) ([]byte, bool) {
	var doc any
	var v any
	if json.Unmarshal(data, &doc) != nil || json.Unmarshal(value, &v) != nil || !strings.HasPrefix(at, "/") {
		return nil, false
	}
	toks := strings.Split(at[1:], "/")
	parent := doc
	for i, tok := range toks {
		last := i == len(toks)-1
		switch p := parent.(type) {
		case map[string]any:
			if last {
				p[tok] = json.RawMessage(value)
			} else {
				parent = p[tok]
			}
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(p) {
				return nil, false
			}
			if last {
				p[n] = json.RawMessage(value)
			} else {
				parent = p[n]
			}
		default:
			return nil, false
		}
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}
