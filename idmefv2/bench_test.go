package idmefv2

import (
	"bytes"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The benchmarks all run on the valid V08 examples (167 B to 2.3 KB, about
// 1.3 KB on average), one message per iteration in turn, so their ns/op are
// comparable: BenchmarkValidateFast against BenchmarkJSONSchemaOracle is
// the speed-up of the fast path over a JSON-schema validator.

func benchMessages(b *testing.B) [][]byte {
	ex := validExamples(b)
	names := make([]string, 0, len(ex))
	for n := range ex {
		names = append(names, n)
	}
	slices.Sort(names)
	msgs := make([][]byte, len(names))
	total := 0
	for i, n := range names {
		msgs[i] = ex[n]
		total += len(ex[n])
	}
	b.SetBytes(int64(total / len(msgs)))
	return msgs
}

func BenchmarkDecode(b *testing.B) {
	msgs := benchMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Decode(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	msgs := benchMessages(b)
	alerts := make([]*Alert, len(msgs))
	for i, m := range msgs {
		a, err := Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		alerts[i] = a
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var err error
		if buf, err = AppendEncode(buf[:0], alerts[i%len(alerts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateFast is the hot path: strict decode and every check
// (schema and spec rules) from bytes.
func BenchmarkValidateFast(b *testing.B) {
	msgs := benchMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r := ValidateJSON(msgs[i%len(msgs)]); !r.Valid() {
			b.Fatal(r.Issues)
		}
	}
}

func BenchmarkValidateModelOnly(b *testing.B) {
	msgs := benchMessages(b)
	alerts := make([]*Alert, len(msgs))
	for i, m := range msgs {
		a, err := Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		alerts[i] = a
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r := alerts[i%len(alerts)].Validate(); !r.Valid() {
			b.Fatal(r.Issues)
		}
	}
}

// BenchmarkJSONSchemaOracle is the baseline: santhosh-tekuri/jsonschema/v6
// parsing the same bytes and validating them against the V08 schema.
func BenchmarkJSONSchemaOracle(b *testing.B) {
	msgs := benchMessages(b)
	s := newOracle(b).v08
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(msgs[i%len(msgs)]))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPathGet(b *testing.B) {
	a, err := Decode(validExamples(b)["derived-00-base-for-invalid-mutations.json"])
	if err != nil {
		b.Fatal(err)
	}
	p := MustParsePath("Source(0).IP")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Get(a, p); !ok {
			b.Fatal("no value")
		}
	}
}

func BenchmarkParsePath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePath("Attachment(1).Hash(*)"); err != nil {
			b.Fatal(err)
		}
	}
}
