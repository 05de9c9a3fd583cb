package sigma

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Severity of a lint finding.
type Severity int

// Severities: an Error deviates from the Sigma specification (the rule may
// still compile here, but other tools may refuse it); a Warning is a
// non-standard but supported construct or a missing recommended field.
const (
	Warning Severity = iota
	Failure
)

func (s Severity) String() string {
	if s == Failure {
		return "error"
	}
	return "warning"
}

// Diagnostic is one lint finding.
type Diagnostic struct {
	Severity Severity
	Source   string
	Rule     string
	Line     int
	Path     string
	Msg      string
}

func (d Diagnostic) String() string {
	e := &Error{Source: d.Source, Rule: d.Rule, Line: d.Line, Path: d.Path, Msg: d.Msg}
	return d.Severity.String() + ": " + strings.TrimPrefix(e.Error(), "sigma: ")
}

var (
	reUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reDate = regexp.MustCompile(`^\d{4}[-/]\d{2}[-/]\d{2}$`)
	reTag  = regexp.MustCompile(`^[a-z0-9_-]+\.[a-z0-9._-]+$`)
	reName = regexp.MustCompile(`^[a-z0-9_]+$`)
)

var (
	validStatus = map[string]bool{"stable": true, "test": true, "experimental": true, "deprecated": true, "unsupported": true}
	validLevel  = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}
	validRel    = map[string]bool{"derived": true, "obsolete": true, "merged": true, "renamed": true, "similar": true}
)

// Lint checks a parsed rule against the Sigma specification and reports
// deviations (Failure) and non-standard or missing recommended parts
// (Warning). A rule that does not compile gets its compile error as a
// Failure. opts are the Compile options the rule will be used with.
func Lint(spec *RuleSpec, opts ...Option) []Diagnostic {
	l := &linter{spec: spec}
	if _, err := Compile(spec, opts...); err != nil {
		var se *Error
		if errors.As(err, &se) {
			l.add(Failure, se.Line, se.Path, "%s", se.Msg)
		} else {
			l.add(Failure, spec.Line, "", "%v", err)
		}
	}
	l.meta()
	l.detection()
	return l.out
}

type linter struct {
	spec *RuleSpec
	out  []Diagnostic
}

func (l *linter) add(sev Severity, line int, path, format string, args ...any) {
	if line == 0 {
		line = l.spec.Line
	}
	l.out = append(l.out, Diagnostic{Severity: sev, Source: l.spec.Source, Rule: l.spec.ruleName(),
		Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// lineOf returns the line of a top-level key of the rule (0 when absent).
func (l *linter) lineOf(key string) int {
	if l.spec.Node == nil || !hasKey(l.spec.Node, key) {
		return 0
	}
	return lineOfNode(l.spec.Node, key)
}

func (l *linter) meta() {
	s := l.spec
	if len(s.Title) > 256 {
		l.add(Failure, l.lineOf("title"), "title", "longer than 256 characters")
	}
	switch {
	case s.ID == "":
		l.add(Warning, 0, "id", "missing: the specification recommends a UUID to identify the rule")
	case !reUUID.MatchString(s.ID):
		l.add(Failure, l.lineOf("id"), "id", "%q is not a UUID", s.ID)
	}
	if s.Name != "" && !reName.MatchString(s.Name) {
		l.add(Warning, l.lineOf("name"), "name", "%q: names are usually lower case letters, digits and \"_\"", s.Name)
	}
	if s.Status != "" && !validStatus[s.Status] {
		l.add(Failure, l.lineOf("status"), "status", "%q is not one of stable, test, experimental, deprecated, unsupported", s.Status)
	}
	switch {
	case s.Level == "":
		l.add(Warning, 0, "level", "missing: informational, low, medium, high or critical")
	case !validLevel[s.Level]:
		l.add(Failure, l.lineOf("level"), "level", "%q is not one of informational, low, medium, high, critical", s.Level)
	}
	for _, d := range []struct{ key, val string }{{"date", s.Date}, {"modified", s.Modified}} {
		if d.val != "" && !reDate.MatchString(d.val) {
			l.add(Failure, l.lineOf(d.key), d.key, "%q is not a date (YYYY-MM-DD)", d.val)
		}
	}
	for i, t := range s.Tags {
		if !reTag.MatchString(t) {
			l.add(Failure, l.lineOf("tags"), fmt.Sprintf("tags[%d]", i), "%q: tags are lower-case \"namespace.name\"", t)
		}
	}
	for i, r := range s.Related {
		if !validRel[r.Type] {
			l.add(Failure, l.lineOf("related"), fmt.Sprintf("related[%d].type", i), "%q is not one of derived, obsolete, merged, renamed, similar", r.Type)
		}
	}
	if l.spec.Node != nil && l.lineOf("logsource") == 0 {
		l.add(Failure, 0, "logsource", "missing: the specification requires a logsource")
	}
	if s.IDMEFv2 != nil {
		l.add(Warning, l.lineOf("idmefv2"), "idmefv2", "Concerto extension attribute (kept as data for emitted alerts)")
	}
	for k := range s.Custom {
		l.add(Warning, l.lineOf(k), k, "non-standard attribute (kept in Meta.Custom)")
	}
}

func (l *linter) detection() {
	d := l.spec.Detection
	if len(d.Conditions) > 1 {
		l.add(Failure, lineOfNode(d.Node, "condition"), "detection.condition", "a list of conditions is deprecated; join them with \"or\"")
	}
	if d.Timeframe != "" {
		l.add(Failure, lineOfNode(d.Node, "timeframe"), "detection.timeframe", "deprecated: windows belong in a correlation rule")
	}
	for _, c := range d.Conditions {
		if ast, err := parseCondition(c); err == nil {
			for _, n := range ast.notes {
				l.add(Warning, lineOfNode(d.Node, "condition"), "detection.condition", "%s", n)
			}
		}
	}
	for _, s := range d.Searches {
		l.search(s.Name, s.Node)
	}
	l.unused()
}

// unused warns about search identifiers no condition refers to.
func (l *linter) unused() {
	used := map[string]bool{}
	var walk func(n *condNode)
	walk = func(n *condNode) {
		switch n.kind {
		case condIdent:
			used[n.name] = true
		case condOf:
			for _, s := range l.spec.Detection.Searches {
				if n.name == "them" && !strings.HasPrefix(s.Name, "_") {
					used[s.Name] = true
				} else if ok, _ := path.Match(globToPathPattern(n.name), s.Name); ok {
					used[s.Name] = true
				}
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	for _, c := range l.spec.Detection.Conditions {
		ast, err := parseCondition(c)
		if err != nil {
			return // reported by Compile
		}
		walk(ast)
	}
	for _, s := range l.spec.Detection.Searches {
		if !used[s.Name] {
			l.add(Warning, s.Node.Line, "detection."+s.Name, "search identifier not used by the condition")
		}
	}
}

// enumCheck reports values of an enumerated IDMEFv2 attribute that can
// match none of the attribute's V08 values (a typo such as Acess.Other).
func (l *linter) enumCheck(kn, val *yaml.Node, path string) {
	c := &compiler{spec: l.spec, searches: map[string]node{}, fields: map[string]bool{}}
	n, err := c.fieldItem(kn, val, path)
	if err != nil {
		return // reported by Compile
	}
	fn, ok := n.(*fieldNode)
	if !ok {
		return
	}
	values := enumValues(fn.f.key)
	if values == nil {
		return
	}
	items := []*yaml.Node{val}
	if val.Kind == yaml.SequenceNode {
		items = val.Content
	}
	for _, p := range fn.pats {
		if sp, ok := p.(*setPat); ok {
			for _, v := range slices.Sorted(maps.Keys(sp.set)) {
				if !slices.ContainsFunc(values, func(e string) bool { return strings.EqualFold(e, v) }) {
					l.add(Failure, kn.Line, path, "%q matches no V08 %s value: never matches", v, fn.f.key)
				}
			}
			continue
		}
		hit := false
		for _, v := range values {
			if p.match(value{s: v}) {
				hit = true
				break
			}
		}
		if !hit {
			l.add(Failure, kn.Line, path, "%s matches no V08 %s value: never matches", describe(p, items), fn.f.key)
		}
	}
}

func describe(p matcher, items []*yaml.Node) string {
	if sp, ok := p.(*strPat); ok && sp.kind == strExact {
		return fmt.Sprintf("%q", sp.lit)
	}
	if len(items) == 1 {
		return fmt.Sprintf("%q", items[0].Value)
	}
	return "a value"
}

func (l *linter) search(name string, v *yaml.Node) {
	var maps []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		maps = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind == yaml.MappingNode {
				maps = append(maps, it)
			}
		}
	}
	for _, m := range maps {
		for i := 0; i+1 < len(m.Content); i += 2 {
			kn, val := m.Content[i], m.Content[i+1]
			path := "detection." + name + "." + kn.Value
			parts := strings.Split(kn.Value, "|")
			field := parts[0]
			if p, ok := aliasPath(field); ok {
				l.add(Warning, kn.Line, path, "flat alias %q (Concerto convention) for the IDMEF path %s", field, p)
			}
			if !strings.HasPrefix(kn.Value, "|") {
				l.enumCheck(kn, val, path)
			}
			hasAll, numCmp := false, ""
			for _, m := range parts[1:] {
				switch m {
				case "all":
					hasAll = true
				case "gt", "gte", "lt", "lte":
					numCmp = m
				}
			}
			if f, err := ParseField(field, nil); err == nil && numCmp != "" && !f.Numeric() {
				l.add(Warning, kn.Line, path, "%s on the text attribute %s only matches values written as numbers", numCmp, f.key)
			}
			if hasAll && (val.Kind != yaml.SequenceNode || len(val.Content) < 2) {
				l.add(Failure, kn.Line, path, "the all modifier needs a list of two or more values")
			}
		}
	}
}

// lineOfNode returns the line of key in mapping n, or n's own line.
func lineOfNode(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// LintFile lints every detection rule of a parsed file and reports rule
// names and ids used twice (correlation rules refer to rules by them).
func LintFile(docs []Document, opts ...Option) []Diagnostic {
	var out []Diagnostic
	names := map[string]int{}
	ids := map[string]int{}
	for _, d := range docs {
		if d.Kind == KindDetection {
			out = append(out, Lint(d.Rule, opts...)...)
		}
		for _, ref := range []struct {
			what, val string
			seen      map[string]int
		}{{"name", d.Name, names}, {"id", d.ID, ids}} {
			if ref.val == "" {
				continue
			}
			if first, ok := ref.seen[ref.val]; ok {
				source := ""
				if d.Rule != nil {
					source = d.Rule.Source
				}
				out = append(out, Diagnostic{Severity: Failure, Source: source, Rule: d.Title, Line: d.Line, Path: ref.what,
					Msg: fmt.Sprintf("%q already used by the document at line %d: references to it are ambiguous", ref.val, first)})
				continue
			}
			ref.seen[ref.val] = d.Line
		}
	}
	return out
}
