package parse

import (
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/connectors"
	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/rules/parsing"
)

// Options tunes an Engine, as for the tool converters: Now is the time
// used when an event has neither Time nor Received (nil: time.Now), NewID
// returns alert, source and target identifiers (nil: idmefv2.NewID, UUID
// version 7). The zero value gives the defaults.
type Options = connectors.Options

// Engine matches log events against compiled rule sets. It is immutable
// once built, so Process is safe for concurrent use without locks.
type Engine struct {
	sets      []*ruleSet
	byProgram map[string][]*ruleSet // sets that apply to a program, in load order
	anyProg   []*ruleSet            // sets without a program list
	opts      Options
}

// New compiles rule files into an Engine. The error lists every problem
// found, each with its file and line.
func New(srcs []Source, opts Options) (*Engine, error) {
	sets, err := compileSources(srcs)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	e := &Engine{sets: sets, byProgram: map[string][]*ruleSet{}, opts: opts}
	// A set that lists programs and no inputs is tried only for those
	// programs; the others (no program list, or inputs) for every event,
	// after the sets that name the event's program.
	for _, s := range sets {
		if s.general() {
			e.anyProg = append(e.anyProg, s)
		} else {
			for _, p := range s.programs {
				e.byProgram[p] = append(e.byProgram[p], s)
			}
		}
	}
	for p, l := range e.byProgram {
		e.byProgram[p] = append(l, e.anyProg...)
	}
	return e, nil
}

// general reports whether the set must be tried for any program.
func (s *ruleSet) general() bool { return len(s.programs) == 0 || len(s.inputs) > 0 }

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Load compiles the rule files of fsys that match the glob patterns (none
// means "*.yaml").
func Load(fsys fs.FS, patterns ...string) (*Engine, error) {
	srcs, err := ReadFS(fsys, patterns...)
	if err != nil {
		return nil, err
	}
	return New(srcs, Options{})
}

// LoadFiles compiles rule files and directories of rule files.
func LoadFiles(paths []string) (*Engine, error) {
	srcs, err := ReadPaths(paths)
	if err != nil {
		return nil, err
	}
	return New(srcs, Options{})
}

// BuiltinSources returns the rule sets shipped with Vigie (rules/parsing).
func BuiltinSources() ([]Source, error) {
	return ReadFS(parsing.Files)
}

// Builtin compiles the shipped rule sets.
func Builtin() (*Engine, error) {
	return Load(parsing.Files)
}

// RuleSets returns the names of the loaded rule sets, in load order.
func (e *Engine) RuleSets() []string {
	out := make([]string, len(e.sets))
	for i, s := range e.sets {
		out[i] = s.name
	}
	return out
}

// Process matches one event. It returns the alerts of the first rule that
// matches and that rule's ID; nil alerts and "" when no rule matches; nil
// alerts and the ID for a rule with alert: false. err reports a rule that
// matched but whose mapping failed or gave an invalid alert.
func (e *Engine) Process(ev *logevent.Event) ([]*idmefv2.Alert, string, error) {
	return e.process(ev, nil)
}

// Explain is Process that also records why each rule set and rule did or
// did not match, one line per step.
func (e *Engine) Explain(ev *logevent.Event) (alerts []*idmefv2.Alert, ruleID string, trace []string, err error) {
	tr := &tracer{}
	alerts, ruleID, err = e.process(ev, tr)
	return alerts, ruleID, tr.lines, err
}

// tracer collects the steps of Explain.
type tracer struct{ lines []string }

func (t *tracer) add(format string, args ...any) {
	if t != nil {
		t.lines = append(t.lines, fmt.Sprintf(format, args...))
	}
}

func (e *Engine) process(ev *logevent.Event, tr *tracer) ([]*idmefv2.Alert, string, error) {
	// A line a file input read from a syslog-written file still has its
	// header: split it (on a copy, the caller's event stays as received).
	if ev.AppName == "" && ev.Fields == nil {
		if cp := *ev; SyslogFileHeader(&cp) {
			ev = &cp
			if tr != nil {
				tr.add("syslog file header: host %q, program %q", ev.Hostname, ev.AppName)
			}
		}
	}
	sets, ok := e.byProgram[ev.AppName]
	if !ok {
		sets = e.anyProg
	}
	if tr != nil && len(sets) < len(e.sets) {
		tr.add("program %q: %d of %d rule sets apply", ev.AppName, len(sets), len(e.sets))
	}
	var valBuf [16]string
	var spanBuf [32]int
	for _, s := range sets {
		if !s.applies(ev, tr) {
			continue
		}
		var last *pattern
		lastOK := false
		var vals []string
		for _, r := range s.rules {
			sc := scope{ev: ev}
			if p := r.pat; p != nil {
				if lit, miss := missingLiteral(ev.Message, r.literals); miss {
					if tr != nil {
						tr.add("rule %s: pre-filter: %q is not in the message", r.id, lit)
					}
					continue
				}
				if p != last {
					last = p
					vals = fieldBuf(valBuf[:], len(p.fields))
					lastOK = p.matchInto(ev.Message, vals, spanFor(spanBuf[:], len(p.fields)))
				}
				if !lastOK {
					if tr != nil {
						tr.add("rule %s: pattern did not match", r.id)
					}
					continue
				}
				sc.vals = vals
			}
			if c := r.failedCond(&sc); c != nil {
				if tr != nil {
					tr.add("rule %s: where %s: %q is not %s", r.id, c.name, truncate(sc.get(&c.ref)), c.describe())
				}
				continue
			}
			if tr != nil {
				tr.add("rule %s: matched", r.id)
			}
			if !r.alert {
				return nil, r.id, nil
			}
			a, err := e.build(r, &sc)
			if err != nil {
				return nil, r.id, fmt.Errorf("parse: rule %s: %w", r.id, err)
			}
			return []*idmefv2.Alert{a}, r.id, nil
		}
	}
	if tr != nil {
		tr.add("no rule matched")
	}
	return nil, "", nil
}

// fieldBuf returns n cleared strings, from buf when it is large enough.
func fieldBuf(buf []string, n int) []string {
	if n > len(buf) {
		return make([]string, n)
	}
	clear(buf[:n])
	return buf[:n]
}

// spanFor returns room for the spans of n fields.
func spanFor(buf []int, n int) []int {
	if 2*n > len(buf) {
		return make([]int, 2*n)
	}
	return buf[:2*n]
}

// missingLiteral returns a required literal absent from msg.
func missingLiteral(msg string, lits []string) (string, bool) {
	for _, l := range lits {
		if !strings.Contains(msg, l) {
			return l, true
		}
	}
	return "", false
}

// failedCond returns the first where condition that does not hold.
func (r *rule) failedCond(sc *scope) *cond {
	for i := range r.where {
		if !r.where[i].holds(sc) {
			return &r.where[i]
		}
	}
	return nil
}

// applies reports whether the set's match section selects ev.
func (s *ruleSet) applies(ev *logevent.Event, tr *tracer) bool {
	// program and input name the source: either may select the event.
	byProgram := len(s.programs) > 0 && containsString(s.programs, ev.AppName)
	if !byProgram && (len(s.programs) > 0 || len(s.inputs) > 0) {
		byInput := false
		for _, g := range s.inputs {
			if m, _ := pathMatch(g, ev.Input); m {
				byInput = true
				break
			}
		}
		if !byInput {
			if tr != nil {
				tr.add("rule set %s: neither program %q in %v nor input %q in %v", s.name, ev.AppName, s.programs, ev.Input, s.inputs)
			}
			return false
		}
	}
	if s.facilities != 0 && (ev.Facility < 0 || ev.Facility > 23 || s.facilities&(1<<ev.Facility) == 0) {
		if tr != nil {
			tr.add("rule set %s: facility %d is not selected", s.name, ev.Facility)
		}
		return false
	}
	if s.when != nil {
		env := predEnv{Program: ev.AppName, Host: ev.Hostname, Input: ev.Input, Peer: ev.Peer, Message: ev.Message,
			MsgID: ev.MsgID, Facility: ev.Facility, Severity: ev.Severity, Fields: ev.Fields}
		out, err := expr.Run(s.when, env)
		if b, _ := out.(bool); err != nil || !b {
			if tr != nil {
				tr.add("rule set %s: when %q is false", s.name, s.whenSrc)
			}
			return false
		}
	}
	if tr != nil {
		tr.add("rule set %s applies", s.name)
	}
	return true
}

// build makes the alert of rule r from the scope's values.
func (e *Engine) build(r *rule, sc *scope) (*idmefv2.Alert, error) {
	at := sc.ev.Time
	if at.IsZero() {
		at = sc.ev.Received
	}
	if at.IsZero() {
		if e.opts.Now != nil {
			at = e.opts.Now()
		} else {
			at = time.Now()
		}
	}
	a, err := idmefv2.NewAlert(r.set.name, idmefv2.AlertOptions{Now: func() time.Time { return at }, NewID: e.opts.NewID})
	if err != nil {
		return nil, err
	}
	a.StartTime = a.CreateTime
	var strs [8]string
	for i := range r.entries {
		en := &r.entries[i]
		if en.one != nil {
			v, err := en.one.render(sc)
			if err != nil {
				return nil, fmt.Errorf("map %s: %w", en.path, err)
			}
			if v == "" {
				continue
			}
			if err := idmefv2.Set(a, en.path, v); err != nil {
				return nil, fmt.Errorf("map: %w", err)
			}
			continue
		}
		list := strs[:0]
		for _, t := range en.list {
			v, err := t.render(sc)
			if err != nil {
				return nil, fmt.Errorf("map %s: %w", en.path, err)
			}
			if v != "" {
				list = append(list, v)
			}
		}
		if len(list) == 0 {
			continue
		}
		if err := idmefv2.Set(a, en.path, list); err != nil {
			return nil, fmt.Errorf("map: %w", err)
		}
	}
	if err := e.fillIDs(a); err != nil {
		return nil, err
	}
	if rep := a.Validate(); !rep.Valid() {
		iss := rep.Errors()[0]
		return nil, fmt.Errorf("invalid alert at %s: %s", iss.Pointer, iss.Message)
	}
	return a, nil
}

// fillIDs gives an identifier to every source and target the mapping made.
func (e *Engine) fillIDs(a *idmefv2.Alert) error {
	newID := e.opts.NewID
	if newID == nil {
		newID = idmefv2.NewID
	}
	var err error
	for i := range a.Source {
		if a.Source[i].ID == "" {
			if a.Source[i].ID, err = newID(); err != nil {
				return fmt.Errorf("source ID: %w", err)
			}
		}
	}
	for i := range a.Target {
		if a.Target[i].ID == "" {
			if a.Target[i].ID, err = newID(); err != nil {
				return fmt.Errorf("target ID: %w", err)
			}
		}
	}
	return nil
}

// Programs returns the programs the rule sets name, in load order, without
// repeats.
func (e *Engine) Programs() []string {
	var out []string
	for _, s := range e.sets {
		for _, p := range s.programs {
			if !containsString(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Stats counts the loaded rule sets, rules and samples.
func (e *Engine) Stats() (sets, rules, samples int) {
	for _, s := range e.sets {
		rules += len(s.rules)
		for _, r := range s.rules {
			samples += len(r.samples)
		}
	}
	return len(e.sets), rules, samples
}
