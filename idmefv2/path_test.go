package idmefv2

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "Source(0).IP", want: "Source(0).IP"},
		{in: "Source.IP", want: "Source(0).IP"},
		{in: "Source(*).IP", want: "Source(*).IP"},
		{in: "Source", want: "Source(0)"},
		{in: "Analyzer.Name", want: "Analyzer.Name"},
		{in: "Category", want: "Category"},
		{in: "Category(2)", want: "Category(2)"},
		{in: "Attachment(1).Hash(0)", want: "Attachment(1).Hash(0)"},
		{in: "Target(3).Port(*)", want: "Target(3).Port(*)"},
		{in: "Analyzer.ext-Category", want: "Analyzer.ext-Category"},
		{in: "Source(007).IP", want: "Source(7).IP"},
		{in: "Foo.IP", err: `unknown class or attribute "Foo"`},
		{in: "source.IP", err: `did you mean "Source"?`},
		{in: "Source.Service", err: `unknown attribute "Service" of class Source`},
		{in: "Analyzer(0).Name", err: "Analyzer is not a list"},
		{in: "Source.IP(0)", err: "IP is not a list"},
		{in: "Category.Foo", err: "Category is an attribute, not a class"},
		{in: "Source.IP.Foo", err: "more than two segments"},
		{in: "Source(-1).IP", err: "index must be a number or *"},
		{in: "Source(x).IP", err: "index must be a number or *"},
		{in: "Source(1.IP", err: "missing"},
		{in: "Source(99999999).IP", err: "index above"},
		{in: "", err: "empty segment name"},
		{in: "Source..IP", err: "more than two segments"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePath(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParsePath error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func examplePathAlert(t *testing.T) *Alert {
	a, err := Decode(validExamples(t)["derived-02-draftB1-physical-intrusion.json"])
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGet(t *testing.T) {
	a := examplePathAlert(t)
	for _, tc := range []struct {
		path string
		want []any
	}{
		{"Analyzer.Name", []any{a.Analyzer.Name}},
		{"Source.ID", []any{a.Source[0].ID}},
		{"Attachment(*).Name", []any{a.Attachment[0].Name, a.Attachment[1].Name}},
		{"Type", []any{a.Type[0]}},
		{"Category(0)", []any{a.Category[0]}},
		{"Category(9)", nil},
		{"Target(5).ID", nil},
		{"Confidence", nil},
		{"Attachment(0)", []any{&a.Attachment[0]}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, ok := Get(a, MustParsePath(tc.path))
			if ok != (len(tc.want) > 0) {
				t.Errorf("ok = %v", ok)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
		})
	}
}

func TestEachResolvesIndexes(t *testing.T) {
	a := &Alert{Source: []Source{{Port: []int{1, 2}}, {}, {Port: []int{3}}}}
	var got []string
	Each(a, MustParsePath("Source(*).Port"), func(at Path, v any) bool {
		got = append(got, fmt.Sprintf("%s=%v", at, v))
		return true
	})
	want := []string{"Source(0).Port(0)=1", "Source(0).Port(1)=2", "Source(2).Port(0)=3"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Each (-want +got):\n%s", d)
	}
	n := 0
	Each(a, MustParsePath("Source(*).Port"), func(Path, any) bool { n++; return false })
	if n != 1 {
		t.Errorf("Each did not stop after fn returned false: %d calls", n)
	}
}

func TestSet(t *testing.T) {
	a := &Alert{}
	steps := []struct {
		path  string
		value any
		err   string
	}{
		{path: "Analyzer.Name", value: "ids-1"},
		{path: "Source(1).IP", value: "192.0.2.1"}, // creates Source(0) and Source(1)
		{path: "Source(*).Hostname", value: "h"},
		{path: "Source(1).Port", value: []string{"80", "443"}},
		{path: "Source(1).Port(2)", value: 8080},
		{path: "Category", value: "Recon.Network"},
		{path: "Category(1)", value: CategoryMalwareWorm},
		{path: "Confidence", value: "0.75"},
		{path: "Priority", value: "High"},
		{path: "Attachment(0).Name", value: "a1"},
		{path: "Attachment(0).Size", value: 12.0},
		{path: "Attachment(0).Content", value: map[string]any{"k": 1}},
		{path: "Priority", value: "Critical", err: `"Critical" is not a valid Priority value`},
		{path: "Analyzer.Method", value: []any{"signature"}, err: "element 0"},
		{path: "Confidence", value: "high", err: "is not a number"},
		{path: "Attachment(0).Size", value: 1.5, err: "is not an integer"},
		{path: "Target(*).IP", value: "x", err: "path selects nothing"},
		{path: "Source", value: "x", err: "is a class"},
		{path: "Note", value: 5, err: "want a string"},
	}
	for _, s := range steps {
		err := Set(a, MustParsePath(s.path), s.value)
		if s.err != "" {
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Errorf("Set(%s, %v) error = %v, want %q", s.path, s.value, err, s.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %v): %v", s.path, s.value, err)
		}
	}
	conf, size := 0.75, int64(12)
	want := &Alert{
		Analyzer:   Analyzer{Name: "ids-1"},
		Source:     []Source{{Hostname: "h"}, {IP: "192.0.2.1", Hostname: "h", Port: []int{80, 443, 8080}}},
		Category:   []Category{CategoryReconNetwork, CategoryMalwareWorm},
		Confidence: &conf,
		Priority:   PriorityHigh,
		Attachment: []Attachment{{Name: "a1", Size: &size, Content: json.RawMessage(`{"k":1}`)}},
	}
	if d := cmp.Diff(want, a); d != "" {
		t.Errorf("alert after Set (-want +got):\n%s", d)
	}
	if err := Set(a, MustParsePath("Source(1).Port"), nil); err != nil || a.Source[1].Port != nil {
		t.Errorf("Set nil did not clear: %v %v", err, a.Source[1].Port)
	}
	if err := Set(a, Path{}, "x"); err == nil {
		t.Error("Set with the zero Path succeeded")
	}
	if !errors.Is(Set(a, MustParsePath("Target(*).IP"), "x"), ErrNoMatch) {
		t.Error("Set on an empty (*) does not wrap ErrNoMatch")
	}
}

// FuzzParsePath checks that parsing never panics and that the canonical
// form is a fixed point.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"Source(0).IP", "Source.IP", "Source(*).IP", "Attachment(1).Hash(0)", "Category",
		"Analyzer.ext-Method", "Target(12).Port(*)", "Source(", "a.b.c", "Sensor(0)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		canon := p.String()
		q, err := ParsePath(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if q.String() != canon {
			t.Fatalf("canonical form not stable: %q → %q", canon, q.String())
		}
		a := &Alert{}
		Get(a, p) // must not panic on an empty alert
	})
}
