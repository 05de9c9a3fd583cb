package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a rule: where it is (file, document, line, the
// YAML path) and what is wrong.
type Error struct {
	Source string // file name, when known
	Rule   string // rule title (or name/id), when known
	Line   int    // 1-based line in the file, 0 when unknown
	Path   string // location inside the rule, e.g. "detection.selection.Target_Service|contains"
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sigma: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Meta is a rule's descriptive metadata (Sigma specification fields plus
// Concerto's "idmefv2" attribute and any other custom attribute).
type Meta struct {
	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	License        string
	Author         string
	Date           string
	Modified       string
	Level          string
	Tags           []string
	References     []string
	FalsePositives []string
	Fields         []string
	Related        []Related
	LogSource      LogSource
	// IDMEFv2 is Concerto's "idmefv2" attribute: IDMEFv2 attributes
	// (Category, Priority, Description…) for the alerts a correlation
	// emits, kept as decoded YAML data.
	IDMEFv2 map[string]any
	// Custom holds every other non-standard top-level attribute.
	Custom map[string]any
}

// Related is an entry of the "related" list.
type Related struct {
	ID   string
	Type string
}

// LogSource is the "logsource" section.
type LogSource struct {
	Category   string
	Product    string
	Service    string
	Definition string
	Custom     map[string]string
}

// RuleSpec is a parsed, not yet compiled, Sigma detection rule.
type RuleSpec struct {
	Meta
	Detection Detection
	// Source names the file the rule came from (for messages); Line is
	// where its document starts.
	Source string
	Line   int
	// Node is the rule's YAML mapping.
	Node *yaml.Node
}

// Detection is the "detection" section: named searches and the
// condition(s).
type Detection struct {
	Searches   []Search // in document order
	Conditions []string // one, or several (deprecated list form: OR)
	// Timeframe is the deprecated "timeframe" key (kept for Lint).
	Timeframe string
	Node      *yaml.Node
}

// Search is one search identifier with its YAML definition.
type Search struct {
	Name string
	Node *yaml.Node
}

// DocKind tells what a YAML document of a rule file holds.
type DocKind int

// Kinds of documents in a rule file.
const (
	KindUnknown     DocKind = iota
	KindDetection           // has "detection"
	KindCorrelation         // has "correlation"
	KindFilter              // has "filter" (Sigma meta filter)
)

func (k DocKind) String() string {
	switch k {
	case KindDetection:
		return "detection"
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "unknown"
}

// Document is one YAML document of a rule file.
type Document struct {
	Kind  DocKind
	Index int // 0-based position in the file
	Line  int // 1-based line where the document starts
	Title string
	Name  string
	ID    string
	// Rule is the parsed detection rule (KindDetection only).
	Rule *RuleSpec
	// Node is the document's top-level mapping, for correlation and filter
	// documents to be parsed by their own packages.
	Node *yaml.Node
	// Raw is the document re-encoded as YAML.
	Raw []byte
}

// ParseFile splits a (multi-document) YAML rule file and parses each
// document: detection rules into Document.Rule, correlation and filter
// documents kept as YAML. Errors name the document and line.
func ParseFile(data []byte) ([]Document, error) { return ParseNamedFile("", data) }

// ParseNamedFile is ParseFile with the file name used in messages.
func ParseNamedFile(name string, data []byte) ([]Document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for i := 0; ; i++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{Source: name, Msg: fmt.Sprintf("document %d: invalid YAML: %v", i+1, err)}
		}
		if len(root.Content) == 0 {
			continue // empty document ("---" at the end)
		}
		doc, err := parseDocument(name, i, root.Content[0])
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil, &Error{Source: name, Msg: "no YAML document"}
	}
	return docs, nil
}

// ParseRule parses a single detection rule.
func ParseRule(data []byte) (*RuleSpec, error) {
	docs, err := ParseFile(data)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 || docs[0].Kind != KindDetection {
		return nil, &Error{Msg: fmt.Sprintf("want one detection rule, got %d document(s) (first is %s); use ParseFile for rule collections", len(docs), docs[0].Kind)}
	}
	return docs[0].Rule, nil
}

func parseDocument(file string, index int, n *yaml.Node) (Document, error) {
	doc := Document{Index: index, Line: n.Line, Node: n}
	if n.Kind != yaml.MappingNode {
		return doc, &Error{Source: file, Line: n.Line, Msg: fmt.Sprintf("document %d: a rule must be a YAML mapping, not %s", index+1, kindName(n))}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "title":
			doc.Title = v.Value
		case "name":
			doc.Name = v.Value
		case "id":
			doc.ID = v.Value
		case "detection":
			doc.Kind = KindDetection
		case "correlation":
			doc.Kind = KindCorrelation
		case "filter":
			doc.Kind = KindFilter
		}
	}
	if doc.Kind == KindUnknown {
		return doc, &Error{Source: file, Rule: doc.Title, Line: n.Line, Msg: fmt.Sprintf("document %d: no detection, correlation or filter section: not a Sigma rule", index+1)}
	}
	raw, err := yaml.Marshal(n)
	if err != nil {
		return doc, &Error{Source: file, Line: n.Line, Msg: fmt.Sprintf("document %d: %v", index+1, err)}
	}
	doc.Raw = raw
	if doc.Kind == KindDetection {
		spec, err := parseSpec(file, n)
		if err != nil {
			return doc, err
		}
		doc.Rule = spec
	}
	return doc, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "empty"
}

// parseSpec reads the metadata and detection section of a rule mapping.
func parseSpec(file string, n *yaml.Node) (*RuleSpec, error) {
	spec := &RuleSpec{Source: file, Line: n.Line, Node: n}
	errAt := func(at *yaml.Node, path, format string, args ...any) error {
		return &Error{Source: file, Rule: spec.ruleName(), Line: at.Line, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	var detection *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		k := kn.Value
		var err error
		str := func(dst *string) {
			if v.Kind != yaml.ScalarNode {
				err = errAt(v, k, "must be a string, not %s", kindName(v))
				return
			}
			*dst = v.Value
		}
		list := func(dst *[]string) { *dst, err = stringList(v, k, errAt) }
		switch k {
		case "title":
			str(&spec.Title)
		case "id":
			str(&spec.ID)
		case "name":
			str(&spec.Name)
		case "status":
			str(&spec.Status)
		case "description":
			str(&spec.Description)
		case "license":
			str(&spec.License)
		case "author":
			str(&spec.Author)
		case "date":
			str(&spec.Date)
		case "modified":
			str(&spec.Modified)
		case "level":
			str(&spec.Level)
		case "tags":
			list(&spec.Tags)
		case "references":
			list(&spec.References)
		case "falsepositives":
			list(&spec.FalsePositives)
		case "fields":
			list(&spec.Fields)
		case "related":
			spec.Related, err = parseRelated(v, errAt)
		case "logsource":
			spec.LogSource, err = parseLogSource(v, errAt)
		case "detection":
			detection = v
		case "idmefv2":
			if v.Kind != yaml.MappingNode {
				err = errAt(v, k, "must be a mapping of IDMEFv2 attributes, not %s", kindName(v))
				break
			}
			err = v.Decode(&spec.IDMEFv2)
		default:
			var x any
			if err = v.Decode(&x); err == nil {
				if spec.Custom == nil {
					spec.Custom = map[string]any{}
				}
				spec.Custom[k] = x
			}
		}
		if err != nil {
			var se *Error
			if errors.As(err, &se) {
				return nil, err
			}
			return nil, errAt(v, k, "%v", err)
		}
	}
	if spec.Title == "" {
		return nil, errAt(n, "title", "missing: a rule needs a title")
	}
	if detection == nil {
		return nil, errAt(n, "detection", "missing")
	}
	det, err := parseDetection(detection, errAt)
	if err != nil {
		return nil, err
	}
	spec.Detection = det
	return spec, nil
}

type errAtFunc func(at *yaml.Node, path, format string, args ...any) error

func stringList(v *yaml.Node, path string, errAt errAtFunc) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil
		}
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for i, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, errAt(it, fmt.Sprintf("%s[%d]", path, i), "must be a string, not %s", kindName(it))
			}
			out = append(out, it.Value)
		}
		return out, nil
	}
	return nil, errAt(v, path, "must be a list of strings, not %s", kindName(v))
}

func parseRelated(v *yaml.Node, errAt errAtFunc) ([]Related, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, errAt(v, "related", "must be a list of {id, type}, not %s", kindName(v))
	}
	var out []Related
	for i, it := range v.Content {
		var r struct {
			ID   string `yaml:"id"`
			Type string `yaml:"type"`
		}
		if err := it.Decode(&r); err != nil {
			return nil, errAt(it, fmt.Sprintf("related[%d]", i), "%v", err)
		}
		out = append(out, Related{ID: r.ID, Type: r.Type})
	}
	return out, nil
}

func parseLogSource(v *yaml.Node, errAt errAtFunc) (LogSource, error) {
	var ls LogSource
	if v.Kind != yaml.MappingNode {
		return ls, errAt(v, "logsource", "must be a mapping (category, product, service…), not %s", kindName(v))
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i].Value, v.Content[i+1]
		if val.Kind != yaml.ScalarNode {
			return ls, errAt(val, "logsource."+k, "must be a string, not %s", kindName(val))
		}
		switch k {
		case "category":
			ls.Category = val.Value
		case "product":
			ls.Product = val.Value
		case "service":
			ls.Service = val.Value
		case "definition":
			ls.Definition = val.Value
		default:
			if ls.Custom == nil {
				ls.Custom = map[string]string{}
			}
			ls.Custom[k] = val.Value
		}
	}
	return ls, nil
}

func parseDetection(v *yaml.Node, errAt errAtFunc) (Detection, error) {
	det := Detection{Node: v}
	if v.Kind != yaml.MappingNode {
		return det, errAt(v, "detection", "must be a mapping of search identifiers and a condition, not %s", kindName(v))
	}
	var condNode *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		kn, val := v.Content[i], v.Content[i+1]
		switch kn.Value {
		case "condition":
			condNode = val
		case "timeframe":
			det.Timeframe = val.Value
		default:
			for _, s := range det.Searches {
				if s.Name == kn.Value {
					return det, errAt(kn, "detection."+kn.Value, "search identifier defined twice")
				}
			}
			det.Searches = append(det.Searches, Search{Name: kn.Value, Node: val})
		}
	}
	if condNode == nil {
		return det, errAt(v, "detection.condition", "missing")
	}
	conds, err := stringList(condNode, "detection.condition", errAt)
	if err != nil {
		return det, err
	}
	if len(conds) == 0 {
		return det, errAt(condNode, "detection.condition", "empty")
	}
	det.Conditions = conds
	return det, nil
}

// ruleName names the rule in messages: title, else name, else id.
func (s *RuleSpec) ruleName() string {
	switch {
	case s.Title != "":
		return s.Title
	case s.Name != "":
		return s.Name
	}
	return s.ID
}
