package sigma

import (
	"regexp"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// alertSpec describes a synthetic alert for tests.
type alertSpec struct {
	analyzer    string
	data        []idmefv2.AnalyzerData
	category    []idmefv2.Category
	description string
	priority    idmefv2.Priority
	sources     []idmefv2.Source
	targets     []idmefv2.Target
}

var fixedNow = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

// buildAlert builds a valid V08 alert with the idmefv2 builders and checks
// it validates.
func buildAlert(tb testing.TB, s alertSpec) *idmefv2.Alert {
	tb.Helper()
	name := s.analyzer
	if name == "" {
		name = "test-analyzer"
	}
	a, err := idmefv2.NewAlert(name, idmefv2.AlertOptions{Now: func() time.Time { return fixedNow }})
	if err != nil {
		tb.Fatal(err)
	}
	a.Analyzer.Data = s.data
	a.Category = s.category
	a.Description = s.description
	a.Priority = s.priority
	for _, src := range s.sources {
		if _, err := a.AddSource(src); err != nil {
			tb.Fatal(err)
		}
	}
	for _, t := range s.targets {
		if _, err := a.AddTarget(t); err != nil {
			tb.Fatal(err)
		}
	}
	if rep := a.Validate(); !rep.Valid() {
		tb.Fatalf("test alert is not valid V08: %v", rep.Errors())
	}
	return a
}

// compileYAML parses and compiles one rule, failing the test on error.
func compileYAML(tb testing.TB, src string, opts ...Option) *Rule {
	tb.Helper()
	spec, err := ParseRule([]byte(src))
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	r, err := Compile(spec, opts...)
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	return r
}

// compileErr returns the compile (or parse) error of a rule.
func compileErr(src string, opts ...Option) error {
	spec, err := ParseRule([]byte(src))
	if err != nil {
		return err
	}
	_, err = Compile(spec, opts...)
	return err
}

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

func mustRegexp(tb testing.TB, s string) *regexp.Regexp {
	tb.Helper()
	re, err := regexp.Compile(s)
	if err != nil {
		tb.Fatal(err)
	}
	return re
}

// matchOneByOne returns the rules matching a, testing each rule alone.
func matchOneByOne(rules []*Rule, a *idmefv2.Alert) []*Rule {
	var out []*Rule
	for _, r := range rules {
		if r.Match(a) {
			out = append(out, r)
		}
	}
	return out
}
