package correlate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Ruleset is a checked set of rules: references resolved, no cycles,
// fields parsed. It is immutable and safe to share.
type Ruleset struct {
	rules    []*Rule
	byKey    map[string]*Rule
	dets     []*detRule
	index    detIndex
	cors     []*corRule // dependencies first
	corByKey map[string]*corRule
}

// detRule is a detection rule with the correlations it feeds.
type detRule struct {
	rule      *Rule
	consumers []input
	emit      bool    // emits its own alerts (standalone, or generate: true)
	suppress  []field // Suppress.By
}

// input is one reference of a correlation: what feeds it.
type input struct {
	cor *corRule
	ref int // index in cor.rule.Correlation.Rules
}

// corRule is a correlation rule, compiled.
type corRule struct {
	rule      *Rule
	idx       int       // position in Ruleset.cors
	groupBy   [][]field // [ref][i]
	value     []field   // [ref], for value_* types
	aggr      []string  // AggrCondition: canonical group-by paths
	suppress  []field   // Suppress.By
	consumers []input   // correlations fed by this one
	emit      bool      // emits its alerts (not referenced, or generate: true upstream)
	atEnd     bool      // decided at the window's end
	whole     bool      // group by the whole set of a field's values (dedup)
	refKeys   []string  // the Key of each referenced rule
	// suppressReadsID: a suppress field reads the ID, CorrelID or
	// attachments, which the emitted alert gets last (see Engine.fire).
	suppressReadsID bool
	// suppressParties: the suppress fields read only sources and
	// targets, which the rule's idmefv2 attributes leave alone.
	suppressParties bool
	// fedOnly: the rule's alerts are not emitted, only fed to
	// correlations whose fields read neither CorrelID nor attachments,
	// so its firings skip them (the ID stays: events compare it).
	fedOnly bool
	// uniform: what each suppress field reads, when the suppression key
	// can come from the groups' uniform values (see supkey.go).
	uniform []partyAttr
	// condition is Correlation.Condition as text, for Info.
	condition string
}

// Rules returns the rules, in load order.
func (rs *Ruleset) Rules() []*Rule {
	if rs == nil {
		return nil
	}
	return rs.rules
}

// Counts returns how many detection and correlation rules rs holds.
func (rs *Ruleset) Counts() (detections, correlations int) {
	for _, r := range rs.Rules() {
		if r.IsCorrelation() {
			correlations++
		} else {
			detections++
		}
	}
	return detections, correlations
}

// Rule returns the rule with key k.
func (rs *Ruleset) Rule(k string) (*Rule, bool) {
	if rs == nil {
		return nil, false
	}
	r, ok := rs.byKey[k]
	return r, ok
}

// Compile checks rules together and builds a Ruleset. It returns an
// *Error when a reference is unknown or ambiguous, a key is used twice or
// correlations form a cycle.
func Compile(rules []*Rule) (*Ruleset, error) {
	ps := &problems{}
	rs := &Ruleset{byKey: make(map[string]*Rule)}
	names := make(map[string][]*Rule) // name or id → rules
	for _, r := range rules {
		k := r.Key()
		if prev, dup := rs.byKey[k]; dup {
			ps.add(Problem{File: r.File, Line: r.Line, Rule: r.label(), Key: "id", Message: fmt.Sprintf("%q is already used by the rule at %s:%d", k, prev.File, prev.Line)})
			continue
		}
		rs.byKey[k] = r
		rs.rules = append(rs.rules, r)
		if r.ID != "" {
			names[r.ID] = append(names[r.ID], r)
		}
		if r.Name != "" && r.Name != r.ID {
			names[r.Name] = append(names[r.Name], r)
		}
	}
	resolve := func(c *Rule, ref string) *Rule {
		found := names[ref]
		switch len(found) {
		case 0:
			ps.add(Problem{File: c.File, Line: c.Line, Rule: c.label(), Key: "correlation.rules", Message: fmt.Sprintf("%q names no loaded rule (by name or id)", ref)})
			return nil
		case 1:
			return found[0]
		}
		ps.add(Problem{File: c.File, Line: c.Line, Rule: c.label(), Key: "correlation.rules", Message: fmt.Sprintf("%q names %d rules; use an id", ref, len(found))})
		return nil
	}
	// Resolve references.
	deps := make(map[*Rule][]*Rule)
	for _, r := range rs.rules {
		if r.Correlation == nil {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			if t := resolve(r, ref); t != nil {
				if t == r {
					ps.add(Problem{File: r.File, Line: r.Line, Rule: r.label(), Key: "correlation.rules", Message: "a correlation cannot reference itself"})
					continue
				}
				deps[r] = append(deps[r], t)
			}
		}
	}
	if errs := ps.errs(); len(errs) > 0 {
		return nil, &Error{Problems: errs}
	}
	order, cyc := topoOrder(rs.rules, deps)
	if cyc != nil {
		return nil, &Error{Problems: []Problem{{File: cyc.File, Line: cyc.Line, Rule: cyc.label(), Key: "correlation.rules", Message: "correlations reference each other in a cycle"}}}
	}
	detOf := make(map[*Rule]*detRule)
	corOf := make(map[*Rule]*corRule)
	for _, r := range rs.rules {
		if r.Detector != nil {
			d := &detRule{rule: r}
			if r.Suppress != nil {
				for _, b := range r.Suppress.By {
					f, err := parseField(b)
					if err != nil {
						return nil, &Error{Problems: []Problem{{File: r.File, Line: r.Line, Rule: r.label(), Key: "suppress.by", Message: err.Error()}}}
					}
					d.suppress = append(d.suppress, f)
				}
			}
			detOf[r] = d
			rs.dets = append(rs.dets, d)
		}
	}
	for _, r := range order {
		if r.Correlation == nil {
			continue
		}
		c, err := compileCorrelation(r, deps[r])
		if err != nil {
			ps.add(*err)
			continue
		}
		c.idx = len(rs.cors)
		corOf[r] = c
		rs.cors = append(rs.cors, c)
	}
	if errs := ps.errs(); len(errs) > 0 {
		return nil, &Error{Problems: errs}
	}
	for _, c := range rs.cors {
		for i, t := range deps[c.rule] {
			in := input{cor: c, ref: i}
			if d := detOf[t]; d != nil {
				d.consumers = append(d.consumers, in)
				d.emit = d.emit || c.rule.Correlation.Generate
			}
			if u := corOf[t]; u != nil {
				u.consumers = append(u.consumers, in)
				u.emit = u.emit || c.rule.Correlation.Generate
			}
		}
	}
	for _, d := range rs.dets {
		if len(d.consumers) == 0 {
			d.emit = true
		}
	}
	rs.index = newDetIndex(rs.dets)
	rs.corByKey = make(map[string]*corRule, len(rs.cors))
	for _, c := range rs.cors {
		rs.corByKey[c.rule.Key()] = c
	}
	for _, c := range rs.cors {
		if len(c.consumers) == 0 {
			c.emit = true
		}
		c.fedOnly = !c.emit && !consumersReadIdentity(c.consumers)
	}
	return rs, nil
}

func compileCorrelation(r *Rule, refs []*Rule) (*corRule, *Problem) {
	cr := r.Correlation
	c := &corRule{rule: r, groupBy: make([][]field, len(refs)), refKeys: make([]string, len(refs))}
	bad := func(key, format string, args ...any) *Problem {
		return &Problem{File: r.File, Line: r.Line, Rule: r.label(), Key: key, Message: fmt.Sprintf(format, args...)}
	}
	// fieldFor resolves a group-by or value field for one reference,
	// through the aliases.
	fieldFor := func(name string, ref int) (field, *Problem) {
		if al, ok := cr.Aliases[name]; ok {
			t := refs[ref]
			f, ok := al[cr.Rules[ref]]
			if !ok {
				f, ok = al[t.Name]
			}
			if !ok {
				f, ok = al[t.ID]
			}
			if !ok {
				return field{}, bad("correlation.aliases."+name, "no field for the referenced rule %q", cr.Rules[ref])
			}
			name = f
		}
		fl, err := parseField(name)
		if err != nil {
			return field{}, bad("correlation.group-by", "%v", err)
		}
		return fl, nil
	}
	var aggr []string
	for i, t := range refs {
		c.refKeys[i] = t.Key()
		for _, g := range cr.GroupBy {
			f, p := fieldFor(g, i)
			if p != nil {
				return nil, p
			}
			c.groupBy[i] = append(c.groupBy[i], f)
			if s := f.path.String(); !slices.Contains(aggr, s) {
				aggr = append(aggr, s)
			}
		}
		if cr.Type.needsField() {
			f, p := fieldFor(cr.Condition.Field, i)
			if p != nil {
				p.Key = "correlation.condition.field"
				return nil, p
			}
			c.value = append(c.value, f)
		}
	}
	for alias := range cr.Aliases {
		if !slices.Contains(cr.GroupBy, alias) && alias != cr.Condition.Field {
			return nil, bad("correlation.aliases."+alias, "alias is not used in group-by or condition.field")
		}
	}
	c.aggr = aggr
	if r.Suppress != nil {
		for _, b := range r.Suppress.By {
			f, err := parseField(b)
			if err != nil {
				return nil, bad("suppress.by", "%v", err)
			}
			c.suppress = append(c.suppress, f)
		}
	}
	c.condition = cr.Condition.String()
	c.suppressReadsID = readsIdentity(c.suppress)
	c.suppressParties = len(c.suppress) > 0 && readsPartiesOnly(c.suppress, r.IDMEF)
	if c.suppressParties && !c.suppressReadsID {
		c.uniform = uniformAttrs(c.suppress)
	}
	c.atEnd = !cr.Condition.monotone() || cr.Type == ValueAvg || cr.Type == ValuePercentile
	return c, nil
}

// topoOrder returns the rules with every rule after the rules it
// references, or a rule on a cycle.
func topoOrder(rules []*Rule, deps map[*Rule][]*Rule) ([]*Rule, *Rule) {
	const (
		white = iota
		grey
		black
	)
	color := make(map[*Rule]int, len(rules))
	var order []*Rule
	var cyc *Rule
	var visit func(r *Rule) bool
	visit = func(r *Rule) bool {
		switch color[r] {
		case grey:
			cyc = r
			return false
		case black:
			return true
		}
		color[r] = grey
		for _, d := range deps[r] {
			if !visit(d) {
				return false
			}
		}
		color[r] = black
		order = append(order, r)
		return true
	}
	sorted := slices.Clone(rules)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key() < sorted[j].Key() })
	for _, r := range sorted {
		if !visit(r) {
			return nil, cyc
		}
	}
	return order, nil
}

// readsIdentity reports whether a field reads what identifies an emitted
// alert (ID, CorrelID, Attachment).
func readsIdentity(fs []field) bool {
	for _, f := range fs {
		p := f.path.String()
		for _, root := range []string{"ID", "CorrelID", "Attachment"} {
			if rest, ok := strings.CutPrefix(p, root); ok && (rest == "" || rest[0] == '.' || rest[0] == '(') {
				return true
			}
		}
	}
	return false
}

// consumersReadIdentity reports whether a field (group-by or value) of a
// correlation fed by ins reads what identifies an emitted alert.
func consumersReadIdentity(ins []input) bool {
	for _, in := range ins {
		if readsIdentity(in.cor.groupBy[in.ref]) || (in.cor.value != nil && readsIdentity(in.cor.value[in.ref:in.ref+1])) {
			return true
		}
	}
	return false
}

// pathRoot is the first attribute of an IDMEF path ("Source" for
// "Source(*).IP").
func pathRoot(p string) string {
	if i := strings.IndexAny(p, ".("); i >= 0 {
		return p[:i]
	}
	return p
}

// readsPartiesOnly reports whether every field reads Source or Target
// only, and no attribute the rule sets on its alerts is one of them.
func readsPartiesOnly(fs []field, attrs map[string]any) bool {
	for _, f := range fs {
		if r := pathRoot(f.path.String()); r != "Source" && r != "Target" {
			return false
		}
	}
	for k := range attrs {
		if r := pathRoot(k); r == "Source" || r == "Target" {
			return false
		}
	}
	return true
}
