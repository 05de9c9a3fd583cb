package correlate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigie-siem/vigie/idmefv2"
)

// maxDocBytes bounds one rule file.
const maxDocBytes = 4 << 20

// ParseFile reads the Sigma rules of one YAML file (one rule per
// document, "---" between them). Detection documents are compiled with
// compile. It returns the rules that are valid and every problem found,
// warnings included; a rule with an error is left out.
func ParseFile(file string, data []byte, compile CompileFunc) ([]*Rule, []Problem) {
	ps := &problems{}
	if len(data) > maxDocBytes {
		ps.add(Problem{File: file, Message: fmt.Sprintf("file is %d bytes, above the %d-byte limit", len(data), maxDocBytes)})
		return nil, ps.list
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var roots []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ps.add(Problem{File: file, Message: "YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		roots = append(roots, root)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	var rules []*Rule
	for i, root := range roots {
		end := len(lines)
		if i+1 < len(roots) {
			end = roots[i+1].Line - 1
		}
		if r := parseDoc(file, root, docText(lines, root.Line, end), compile, ps); r != nil {
			rules = append(rules, r)
		}
	}
	return rules, ps.list
}

// docText is the text of lines from..to (1-based, to excluded) without
// the document markers that end it, after from-1 empty lines: a document
// that parses alone with the file's line numbers.
func docText(lines [][]byte, from, to int) []byte {
	from = max(from, 1)
	to = min(max(to, from), len(lines)+1)
	body := lines[from-1 : to-1]
	for len(body) > 0 {
		last := bytes.TrimSpace(body[len(body)-1])
		if !bytes.HasPrefix(last, []byte("---")) && !bytes.Equal(last, []byte("...")) {
			break
		}
		body = body[:len(body)-1]
	}
	out := bytes.Repeat([]byte("\n"), from-1)
	for _, l := range body {
		out = append(out, l...)
	}
	return out
}

// docParser reads one rule document, recording problems against it.
type docParser struct {
	file string
	rule *Rule
	ps   *problems
	bad  bool
}

func (d *docParser) errorf(n *yaml.Node, key, format string, args ...any) {
	d.bad = true
	d.ps.add(Problem{File: d.file, Line: line(n), Rule: d.rule.label(), Key: key, Message: fmt.Sprintf(format, args...)})
}

func (d *docParser) warnf(n *yaml.Node, key, format string, args ...any) {
	d.ps.add(Problem{File: d.file, Line: line(n), Rule: d.rule.label(), Key: key, Message: fmt.Sprintf(format, args...), Warning: true})
}

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func parseDoc(file string, root *yaml.Node, text []byte, compile CompileFunc, ps *problems) *Rule {
	r := &Rule{File: file, Line: root.Line}
	d := &docParser{file: file, rule: r, ps: ps}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "", "a rule must be a YAML mapping")
		return nil
	}
	keys := mapping(root)
	// Identity first, so that later problems name the rule.
	r.Title = d.str(keys, "title")
	r.ID = d.str(keys, "id")
	r.Name = d.str(keys, "name")
	r.Description = d.str(keys, "description")
	r.Level = d.str(keys, "level")
	r.Status = d.str(keys, "status")
	r.Tags = d.strList(keys, "tags")
	if r.Title == "" {
		d.errorf(root, "title", "missing: every Sigma rule has a title")
	}
	if r.Level != "" {
		switch r.Level {
		case "informational", "low", "medium", "high", "critical":
		default:
			d.errorf(keys["level"], "level", "%q: want informational, low, medium, high or critical", r.Level)
		}
	}
	if n := keys["idmefv2"]; n != nil {
		r.IDMEF = d.idmefAttr(n)
	}
	if n := keys["suppress"]; n != nil {
		r.Suppress = d.suppress(n)
	}
	if n := keys["vigie"]; n != nil {
		d.vigie(n)
	}
	if r.Schedule != nil && keys["correlation"] != nil {
		d.errorf(keys["vigie"], "vigie.time", "only detection rules take a schedule")
	}
	switch {
	case keys["correlation"] != nil && keys["detection"] != nil:
		d.errorf(keys["correlation"], "correlation", "a rule has either detection or correlation, not both")
	case keys["correlation"] != nil:
		r.Correlation = d.correlation(keys["correlation"])
	case keys["detection"] != nil:
		if compile == nil {
			d.errorf(keys["detection"], "detection", "no Sigma detection compiler is configured")
			break
		}
		det, err := compile(text)
		var de *DetectionError
		switch {
		case errors.As(err, &de):
			line := de.Line
			if line == 0 {
				line = keys["detection"].Line
			}
			d.bad = true
			ps.add(Problem{File: file, Line: line, Rule: r.label(), Key: de.Key, Message: de.Msg})
		case err != nil:
			d.errorf(keys["detection"], "detection", "%v", err)
		}
		if err != nil {
			break
		}
		r.Detector = det
	case d.str(keys, "type") == "filter" || keys["filter"] != nil:
		d.errorf(root, "filter", "Sigma filter rules are not supported")
	default:
		d.errorf(root, "", "neither detection nor correlation: not a Sigma rule")
	}
	if d.bad {
		return nil
	}
	if doc, err := yaml.Marshal(root); err == nil {
		sum := sha256.Sum256(doc)
		r.digest = hex.EncodeToString(sum[:8])
	}
	return r
}

// section checks that n is a mapping whose keys are among allowed (an
// error names each other key) and returns its entries; nil when n is not
// a mapping.
func (d *docParser) section(n *yaml.Node, key, want string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, key, "must be a mapping with %s", want)
		return nil
	}
	for _, k := range keyNodes(n) {
		if !slices.Contains(allowed, k.Value) {
			d.errorf(k, key+"."+k.Value, "unknown key: want %s", want)
		}
	}
	return mapping(n)
}

// boolean reads a true/false scalar.
func (d *docParser) boolean(n *yaml.Node, key string) bool {
	b, err := strconv.ParseBool(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		d.errorf(n, key, "must be true or false")
	}
	return b
}

// mapping returns the entries of a mapping node by key.
func mapping(n *yaml.Node) map[string]*yaml.Node {
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

// keyNodes returns the key nodes of a mapping, for line numbers and
// unknown-key checks, in order.
func keyNodes(n *yaml.Node) []*yaml.Node {
	var ks []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		ks = append(ks, n.Content[i])
	}
	return ks
}

func (d *docParser) str(keys map[string]*yaml.Node, key string) string {
	n := keys[key]
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, key, "must be a string")
		return ""
	}
	return n.Value
}

func (d *docParser) strList(keys map[string]*yaml.Node, key string) []string {
	n := keys[key]
	if n == nil {
		return nil
	}
	return d.list(n, key)
}

func (d *docParser) list(n *yaml.Node, key string) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				d.errorf(c, key, "must be a list of strings")
				return nil
			}
			out = append(out, c.Value)
		}
		return out
	}
	d.errorf(n, key, "must be a string or a list of strings")
	return nil
}

// idmefAttr reads the Concerto "idmefv2" attribute: IDMEF attributes of
// the alert, checked by setting them on a sample alert.
func (d *docParser) idmefAttr(n *yaml.Node) map[string]any {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "idmefv2", "must be a mapping of IDMEF attributes (Category, Priority, …)")
		return nil
	}
	out := make(map[string]any)
	sample := &idmefv2.Alert{}
	for _, k := range keyNodes(n) {
		key := "idmefv2." + k.Value
		switch k.Value {
		case "ID", "Version", "CreateTime", "CorrelID", "AggrCondition", "StartTime", "EndTime", "Analyzer":
			d.errorf(k, key, "is set by the correlator and cannot be given")
			continue
		}
		p, err := idmefv2.ParsePath(k.Value)
		if err != nil {
			d.errorf(k, key, "%v", strings.TrimPrefix(err.Error(), "idmefv2: "))
			continue
		}
		var v any
		if err := mapping(n)[k.Value].Decode(&v); err != nil {
			d.errorf(k, key, "%v", err)
			continue
		}
		if err := idmefv2.Set(sample, p, v); err != nil {
			d.errorf(k, key, "%v", strings.TrimPrefix(err.Error(), "idmefv2: "))
			continue
		}
		out[k.Value] = v
	}
	return out
}

func (d *docParser) suppress(n *yaml.Node) *Suppress {
	keys := d.section(n, "suppress", "by and for", "by", "for")
	if keys == nil {
		return nil
	}
	s := &Suppress{}
	if keys["by"] != nil {
		s.By = d.list(keys["by"], "suppress.by")
		for _, f := range s.By {
			if _, err := parseField(f); err != nil {
				d.errorf(keys["by"], "suppress.by", "%v", err)
			}
		}
	}
	if keys["for"] == nil {
		d.errorf(n, "suppress.for", "missing: how long to suppress, e.g. 10m")
		return s
	}
	dur, err := parseTimespan(keys["for"].Value)
	if err != nil {
		d.errorf(keys["for"], "suppress.for", "%v", err)
	}
	s.For = dur
	return s
}

func (d *docParser) vigie(n *yaml.Node) {
	keys := d.section(n, "vigie", "disabled or time", "disabled", "time")
	if v := keys["disabled"]; v != nil {
		d.rule.Disabled = d.boolean(v, "vigie.disabled")
	}
	if v := keys["time"]; v != nil {
		d.schedule(v)
	}
}

func (d *docParser) schedule(n *yaml.Node) {
	keys := d.section(n, "vigie.time", "inside or outside, and timezone", "inside", "outside", "timezone")
	if keys == nil {
		return
	}
	in, out := keys["inside"], keys["outside"]
	if (in == nil) == (out == nil) {
		d.errorf(n, "vigie.time", "give exactly one of inside and outside, e.g. outside: \"Mon-Fri 08:00-18:00\"")
		return
	}
	spec, key := orNode(in, out), "vigie.time.inside"
	if out != nil {
		key = "vigie.time.outside"
	}
	s, err := parseSchedule(spec.Value, out != nil, d.str(keys, "timezone"))
	if err != nil {
		d.errorf(spec, key, "%v", err)
		return
	}
	d.rule.Schedule = s
}

func (d *docParser) correlation(n *yaml.Node) *Correlation {
	keys := d.section(n, "correlation", "type, rules, group-by, timespan, condition, aliases or generate",
		"type", "rules", "group-by", "timespan", "condition", "aliases", "generate", "field")
	if keys == nil {
		return nil
	}
	c := &Correlation{}
	var fieldAtTop *yaml.Node
	for _, k := range keyNodes(n) {
		if k.Value == "field" {
			fieldAtTop = k
		}
	}
	c.Type = Type(d.str(keys, "type"))
	switch {
	case keys["type"] == nil:
		d.errorf(n, "correlation.type", "missing")
	case !c.Type.valid():
		d.errorf(keys["type"], "correlation.type", "%q: want event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile", c.Type)
	}
	c.Rules = d.strList(keys, "rules")
	if len(c.Rules) == 0 {
		d.errorf(orNode(keys["rules"], n), "correlation.rules", "missing: the rules (names or ids) this correlation counts")
	}
	if c.Type.temporal() && len(c.Rules) < 2 {
		d.warnf(orNode(keys["rules"], n), "correlation.rules", "a %s correlation of a single rule is an event_count", c.Type)
	}
	c.GroupBy = d.strList(keys, "group-by")
	if keys["timespan"] == nil {
		d.errorf(n, "correlation.timespan", "missing: the window, e.g. 5m")
	} else if ts, err := parseTimespan(keys["timespan"].Value); err != nil {
		d.errorf(keys["timespan"], "correlation.timespan", "%v", err)
	} else {
		c.Timespan = ts
	}
	if a := keys["aliases"]; a != nil {
		c.Aliases = d.aliases(a)
	}
	if g := keys["generate"]; g != nil {
		c.Generate = d.boolean(g, "correlation.generate")
	}
	if cn := keys["condition"]; cn != nil {
		c.Condition = d.condition(cn, c.Type)
	}
	if fieldAtTop != nil {
		f := keys["field"]
		if c.Condition.Field == "" && f.Kind == yaml.ScalarNode {
			c.Condition.Field = f.Value
			d.warnf(fieldAtTop, "correlation.field", "not in the Sigma specification, which puts field under condition; read as condition.field")
		} else {
			d.errorf(fieldAtTop, "correlation.field", "field belongs under condition")
		}
	}
	switch {
	case c.Type.temporal():
		if keys["condition"] == nil {
			// Default: every referenced rule must fire.
			c.Condition.Comparisons = []Comparison{{OpGTE, float64(len(c.Rules))}}
		}
		if c.Condition.Field != "" {
			d.errorf(keys["condition"], "correlation.condition.field", "%s counts rules and takes no field", c.Type)
		}
	case keys["condition"] == nil && c.Type.valid():
		d.errorf(n, "correlation.condition", "missing: e.g. condition: {gte: 10}")
	}
	if c.Type.needsField() && c.Condition.Field == "" && c.Type.valid() {
		d.errorf(orNode(keys["condition"], n), "correlation.condition.field", "missing: %s aggregates the values of a field", c.Type)
	}
	if !c.Type.needsField() && !c.Type.temporal() && c.Condition.Field != "" {
		d.errorf(keys["condition"], "correlation.condition.field", "%s counts events and takes no field", c.Type)
	}
	if c.Type == ValuePercentile && c.Condition.Percentile == 0 {
		d.errorf(orNode(keys["condition"], n), "correlation.condition.percentile", "missing: the percentile (1-100) to compare")
	}
	for _, g := range c.GroupBy {
		if _, ok := c.Aliases[g]; ok {
			continue
		}
		if _, err := parseField(g); err != nil {
			d.errorf(keys["group-by"], "correlation.group-by", "%v", err)
		}
	}
	if f := c.Condition.Field; f != "" {
		if _, ok := c.Aliases[f]; !ok {
			if _, err := parseField(f); err != nil {
				d.errorf(keys["condition"], "correlation.condition.field", "%v", err)
			}
		}
	}
	return c
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func (d *docParser) aliases(n *yaml.Node) map[string]map[string]string {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "correlation.aliases", "must map each alias to {rule: field}")
		return nil
	}
	out := make(map[string]map[string]string)
	for _, k := range keyNodes(n) {
		v := mapping(n)[k.Value]
		key := "correlation.aliases." + k.Value
		if v.Kind != yaml.MappingNode {
			d.errorf(v, key, "must map each referenced rule to its field")
			continue
		}
		m := make(map[string]string)
		for _, rk := range keyNodes(v) {
			f := mapping(v)[rk.Value]
			if f.Kind != yaml.ScalarNode {
				d.errorf(f, key+"."+rk.Value, "must be a field name")
				continue
			}
			if _, err := parseField(f.Value); err != nil {
				d.errorf(f, key+"."+rk.Value, "%v", err)
				continue
			}
			m[rk.Value] = f.Value
		}
		out[k.Value] = m
	}
	return out
}

func (d *docParser) condition(n *yaml.Node, typ Type) Condition {
	var c Condition
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "correlation.condition", "must be a mapping such as {gte: 10}")
		return c
	}
	for _, k := range keyNodes(n) {
		v := mapping(n)[k.Value]
		key := "correlation.condition." + k.Value
		switch k.Value {
		case "field":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				d.errorf(v, key, "must be a field name")
				continue
			}
			c.Field = v.Value
		case "percentile":
			p, err := strconv.ParseFloat(v.Value, 64)
			if err != nil || v.Kind != yaml.ScalarNode || p <= 0 || p > 100 {
				d.errorf(v, key, "%q: want a number above 0 and at most 100", v.Value)
				continue
			}
			if typ != ValuePercentile {
				d.errorf(k, key, "only value_percentile takes a percentile")
			}
			c.Percentile = p
		case "gt", "gte", "lt", "lte", "eq", "neq":
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil || v.Kind != yaml.ScalarNode || math.IsNaN(f) || math.IsInf(f, 0) {
				d.errorf(v, key, "%q: want a number", v.Value)
				continue
			}
			c.Comparisons = append(c.Comparisons, Comparison{Op(k.Value), f})
		default:
			d.errorf(k, key, "unknown key: want gt, gte, lt, lte, eq, neq, field (or percentile)")
		}
	}
	if len(c.Comparisons) == 0 {
		d.errorf(n, "correlation.condition", "no comparison: give one of gt, gte, lt, lte, eq, neq (two for a range)")
	}
	if len(c.Comparisons) > 2 {
		d.errorf(n, "correlation.condition", "at most two comparisons (a range)")
	}
	return c
}

// parseTimespan reads a Sigma timespan: a positive integer and a unit,
// s, m, h, d (or w).
func parseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q: want a number and a unit (s, m, h, d), e.g. 5m", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive whole number and a unit (s, m, h, d), e.g. 5m", s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q: unknown unit %q: want s, m, h or d", s, s[len(s)-1:])
	}
	if n > int64(366*24*time.Hour/unit) {
		return 0, fmt.Errorf("%q: longer than a year", s)
	}
	return time.Duration(n) * unit, nil
}
