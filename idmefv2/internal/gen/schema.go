package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// kind is the Go representation chosen for one IDMEF attribute (or list item).
type kind int

const (
	kindString  kind = iota // plain JSON string, maybe with a format
	kindPattern             // string checked by a hand-written pattern matcher
	kindEnum                // typed string enum
	kindNumber              // JSON number with bounds (Confidence)
	kindInteger             // JSON integer
	kindClass               // nested class (object)
	kindRaw                 // object or string kept as raw JSON (Attachment.Content)
)

// attr is one attribute of a class.
type attr struct {
	Name     string // IDMEF name, e.g. "ext-Category"
	GoName   string // Go field name, e.g. "ExtCategory"
	Doc      string
	Required bool
	List     bool
	Kind     kind
	Format   string   // "email" or "uri" for kindString
	Pattern  *pattern // for kindPattern
	Enum     *enum    // for kindEnum
	Class    string   // for kindClass
	Min, Max *float64 // for kindNumber
	Bit      int      // index of the attribute in its class (presence bitmask)
}

// class is one IDMEF class (Alert or an aggregate class).
type class struct {
	Name     string
	Doc      string
	Attrs    []*attr
	Required []string
}

// enum is an enumerated type.
type enum struct {
	Def    string // schema definition name, or the attribute name for inline enums
	GoName string
	Doc    string
	Values []string
	Consts []string // Go constant names, parallel to Values
}

// pattern is a string type with a regular expression.
type pattern struct {
	Def     string // schema definition name
	Regexp  string
	Matcher string // name of the hand-written Go matcher
	Const   string // name of the generated constant holding the regexp
	What    string // human name used in messages
	EmptyOK bool   // whether the regexp accepts ""
}

// knownPatterns maps each schema regexp, byte for byte, to the hand-written
// matcher that implements it. A schema whose regexp changes makes the
// generator fail, so a matcher can never silently drift from its regexp.
func knownPatterns() map[string]struct{ matcher, what string } {
	return map[string]struct{ matcher, what string }{
		`^[a-zA-Z0-9]+$`: {"matchAttachmentName", "attachment name"},
		`^[0-9]{4}-(0[0-9]|1[012])-([0-2][0-9]|3[01])T([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[-+]([0-1][0-9]|2[0-3]):[0-5][0-9])?$`: {"matchTimestamp", "timestamp"},
		`^[-+]?([0-9]+(\.[0-9]*)?)(, ?[-+]?([0-9]+(\.[0-9]*)?)){1,2}$`:                                                                                   {"matchGeoLocation", "geolocation"},
		`^[A-Z]{2} ?[A-Z]{3}$`: {"matchUNLocode", "UN/LOCODE"},
		`^(((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)|([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))$`: {"matchIP", "IP address"},
		"^[-!#$%&'*+.^_`|~0-9a-zA-Z]+/[-!#$%&'*+.^_`|~0-9a-zA-Z]+([ \t]*;[ \t]*[-!#$%&'*+.^_`|~0-9a-zA-Z]+=([-!#$%&'*+.^_`|~0-9a-zA-Z]+|\"([\\x5D-~\t !#-\\x5B]|\\\\([\t 0-9a-zA-Z]))*\"))*$": {"matchMediaType", "media type"},
		`^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$`: {"matchUUID", "UUID"},
		`^[a-zA-Z0-9](-?[a-zA-Z0-9])*$`:                        {"matchProtocol", "protocol name"},
		`^[a-zA-Z0-9-]+:([a-fA-F0-9]{2})+$`:                    {"matchHash", "hash (function:hex)"},
	}
}

// enumTypeNames overrides the mechanical Go name of an enum definition where
// the schema's lower-case name hides word boundaries.
func enumTypeName(def string) (string, bool) {
	n, ok := map[string]string{"entitysectorEnum": "EntitySector"}[def]
	return n, ok
}

// classOrder is the order of the generated classes: the Alert, then the
// aggregate classes in schema order.
func classOrder() []string {
	return []string{"Alert", "Analyzer", "Sensor", "Source", "Target", "Attachment"}
}

// model is everything the templates need.
type model struct {
	SchemaTitle string
	Classes     []*class
	Enums       []*enum
	Patterns    []*pattern
	Version     *enum
}

type rawSchema struct {
	Schema               string                     `json:"$schema"`
	Title                string                     `json:"title"`
	Type                 any                        `json:"type"`
	Description          string                     `json:"description"`
	Required             []string                   `json:"required"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
	Properties           map[string]json.RawMessage `json:"properties"`
	Definitions          map[string]json.RawMessage `json:"definitions"`
	Items                json.RawMessage            `json:"items"`
	Ref                  string                     `json:"$ref"`
	Enum                 []string                   `json:"enum"`
	Pattern              string                     `json:"pattern"`
	Format               string                     `json:"format"`
	Minimum              *float64                   `json:"minimum"`
	Maximum              *float64                   `json:"maximum"`

	order []string // property names in document order
}

func parseNode(data []byte) (*rawSchema, error) {
	var n rawSchema
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if n.Properties != nil {
		var props struct {
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(data, &props); err != nil {
			return nil, err
		}
		order, err := objectKeys(props.Properties)
		if err != nil {
			return nil, err
		}
		n.order = order
	}
	return &n, nil
}

// objectKeys returns the member names of a JSON object in document order.
func objectKeys(data []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// load builds the model from the schema text.
func load(data []byte, extraVersions []string) (*model, error) {
	root, err := parseNode(data)
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	if root.Schema != "http://json-schema.org/draft-04/schema#" {
		return nil, fmt.Errorf("schema is %q, want draft-04", root.Schema)
	}
	m := &model{SchemaTitle: root.Title}
	defs := map[string]*rawSchema{}
	for name, raw := range root.Definitions {
		n, err := parseNode(raw)
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		defs[name] = n
	}
	defOrder, err := definitionOrder(data)
	if err != nil {
		return nil, err
	}
	enums := map[string]*enum{}
	patterns := map[string]*pattern{}
	for _, name := range defOrder {
		d := defs[name]
		switch {
		case d.Enum != nil:
			e := newEnum(name, enumGoName(name), d.Description, d.Enum)
			enums[name] = e
			m.Enums = append(m.Enums, e)
		case d.Pattern != "":
			known, ok := knownPatterns()[d.Pattern]
			if !ok {
				return nil, fmt.Errorf("definition %s: no hand-written matcher for pattern %s", name, d.Pattern)
			}
			re, err := regexp.Compile(d.Pattern)
			if err != nil {
				return nil, fmt.Errorf("definition %s: %w", name, err)
			}
			p := &pattern{Def: name, Regexp: d.Pattern, Matcher: known.matcher, What: known.what,
				Const: "pattern" + strings.TrimPrefix(known.matcher, "match"), EmptyOK: re.MatchString("")}
			patterns[name] = p
			m.Patterns = append(m.Patterns, p)
		}
	}
	rootClass, nested, err := buildClass("Alert", root, defs, enums, patterns)
	if err != nil {
		return nil, err
	}
	classes := map[string]*class{"Alert": rootClass}
	for name, n := range nested {
		c, more, err := buildClass(name, n, defs, enums, patterns)
		if err != nil {
			return nil, err
		}
		if len(more) > 0 {
			return nil, fmt.Errorf("class %s: nested classes deeper than one level are not supported", name)
		}
		classes[name] = c
	}
	if len(classes) != len(classOrder()) {
		return nil, fmt.Errorf("schema has %d classes, generator knows %v", len(classes), classOrder())
	}
	for _, name := range classOrder() {
		c, ok := classes[name]
		if !ok {
			return nil, fmt.Errorf("schema has no class %s", name)
		}
		m.Classes = append(m.Classes, c)
	}
	for _, a := range rootClass.Attrs {
		if a.Name == "Version" {
			if a.Kind != kindEnum {
				return nil, fmt.Errorf("attribute Version is not an enum")
			}
			a.Enum.Values = append(a.Enum.Values, extraVersions...)
			a.Enum.Consts = nil
			for _, v := range a.Enum.Values {
				a.Enum.Consts = append(a.Enum.Consts, "Version"+constName(strings.TrimPrefix(v, "2.D.")))
			}
			m.Version = a.Enum
		}
	}
	if m.Version == nil {
		return nil, fmt.Errorf("schema has no Version attribute")
	}
	return m, nil
}

// definitionOrder returns the names under "definitions" in document order.
func definitionOrder(data []byte) ([]string, error) {
	var top struct {
		Definitions json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	return objectKeys(top.Definitions)
}

// buildClass turns an object schema into a class. Attributes whose value is
// an object (or array of objects) become nested classes named after the
// attribute.
func buildClass(name string, n *rawSchema, defs map[string]*rawSchema, enums map[string]*enum, patterns map[string]*pattern) (*class, map[string]*rawSchema, error) {
	if n.AdditionalProperties == nil || *n.AdditionalProperties {
		return nil, nil, fmt.Errorf("class %s: additionalProperties is not false", name)
	}
	c := &class{Name: name, Doc: n.Description, Required: n.Required}
	nested := map[string]*rawSchema{}
	req := map[string]bool{}
	for _, r := range n.Required {
		req[r] = true
	}
	for i, pname := range n.order {
		p, err := parseNode(n.Properties[pname])
		if err != nil {
			return nil, nil, fmt.Errorf("%s.%s: %w", name, pname, err)
		}
		a := &attr{Name: pname, GoName: goFieldName(pname), Doc: p.Description, Required: req[pname], Bit: i}
		item := p
		if typeIs(p.Type, "array") {
			a.List = true
			if item, err = parseNode(p.Items); err != nil {
				return nil, nil, fmt.Errorf("%s.%s items: %w", name, pname, err)
			}
		}
		if typeIs(item.Type, "object") && item.Properties != nil {
			a.Kind = kindClass
			a.Class = pname
			nested[pname] = item
			if a.Doc == "" {
				a.Doc = item.Description
			}
			c.Attrs = append(c.Attrs, a)
			continue
		}
		if err := resolveScalar(a, item, defs, enums, patterns, name); err != nil {
			return nil, nil, err
		}
		c.Attrs = append(c.Attrs, a)
	}
	if len(c.Attrs) > 64 {
		return nil, nil, fmt.Errorf("class %s has more than 64 attributes", name)
	}
	return c, nested, nil
}

func resolveScalar(a *attr, item *rawSchema, defs map[string]*rawSchema, enums map[string]*enum, patterns map[string]*pattern, cname string) error {
	if item.Ref != "" {
		def := strings.TrimPrefix(item.Ref, "#/definitions/")
		if e, ok := enums[def]; ok {
			a.Kind, a.Enum = kindEnum, e
			return nil
		}
		if p, ok := patterns[def]; ok {
			a.Kind, a.Pattern = kindPattern, p
			return nil
		}
		return fmt.Errorf("%s.%s: unsupported reference %s", cname, a.Name, item.Ref)
	}
	switch {
	case item.Enum != nil:
		e := newEnum(a.Name, a.GoName, a.Doc, item.Enum)
		a.Kind, a.Enum = kindEnum, e
	case typeIs(item.Type, "object") && typeIs(item.Type, "string"):
		a.Kind = kindRaw
	case typeIs(item.Type, "string"):
		a.Kind = kindString
		switch item.Format {
		case "", "email", "uri":
			a.Format = item.Format
		default:
			return fmt.Errorf("%s.%s: unsupported format %q", cname, a.Name, item.Format)
		}
	case typeIs(item.Type, "number"):
		a.Kind, a.Min, a.Max = kindNumber, item.Minimum, item.Maximum
	case typeIs(item.Type, "integer"):
		if item.Minimum != nil || item.Maximum != nil {
			return fmt.Errorf("%s.%s: integer bounds are not supported", cname, a.Name)
		}
		a.Kind = kindInteger
	default:
		return fmt.Errorf("%s.%s: unsupported type %v", cname, a.Name, item.Type)
	}
	if a.List && (a.Kind == kindNumber || a.Kind == kindRaw) {
		return fmt.Errorf("%s.%s: lists of this type are not supported", cname, a.Name)
	}
	if !a.List && a.Kind == kindInteger && a.Required {
		return fmt.Errorf("%s.%s: required integers are not supported", cname, a.Name)
	}
	return nil
}

func typeIs(t any, want string) bool {
	switch t := t.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if x == want {
				return true
			}
		}
	}
	return false
}

func newEnum(def, goName, doc string, values []string) *enum {
	e := &enum{Def: def, GoName: goName, Doc: doc, Values: values}
	used := map[string]int{}
	for _, v := range values {
		name := goName + constName(v)
		used[name]++
		if n := used[name]; n > 1 {
			name = fmt.Sprintf("%s%d", name, n)
		}
		e.Consts = append(e.Consts, name)
	}
	return e
}

// enumGoName derives the Go type name of an enum definition: "causeEnum" →
// "Cause", "analyzerMethodEnum" → "AnalyzerMethod".
func enumGoName(def string) string {
	if n, ok := enumTypeName(def); ok {
		return n
	}
	base := strings.TrimSuffix(def, "Enum")
	return strings.ToUpper(base[:1]) + base[1:]
}

// constName turns an enum value into the suffix of a Go identifier: every run
// of characters that are not letters or digits is a word break, and each word
// starts with an upper-case letter ("Recon.Scanning" → "ReconScanning",
// "ext-value" → "ExtValue", "PHY.1D-LAS" → "PHY1DLAS").
func constName(v string) string {
	var b strings.Builder
	upper := true
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goFieldName turns an attribute name into a Go field name ("ext-Category"
// → "ExtCategory").
func goFieldName(name string) string {
	return constName(name)
}

// firstSentence shortens a schema description for a doc comment.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for from := 0; ; {
		i := strings.Index(s[from:], ". ")
		if i < 0 {
			return s
		}
		end := from + i
		if strings.HasSuffix(s[:end], "e.g") || strings.HasSuffix(s[:end], "i.e") {
			from = end + 2
			continue
		}
		return s[:end+1]
	}
}
