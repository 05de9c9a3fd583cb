package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// BenchmarkValidateV08 parses and validates a typical alert (a Suricata NIDS alert with a
// JSON attachment, ~2 KB) against the V08 schema, as a receiver does per message.
func BenchmarkValidateV08(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "v08-suricata-alert.json"))
	if err != nil {
		b.Fatal(err)
	}
	v := schema.New()
	if errs, err := v.ValidateJSON("V08", data); err != nil || len(errs) != 0 {
		b.Fatalf("fixture invalid: %v %v", errs, err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if errs, _ := v.ValidateJSON("V08", data); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidateV08Invalid measures the error path: flattening and describing errors.
func BenchmarkValidateV08Invalid(b *testing.B) {
	data := []byte(`{"Version":"2.D.V08","ID":"12345","CreateTime":"yesterday","Priority":"Critical",` +
		`"Status":"Event","Analyzer":{"Method":["signature"]},"Severity":"High"}`)
	v := schema.New()
	b.ReportAllocs()
	for b.Loop() {
		if errs, _ := v.ValidateJSON("V08", data); len(errs) == 0 {
			b.Fatal("no errors")
		}
	}
}

// BenchmarkCompile measures the one-off cost of compiling each draft (paid on first use).
func BenchmarkCompile(b *testing.B) {
	for _, draft := range schema.Drafts() {
		b.Run(draft, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schema.New().Validate(draft, map[string]any{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
