package correlate

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigie-siem/vigie/idmefv2"
)

// t0 is the start of every test stream.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// byCategory is a test detector: the alert has category c.
func byCategory(c idmefv2.Category) Detector {
	return DetectorFunc(func(a *idmefv2.Alert) bool { return slices.Contains(a.Category, c) })
}

// testCompiler compiles detection documents by looking their name up in
// dets: test-only detectors written in Go, not a Sigma parser.
func testCompiler(dets map[string]Detector) CompileFunc {
	return func(doc []byte) (Detector, error) {
		var meta struct {
			Name string `yaml:"name"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, err
		}
		d, ok := dets[meta.Name]
		if !ok {
			return nil, fmt.Errorf("no test detector named %q", meta.Name)
		}
		return d, nil
	}
}

// load parses and compiles YAML rules, failing the test on any error.
func load(t testing.TB, src string, dets map[string]Detector) *Ruleset {
	t.Helper()
	rules, probs := ParseFile("test.yml", []byte(src), testCompiler(dets))
	for _, p := range probs {
		if !p.Warning {
			t.Fatalf("parse: %s", p)
		}
	}
	rs, err := Compile(rules)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return rs
}

func newEngine(t testing.TB, rs *Ruleset, opts Options) *Engine {
	t.Helper()
	opts.Rules = rs
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0.Add(24 * time.Hour) }
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// alertSpec describes a synthetic alert.
type alertSpec struct {
	n        int           // makes the ID
	at       time.Duration // after t0
	cat      idmefv2.Category
	src      []string // source IPs
	tgt      []string // target IPs
	users    []string // target users
	service  string
	data     idmefv2.AnalyzerData
	priority idmefv2.Priority
	bytes    string // Target(0).Note, used as a numeric field
}

func mk(s alertSpec) *idmefv2.Alert {
	a := &idmefv2.Alert{
		Version:    idmefv2.VersionV08,
		ID:         deterministicID("test-alert", strconv.Itoa(s.n)),
		CreateTime: idmefv2.FormatTime(t0.Add(s.at)),
		Analyzer:   idmefv2.Analyzer{Name: "sensor"},
		Priority:   s.priority,
	}
	if s.cat != "" {
		a.Category = []idmefv2.Category{s.cat}
	}
	if s.data != "" {
		a.Analyzer.Data = []idmefv2.AnalyzerData{s.data}
	}
	for i, ip := range s.src {
		a.Source = append(a.Source, idmefv2.Source{ID: deterministicID("src", strconv.Itoa(s.n), strconv.Itoa(i)), IP: ip})
	}
	n := max(len(s.tgt), len(s.users))
	if s.service != "" || s.bytes != "" {
		n = max(n, 1)
	}
	for i := range n {
		tg := idmefv2.Target{ID: deterministicID("tgt", strconv.Itoa(s.n), strconv.Itoa(i)), Service: s.service, Note: s.bytes}
		if i < len(s.tgt) {
			tg.IP = s.tgt[i]
		}
		if i < len(s.users) {
			tg.User = s.users[i]
		}
		a.Target = append(a.Target, tg)
	}
	return a
}

// run feeds alerts in order and returns every emitted alert, checking
// that each is valid V08.
func run(t testing.TB, e *Engine, alerts ...*idmefv2.Alert) []*idmefv2.Alert {
	t.Helper()
	var out []*idmefv2.Alert
	for _, a := range alerts {
		out = append(out, e.Process(a)...)
	}
	for _, a := range out {
		mustValid(t, a)
	}
	return out
}

func mustValid(t testing.TB, a *idmefv2.Alert) {
	t.Helper()
	rep := a.Validate()
	if !rep.Valid() {
		t.Fatalf("emitted alert is not valid V08: %v", rep)
	}
	data, err := idmefv2.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if rep := idmefv2.ValidateJSON(data); !rep.Valid() {
		t.Fatalf("emitted alert JSON is not valid V08: %v\n%s", rep, data)
	}
}

func info(t testing.TB, a *idmefv2.Alert) Info {
	t.Helper()
	in, ok := readInfo(a)
	if !ok {
		t.Fatalf("alert %s has no correlation attachment", a.ID)
	}
	return in
}

func ids(as ...*idmefv2.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}
