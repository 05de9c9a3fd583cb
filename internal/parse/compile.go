package parse

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/vigie-siem/vigie/idmefv2"
)

// ruleSet is a compiled rule set.
type ruleSet struct {
	name       string
	file       string
	programs   []string
	facilities uint32 // bit per facility; 0 means any
	inputs     []string
	when       *vm.Program
	whenSrc    string
	rules      []*rule
}

// rule is a compiled rule.
type rule struct {
	id       string
	set      *ruleSet
	line     int
	pat      *pattern // nil for a rule of field conditions only
	literals []string
	where    []cond
	alert    bool
	entries  []entry
	samples  []sample
}

// entry sets one IDMEFv2 path from a template or a list of templates.
type entry struct {
	path idmefv2.Path
	one  *template
	list []*template
}

// sample is a sample event of a rule and the partial alert it must give.
type sample struct {
	line   int
	text   string
	event  fileEvent
	fields map[string]any
	expect map[string]any
}

// facilityNames are the syslog facility keywords.
var facilityNames = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// facilityNumber reads a facility keyword or number.
func facilityNumber(s string) (int, bool) {
	if i := slices.Index(facilityNames, s); i >= 0 {
		return i, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < len(facilityNames)
}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// compileSources compiles every source; it returns all the problems found.
func compileSources(srcs []Source) ([]*ruleSet, error) {
	var sets []*ruleSet
	var errs []error
	ids := map[string]string{}
	names := map[string]string{}
	for _, src := range srcs {
		fs, err := decodeFile(src.Name, src.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, ferrs := compileSet(src.Name, fs)
		errs = append(errs, ferrs...)
		if s == nil {
			continue
		}
		if prev, ok := names[s.name]; ok {
			errs = append(errs, &Error{File: src.Name, Msg: fmt.Sprintf("rule set %q is also defined in %s", s.name, prev)})
		}
		names[s.name] = src.Name
		for _, r := range s.rules {
			if prev, ok := ids[r.id]; ok {
				errs = append(errs, &Error{File: src.Name, Line: r.line, Msg: fmt.Sprintf("rule id %q is also used at %s", r.id, prev)})
			}
			ids[r.id] = fmt.Sprintf("%s:%d", src.Name, r.line)
		}
		sets = append(sets, s)
	}
	return sets, errors.Join(errs...)
}

// compileSet compiles one decoded file; a nil set means it is unusable.
func compileSet(file string, fs *fileSet) (*ruleSet, []error) {
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if fs.Name == "" {
		fail(0, "ruleset: a name is required")
		return nil, errs
	}
	s := &ruleSet{name: fs.Name, file: file, programs: fs.Match.Program, inputs: fs.Match.Input}
	for _, f := range fs.Match.Facility {
		n, ok := facilityNumber(f)
		if !ok {
			fail(0, "match.facility: %q is not a syslog facility (%s or 0-23)", f, strings.Join(facilityNames, ", "))
			continue
		}
		s.facilities |= 1 << n
	}
	for _, in := range fs.Match.Input {
		if _, err := pathMatch(in, ""); err != nil {
			fail(0, "match.input: %q: %v", in, err)
		}
	}
	if fs.Match.When != "" {
		prog, err := expr.Compile(fs.Match.When, expr.Env(predEnv{}), expr.AsBool())
		if err != nil {
			fail(0, "match.when: %v", err)
		} else {
			s.when, s.whenSrc = prog, fs.Match.When
		}
	}
	if len(fs.Rules) == 0 {
		fail(0, "rules: a rule set needs at least one rule")
	}
	patterns := map[string]*pattern{} // rules with the same pattern share one matcher
	for i := range fs.Rules {
		fr := &fs.Rules[i]
		r, rerrs := compileRule(s, fs, fr, patterns)
		for _, e := range rerrs {
			fail(fr.line, "rule %q: %v", fr.ID, e)
		}
		if r != nil {
			s.rules = append(s.rules, r)
		}
	}
	return s, errs
}

// compileRule compiles one rule of set s.
func compileRule(s *ruleSet, fs *fileSet, fr *fileRule, patterns map[string]*pattern) (*rule, []error) {
	var errs []error
	if !ruleID.MatchString(fr.ID) {
		return nil, []error{fmt.Errorf("id: must be lower-case letters, digits, '.', '_' or '-'")}
	}
	r := &rule{id: fr.ID, set: s, line: fr.line, alert: fr.Alert == nil || *fr.Alert}
	var err error
	switch {
	case fr.Grok != "" && fr.Regex != "":
		return nil, []error{errors.New("grok and regex: give one of them")}
	case fr.Grok != "":
		key := "grok:" + fr.Grok
		if r.pat = patterns[key]; r.pat == nil {
			if r.pat, err = compileGrok(fr.Grok, fs.Patterns); err != nil {
				return nil, []error{err}
			}
			patterns[key] = r.pat
		}
	case fr.Regex != "":
		key := "regex:" + fr.Regex
		if r.pat = patterns[key]; r.pat == nil {
			if r.pat, err = compileRegexp(fr.Regex); err != nil {
				return nil, []error{err}
			}
			patterns[key] = r.pat
		}
	case len(fr.Where) == 0:
		return nil, []error{errors.New("a rule needs a grok pattern, a regex or where conditions")}
	}
	var fields []string
	if r.pat != nil {
		fields = r.pat.fields
		r.literals = slices.Clone(r.pat.literals)
	}
	for _, l := range fr.Literals {
		if l == "" {
			errs = append(errs, errors.New("literals: an empty literal"))
		} else if !slices.Contains(r.literals, l) {
			r.literals = append([]string{l}, r.literals...)
		}
	}
	consts := map[string]string{"rule.id": fr.ID, "rule.description": fr.Description, "ruleset": fs.Name}
	keys := make([]string, 0, len(fr.Where))
	for k := range fr.Where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c, err := compileCond(k, fr.Where[k], fields, consts)
		if err != nil {
			errs = append(errs, fmt.Errorf("where %s: %w", k, err))
			continue
		}
		r.where = append(r.where, c)
	}
	slices.SortStableFunc(r.where, func(a, b cond) int { return a.cost() - b.cost() })
	if !r.alert && len(fr.Map) > 0 {
		errs = append(errs, errors.New("map: a rule with alert: false makes no alert; remove its map"))
	}
	if r.alert {
		// The set's map may use fields that only some of its rules extract;
		// for the others they are empty, so those paths are left unset.
		setConsts := maps.Clone(consts)
		for _, f := range setFields(fs) {
			if !slices.Contains(fields, f) {
				setConsts[f] = ""
			}
		}
		layers := []layer{{defaultMap(fs), consts}, {fs.Map, setConsts}, {fr.Map, consts}}
		r.entries, err = compileMapping(layers, fields, fs.Lookups)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(fr.Samples) == 0 {
		errs = append(errs, errors.New("samples: every rule needs at least one sample"))
	}
	for _, fsm := range fr.Samples {
		if fsm.Line == "" && fsm.Fields == nil {
			errs = append(errs, fmt.Errorf("sample at line %d: give a line or fields", fsm.line))
		}
		if r.alert && len(fsm.Expect) == 0 {
			errs = append(errs, fmt.Errorf("sample at line %d: expect: the alert's expected paths are required", fsm.line))
		}
		if !r.alert && len(fsm.Expect) > 0 {
			errs = append(errs, fmt.Errorf("sample at line %d: expect: the rule makes no alert", fsm.line))
		}
		r.samples = append(r.samples, sample{line: fsm.line, text: fsm.Line, event: fsm.Event, fields: fsm.Fields, expect: fsm.Expect})
	}
	return r, errs
}

// defaultMap is the mapping every alert starts from; the set's map and the
// rule's map override it.
func defaultMap(fs *fileSet) map[string]any {
	return map[string]any{
		"Analyzer.Name":     "{{event.program|default:" + fs.Name + "}}",
		"Analyzer.Hostname": "{{event.host}}",
		"Analyzer.Data":     []any{"Log"},
		"Type":              []any{"Cyber"},
		"Status":            []any{"Event"},
		"Description":       "{{rule.description}}",
	}
}

// layer is one level of mapping with the constants its templates may use.
type layer struct {
	m      map[string]any
	consts map[string]string
}

// compileMapping compiles the mapping layers; a later layer's value for a
// path replaces an earlier one's.
func compileMapping(layers []layer, fields []string, lookups map[string]map[string]string) ([]entry, error) {
	merged := map[string]entry{}
	drop := map[string]bool{}
	var errs []error
	for _, l := range layers {
		keys := make([]string, 0, len(l.m))
		for k := range l.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, err := idmefv2.ParsePath(k)
			if err != nil {
				errs = append(errs, fmt.Errorf("map %s: %w", k, err))
				continue
			}
			e := entry{path: p}
			switch v := l.m[k].(type) {
			case []any:
				for _, item := range v {
					t, err := compileTemplate(scalarString(item), fields, l.consts, lookups)
					if err != nil {
						errs = append(errs, fmt.Errorf("map %s: %w", k, err))
						continue
					}
					e.list = append(e.list, t)
				}
			case map[string]any:
				errs = append(errs, fmt.Errorf("map %s: a value is a template or a list of templates, not an object", k))
				continue
			case nil:
				drop[p.String()] = true // null removes an inherited value
				delete(merged, p.String())
				continue
			default:
				t, err := compileTemplate(scalarString(v), fields, l.consts, lookups)
				if err != nil {
					errs = append(errs, fmt.Errorf("map %s: %w", k, err))
					continue
				}
				e.one = t
			}
			delete(drop, p.String())
			merged[p.String()] = e
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]entry, 0, len(keys))
	for _, k := range keys {
		out = append(out, merged[k])
	}
	return out, errors.Join(errs...)
}

// regexGroup finds the named groups of a regular expression.
var regexGroup = regexp.MustCompile(`\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>`)

// setFields returns every field name some rule of the set extracts.
func setFields(fs *fileSet) []string {
	var out []string
	for _, r := range fs.Rules {
		for _, m := range grokRef.FindAllStringSubmatch(r.Grok, -1) {
			if parts := strings.Split(m[1], ":"); len(parts) >= 2 {
				out = append(out, parts[1])
			}
		}
		for _, m := range regexGroup.FindAllStringSubmatch(r.Regex, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// scalarString renders a YAML scalar as text.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return idmefv2.FormatTime(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
