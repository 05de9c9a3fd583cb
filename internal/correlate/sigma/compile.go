package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"go.yaml.in/yaml/v3"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Option tunes Compile.
type Option func(*compileOptions)

type compileOptions struct {
	placeholders map[string][]string
	aliases      map[string]string
}

// WithPlaceholders gives the values of "%name%" placeholders used with the
// expand modifier (name → values; a placeholder expands to a list, OR).
func WithPlaceholders(p map[string][]string) Option {
	return func(o *compileOptions) { o.placeholders = p }
}

// WithAliases adds field aliases (name → IDMEF path), consulted before the
// built-in flat aliases.
func WithAliases(a map[string]string) Option {
	return func(o *compileOptions) { o.aliases = a }
}

// Rule is a compiled detection rule. It is immutable and its Match is safe
// for concurrent use.
type Rule struct {
	// Meta is the rule's metadata (read-only).
	Meta   Meta
	spec   *RuleSpec
	root   node
	fields []string // canonical paths referenced, sorted
}

// Spec returns the parsed rule the Rule was compiled from.
func (r *Rule) Spec() *RuleSpec { return r.spec }

// Fields returns the canonical IDMEF paths the rule reads, sorted.
func (r *Rule) Fields() []string { return slices.Clone(r.fields) }

// Match reports whether the alert satisfies the rule's condition.
func (r *Rule) Match(a *idmefv2.Alert) bool {
	return a != nil && r.root.eval(a)
}

// String returns the title.
func (r *Rule) String() string { return r.Meta.Title }

// node is a compiled part of a condition.
type node interface {
	eval(a *idmefv2.Alert) bool
	cost() int
}

// Compile turns a parsed rule into an evaluator. Every problem (unknown
// field or search identifier, bad modifier or value) is an *Error naming
// the file, the rule and the place.
func Compile(spec *RuleSpec, opts ...Option) (*Rule, error) {
	var o compileOptions
	for _, opt := range opts {
		opt(&o)
	}
	c := &compiler{spec: spec, opts: o, searches: map[string]node{}, fields: map[string]bool{}}
	for _, s := range spec.Detection.Searches {
		n, err := c.search(s)
		if err != nil {
			return nil, err
		}
		c.searches[s.Name] = n
		c.order = append(c.order, s.Name)
	}
	var roots []node
	for i, cond := range spec.Detection.Conditions {
		path := "detection.condition"
		if len(spec.Detection.Conditions) > 1 {
			path = fmt.Sprintf("detection.condition[%d]", i)
		}
		ast, err := parseCondition(cond)
		if err != nil {
			return nil, c.errf(spec.Detection.Node, path, "%q: %v", cond, err)
		}
		n, err := c.condition(ast)
		if err != nil {
			return nil, c.errf(spec.Detection.Node, path, "%q: %v", cond, err)
		}
		roots = append(roots, n)
	}
	r := &Rule{Meta: spec.Meta, spec: spec, root: orOf(roots)}
	for f := range c.fields {
		r.fields = append(r.fields, f)
	}
	slices.Sort(r.fields)
	return r, nil
}

type compiler struct {
	spec     *RuleSpec
	opts     compileOptions
	searches map[string]node
	order    []string
	fields   map[string]bool
}

func (c *compiler) errf(at *yaml.Node, path, format string, args ...any) error {
	line := c.spec.Line
	if at != nil {
		line = at.Line
	}
	return &Error{Source: c.spec.Source, Rule: c.spec.ruleName(), Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// search compiles one search identifier: a mapping (AND of fields), a list
// of mappings (OR), or a list of keywords (OR).
func (c *compiler) search(s Search) (node, error) {
	path := "detection." + s.Name
	v := deref(s.Node)
	switch v.Kind {
	case yaml.MappingNode:
		return c.fieldMap(v, path)
	case yaml.ScalarNode:
		return c.keywords([]*yaml.Node{v}, path)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, c.errf(v, path, "empty list: a search needs at least one value or mapping")
		}
		maps := 0
		for _, it := range v.Content {
			if deref(it).Kind == yaml.MappingNode {
				maps++
			}
		}
		switch maps {
		case 0:
			return c.keywords(v.Content, path)
		case len(v.Content):
			kids := make([]node, 0, maps)
			for i, it := range v.Content {
				n, err := c.fieldMap(it, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				kids = append(kids, n)
			}
			return orOf(kids), nil
		}
		return nil, c.errf(v, path, "a list must hold either keywords or mappings, not both")
	}
	return nil, c.errf(v, path, "must be a mapping, a list or a keyword, not %s", kindName(v))
}

// keywords compiles field-less values: each is searched (contains, case-
// insensitive) in the alert's text attributes.
func (c *compiler) keywords(items []*yaml.Node, path string) (node, error) {
	fields, err := c.keywordFieldList(path)
	if err != nil {
		return nil, err
	}
	var pats []matcher
	for i, it := range items {
		it = deref(it)
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
			return nil, c.errf(it, fmt.Sprintf("%s[%d]", path, i), "a keyword must be a string, not %s", kindName(it))
		}
		parts := parseWildcards(it.Value)
		parts = append([]globPart{{star: true}}, append(parts, globPart{star: true})...)
		pats = append(pats, newStrPat(parts, false))
	}
	kids := make([]node, 0, len(fields))
	for _, f := range fields {
		kids = append(kids, &fieldNode{f: f, pats: pats})
	}
	return orOf(kids), nil
}

// keywordFieldList resolves the attributes keywords are searched in.
func (c *compiler) keywordFieldList(path string) ([]Field, error) {
	fields := make([]Field, 0, len(keywordFields))
	for _, name := range keywordFields {
		f, err := resolvePath(name)
		if err != nil {
			return nil, c.errf(nil, path, "keyword field %s: %v", name, err)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// modKeywords compiles field-less values with modifiers ("|all: [a, b]"):
// keywords that default to contains, with all meaning every value must
// occur (each in any text attribute).
func (c *compiler) modKeywords(kn, val *yaml.Node, m mods, path string) (node, error) {
	if m.exists || m.fieldref || m.cidr || m.cmp != nil || m.expand {
		return nil, c.errf(kn, path, "field-less values only take all, cased, contains, startswith, endswith, re, windash and base64 modifiers")
	}
	if !m.contains && !m.startswith && !m.endswith && !m.re {
		m.contains = true
	}
	fields, err := c.keywordFieldList(path)
	if err != nil {
		return nil, err
	}
	items := []*yaml.Node{val}
	if val.Kind == yaml.SequenceNode {
		items = val.Content
	}
	if len(items) == 0 {
		return nil, c.errf(val, path, "empty list of values: it would never match")
	}
	var terms []node
	for i, it := range items {
		it = deref(it)
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
			return nil, c.errf(it, fmt.Sprintf("%s[%d]", path, i), "a keyword must be a string, not %s", kindName(it))
		}
		pats, err := c.values(m, it)
		if err != nil {
			return nil, c.errf(it, fmt.Sprintf("%s[%d]", path, i), "%v", err)
		}
		ors := make([]node, 0, len(fields))
		for _, f := range fields {
			ors = append(ors, &fieldNode{f: f, pats: pats})
		}
		terms = append(terms, orOf(ors))
	}
	if m.all {
		return andOf(terms), nil
	}
	return orOf(terms), nil
}

// fieldMap compiles a mapping of "field|modifiers: values" (AND).
func (c *compiler) fieldMap(v *yaml.Node, path string) (node, error) {
	v = deref(v)
	if len(v.Content) == 0 {
		return nil, c.errf(v, path, "empty mapping")
	}
	var kids []node
	for i := 0; i+1 < len(v.Content); i += 2 {
		kn, val := v.Content[i], v.Content[i+1]
		n, err := c.fieldItem(kn, val, path+"."+kn.Value)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return andOf(kids), nil
}

// modifiers parsed from "field|mod|mod".
type mods struct {
	contains, startswith, endswith, all, cased, exists bool
	re, reI, reM, reS                                  bool
	cidr, b64, b64off, windash, expand, fieldref       bool
	utf16                                              string // "", "le", "be", "bom"
	cmp                                                *cmpOp
}

func parseMods(list []string) (mods, error) {
	var m mods
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return m, fmt.Errorf("modifier %q given twice", s)
		}
		seen[s] = true
		switch s {
		case "contains":
			m.contains = true
		case "startswith":
			m.startswith = true
		case "endswith":
			m.endswith = true
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "exists":
			m.exists = true
		case "re":
			m.re = true
		case "i":
			m.reI = true
		case "m":
			m.reM = true
		case "s":
			m.reS = true
		case "cidr":
			m.cidr = true
		case "base64":
			m.b64 = true
		case "base64offset":
			m.b64off = true
		case "windash":
			m.windash = true
		case "expand":
			m.expand = true
		case "fieldref":
			m.fieldref = true
		case "wide", "utf16le":
			m.utf16 = "le"
		case "utf16be":
			m.utf16 = "be"
		case "utf16":
			m.utf16 = "bom"
		case "gt", "gte", "lt", "lte":
			if m.cmp != nil {
				return m, fmt.Errorf("only one of gt, gte, lt, lte")
			}
			op := map[string]cmpOp{"gt": opGT, "gte": opGTE, "lt": opLT, "lte": opLTE}[s]
			m.cmp = &op
		case "":
			return m, fmt.Errorf("empty modifier (\"||\" or trailing \"|\")")
		default:
			return m, fmt.Errorf("unknown modifier %q", s)
		}
	}
	// Consistency.
	ops := 0
	for _, b := range []bool{m.contains || m.startswith || m.endswith, m.re, m.cidr, m.cmp != nil, m.exists, m.fieldref && !(m.contains || m.startswith || m.endswith)} {
		if b {
			ops++
		}
	}
	switch {
	case m.contains && m.startswith, m.contains && m.endswith, m.startswith && m.endswith:
		return m, fmt.Errorf("contains, startswith and endswith exclude each other")
	case ops > 1:
		return m, fmt.Errorf("conflicting modifiers %s", strings.Join(list, "|"))
	case (m.reI || m.reM || m.reS) && !m.re:
		return m, fmt.Errorf("i, m and s are sub-modifiers of re")
	case m.utf16 != "" && !m.b64 && !m.b64off:
		return m, fmt.Errorf("utf16/wide encodings are not applicable to IDMEFv2 text (UTF-8 JSON strings) except before base64 or base64offset")
	case m.b64 && m.b64off:
		return m, fmt.Errorf("base64 and base64offset exclude each other")
	case (m.b64 || m.b64off) && (m.re || m.cidr || m.cmp != nil || m.exists || m.fieldref):
		return m, fmt.Errorf("base64 encodings only combine with contains, startswith, endswith or plain equality")
	case m.windash && (m.re || m.cidr || m.cmp != nil || m.exists || m.fieldref):
		return m, fmt.Errorf("windash only applies to strings")
	}
	return m, nil
}

// fieldItem compiles one "field|modifiers: value(s)" entry.
func (c *compiler) fieldItem(kn, val *yaml.Node, path string) (node, error) {
	val = deref(val)
	key := kn.Value
	parts := strings.Split(key, "|")
	m, err := parseMods(parts[1:])
	if err != nil {
		return nil, c.errf(kn, path, "%v", err)
	}
	if parts[0] == "" {
		return c.modKeywords(kn, val, m, path)
	}
	f, err := ParseField(parts[0], c.opts.aliases)
	if err != nil {
		return nil, c.errf(kn, path, "unknown field: %v", err)
	}
	c.fields[f.canon] = true

	var items []*yaml.Node
	switch val.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{val}
	case yaml.SequenceNode:
		items = val.Content
		if len(items) == 0 {
			return nil, c.errf(val, path, "empty list of values: it would never match")
		}
	default:
		return nil, c.errf(val, path, "a field value must be a scalar or a list of scalars, not %s", kindName(val))
	}
	items = slices.Clone(items)
	for i, it := range items {
		items[i] = deref(it)
		if items[i].Kind != yaml.ScalarNode {
			return nil, c.errf(it, fmt.Sprintf("%s[%d]", path, i), "a field value must be a scalar, not %s", kindName(items[i]))
		}
	}

	if m.exists {
		if len(items) != 1 || (items[0].Value != "true" && items[0].Value != "false") || items[0].Tag != "!!bool" {
			return nil, c.errf(val, path, "exists takes true or false")
		}
		return &existsNode{f: f, want: items[0].Value == "true"}, nil
	}
	if m.fieldref {
		return c.fieldRef(f, m, items, path)
	}

	var pats []matcher
	var nulls int
	for i, it := range items {
		ipath := path
		if len(items) > 1 {
			ipath = fmt.Sprintf("%s[%d]", path, i)
		}
		if it.Tag == "!!null" {
			if m.contains || m.startswith || m.endswith || m.re || m.cidr || m.cmp != nil {
				return nil, c.errf(it, ipath, "null only works with plain equality")
			}
			nulls++
			continue
		}
		ps, err := c.values(m, it)
		if err != nil {
			return nil, c.errf(it, ipath, "%v", err)
		}
		pats = append(pats, ps...)
	}
	var kids []node
	if nulls > 0 {
		kids = append(kids, &existsNode{f: f, want: false})
	}
	if len(pats) > 0 {
		if m.all {
			var and []node
			for _, p := range pats {
				and = append(and, &fieldNode{f: f, pats: []matcher{p}})
			}
			kids = append(kids, andOf(and))
		} else {
			kids = append(kids, &fieldNode{f: f, pats: compactPats(pats)})
		}
	}
	if m.all && nulls > 0 {
		return andOf(kids), nil
	}
	return orOf(kids), nil
}

// values compiles one YAML scalar into patterns (several with windash,
// base64offset or expand).
func (c *compiler) values(m mods, it *yaml.Node) ([]matcher, error) {
	texts := []string{it.Value}
	if m.expand {
		var err error
		texts, err = expandPlaceholders(it.Value, c.opts.placeholders)
		if err != nil {
			return nil, err
		}
	}
	switch {
	case m.cmp != nil:
		var out []matcher
		for _, text := range texts {
			n, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return nil, fmt.Errorf("%s needs a number, got %q", opName(*m.cmp), text)
			}
			out = append(out, &cmpPat{op: *m.cmp, n: n})
		}
		return out, nil
	case m.cidr:
		var out []matcher
		for _, text := range texts {
			p, err := netip.ParsePrefix(strings.TrimSpace(text))
			if err != nil {
				return nil, fmt.Errorf("cidr: %q is not a network (like 10.0.0.0/8 or 2001:db8::/32)", text)
			}
			out = append(out, &cidrPat{prefix: p.Masked()})
		}
		return out, nil
	}
	if m.windash {
		var out []string
		for _, t := range texts {
			out = append(out, windash(t)...)
		}
		texts = out
	}
	if m.re {
		var out []matcher
		for _, t := range texts {
			flags := ""
			if m.reI {
				flags += "i"
			}
			if m.reM {
				flags += "m"
			}
			if m.reS {
				flags += "s"
			}
			expr := t
			if flags != "" {
				expr = "(?" + flags + ")" + t
			}
			p, err := newRePat(expr)
			if err != nil {
				return nil, fmt.Errorf("re: %v (Go RE2 syntax: no look-around or back-references)", err)
			}
			out = append(out, p)
		}
		return out, nil
	}
	var out []matcher
	for _, t := range texts {
		var variants [][]globPart
		cased := m.cased
		switch {
		case m.b64 || m.b64off:
			raw := encodeUTF16(t, m.utf16)
			var encs []string
			if m.b64 {
				encs = []string{base64.StdEncoding.EncodeToString(raw)}
			} else {
				encs = base64Offsets(raw)
			}
			for _, e := range encs {
				variants = append(variants, []globPart{{lit: e}})
			}
			cased = true // base64 text is case-significant
		default:
			variants = [][]globPart{parseWildcards(t)}
		}
		for _, parts := range variants {
			if m.contains || m.endswith {
				parts = append([]globPart{{star: true}}, parts...)
			}
			if m.contains || m.startswith {
				parts = append(parts, globPart{star: true})
			}
			p := newStrPat(parts, cased)
			if p.kind == strExact && !m.b64 && !m.b64off && looksNumeric(p.lit) {
				if n, err := strconv.ParseFloat(p.lit, 64); err == nil {
					p.num, p.isNum = n, true
				}
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func opName(op cmpOp) string {
	return [...]string{"gt", "gte", "lt", "lte"}[op]
}

// compactPats replaces many exact literals with one set lookup.
func compactPats(pats []matcher) []matcher {
	const minSet = 6
	var exact []*strPat
	var rest []matcher
	cased := -1
	for _, p := range pats {
		sp, ok := p.(*strPat)
		if ok && sp.kind == strExact && (cased == -1 || (cased == 1) == sp.cased) {
			if sp.cased {
				cased = 1
			} else {
				cased = 0
			}
			exact = append(exact, sp)
			continue
		}
		rest = append(rest, p)
	}
	if len(exact) < minSet {
		return pats
	}
	set := &setPat{set: map[string]struct{}{}, cased: cased == 1, nums: map[float64]struct{}{}}
	for _, p := range exact {
		set.set[p.lit] = struct{}{}
		if p.isNum {
			set.nums[p.num] = struct{}{}
		}
	}
	return append([]matcher{set}, rest...)
}

// expandPlaceholders replaces each "%name%" with each of its values.
func expandPlaceholders(s string, values map[string][]string) ([]string, error) {
	out := []string{""}
	for s != "" {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		vals, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("expand: placeholder %%%s%% has no values (give them with WithPlaceholders)", name)
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("expand: placeholder %%%s%% has an empty list of values", name)
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				next = append(next, o+s[:i]+v)
			}
		}
		if len(next) > 4096 {
			return nil, fmt.Errorf("expand: more than 4096 combinations")
		}
		out = next
		s = s[i+2+j:]
	}
	for k := range out {
		out[k] += s
	}
	return out, nil
}

// windash returns the variants of s where each "-" or "/" starting a word
// (at the start or after a space) is replaced by "-", "/", "–", "—" or "―".
func windash(s string) []string {
	dashes := []string{"-", "/", "\u2013", "\u2014", "\u2015"}
	out := []string{""}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '-' || c == '/') && (i == 0 || s[i-1] == ' ') && len(out)*len(dashes) <= 1024 {
			var next []string
			for _, o := range out {
				for _, d := range dashes {
					next = append(next, o+d)
				}
			}
			out = next
			continue
		}
		for k := range out {
			out[k] += string(c)
		}
	}
	return out
}

func encodeUTF16(s, enc string) []byte {
	if enc == "" {
		return []byte(s)
	}
	units := utf16.Encode([]rune(s))
	var b []byte
	if enc == "bom" {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range units {
		if enc == "be" {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

// base64Offsets returns the three encodings of raw as it would appear at
// offsets 0, 1 and 2 of a longer base64-encoded text: the characters that
// do not depend on the neighbouring bytes.
func base64Offsets(raw []byte) []string {
	var out []string
	for shift := 0; shift < 3; shift++ {
		padded := append(make([]byte, shift), raw...)
		enc := base64.StdEncoding.EncodeToString(padded)
		start := [...]int{0, 2, 3}[shift]
		end := len(enc) - [...]int{0, 3, 2}[(len(raw)+shift)%3]
		enc = strings.TrimRight(enc, "=")
		if end > len(enc) {
			end = len(enc)
		}
		if start < end {
			out = append(out, enc[start:end])
		}
	}
	return out
}

// fieldRef compiles "field|fieldref: other": the field equals (or
// contains/starts/ends with) the other field's value.
func (c *compiler) fieldRef(f Field, m mods, items []*yaml.Node, path string) (node, error) {
	var kids []node
	for _, it := range items {
		other, err := ParseField(it.Value, c.opts.aliases)
		if err != nil {
			return nil, c.errf(it, path, "fieldref: %v", err)
		}
		c.fields[other.canon] = true
		mode := strExact
		switch {
		case m.contains:
			mode = strContains
		case m.startswith:
			mode = strPrefix
		case m.endswith:
			mode = strSuffix
		}
		kids = append(kids, &fieldRefNode{f: f, other: other, mode: mode, cased: m.cased})
	}
	if m.all {
		return andOf(kids), nil
	}
	return orOf(kids), nil
}

// CompileDocuments compiles the detection rules among docs (as returned by
// ParseFile), in order, skipping correlation and filter documents.
func CompileDocuments(docs []Document, opts ...Option) ([]*Rule, error) {
	var out []*Rule
	for _, d := range docs {
		if d.Kind != KindDetection {
			continue
		}
		r, err := Compile(d.Rule, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// deref follows YAML aliases ("*name") to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && depth < 100; depth++ {
		n = n.Alias
	}
	return n
}
