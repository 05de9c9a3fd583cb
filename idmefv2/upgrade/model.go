package upgrade

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// valueKind says what an attribute holds, as far as the repairs care.
type valueKind int

const (
	kindString valueKind = iota
	kindInteger
	kindNumber
	kindEnum
	kindUUID
	kindTimestamp
	kindObject  // a nested class
	kindContent // Attachment.Content: an object or a string, left alone
)

// attr describes one attribute of a V08 class.
type attr struct {
	list  bool      // the schema wants an array
	kind  valueKind // of the value, or of each item when list
	enum  string    // definition name when kind is kindEnum
	class string    // class name when kind is kindObject
}

// class describes one V08 class: its attributes in schema order.
type class struct {
	order []string
	attrs map[string]attr
}

// model is the V08 schema seen as classes and enums, read once from the embedded schema so
// the repairs follow the schema rather than a hand-written copy of it.
type model struct {
	classes map[string]*class            // "Alert", "Analyzer", "Sensor", "Source", "Target", "Attachment"
	enums   map[string]map[string]bool   // definition name → allowed values
	lists   map[string][]string          // definition name → values in schema order
	folded  map[string]map[string]string // definition name → fold(value) → value, for unique folds
}

// schemaNode is the part of a JSON-schema node the model reads.
type schemaNode struct {
	Ref        string                     `json:"$ref"`
	Type       any                        `json:"type"`
	Items      *schemaNode                `json:"items"`
	Properties orderedProps               `json:"properties"`
	Enum       []string                   `json:"enum"`
	Defs       map[string]json.RawMessage `json:"definitions"`
}

// orderedProps keeps the properties of a schema object in document order.
type orderedProps struct {
	names []string
	nodes map[string]*schemaNode
}

func (p *orderedProps) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if _, err := dec.Token(); err != nil {
		return err
	}
	p.nodes = map[string]*schemaNode{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var n schemaNode
		if err := dec.Decode(&n); err != nil {
			return fmt.Errorf("property %s: %w", name, err)
		}
		p.names = append(p.names, name)
		p.nodes[name] = &n
	}
	return nil
}

// loadModel reads the V08 classes and enums from the embedded schema.
func loadModel() (*model, error) {
	raw, err := schema.Source(targetDraft)
	if err != nil {
		return nil, err
	}
	var root schemaNode
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("read %s schema: %w", targetDraft, err)
	}
	m := &model{
		classes: map[string]*class{},
		enums:   map[string]map[string]bool{},
		lists:   map[string][]string{},
		folded:  map[string]map[string]string{},
	}
	for name, def := range root.Defs {
		var n schemaNode
		if err := json.Unmarshal(def, &n); err != nil {
			return nil, fmt.Errorf("read %s definition %s: %w", targetDraft, name, err)
		}
		if len(n.Enum) > 0 {
			m.addEnum(name, n.Enum)
		}
	}
	m.addClass("Alert", &root)
	return m, nil
}

func (m *model) addEnum(name string, values []string) {
	set := make(map[string]bool, len(values))
	folds := map[string]string{}
	dup := map[string]bool{}
	for _, v := range values {
		set[v] = true
		f := fold(v)
		if _, seen := folds[f]; seen {
			dup[f] = true
		}
		folds[f] = v
	}
	for f := range dup {
		delete(folds, f)
	}
	m.enums[name], m.lists[name], m.folded[name] = set, values, folds
}

// addClass records a class and, recursively, the classes nested in it.
func (m *model) addClass(name string, n *schemaNode) {
	c := &class{order: n.Properties.names, attrs: map[string]attr{}}
	m.classes[name] = c
	for _, prop := range n.Properties.names {
		node := n.Properties.nodes[prop]
		var a attr
		if node.Type == "array" && node.Items != nil {
			a.list = true
			node = node.Items
		}
		switch {
		case node.Ref != "":
			def := strings.TrimPrefix(node.Ref, "#/definitions/")
			switch {
			case def == "uuidType":
				a.kind = kindUUID
			case def == "timestampType":
				a.kind = kindTimestamp
			case strings.HasSuffix(def, "Enum"):
				a.kind, a.enum = kindEnum, def
			}
		case len(node.Properties.names) > 0:
			a.kind, a.class = kindObject, prop
			m.addClass(prop, node)
		case node.Type == "integer":
			a.kind = kindInteger
		case node.Type == "number":
			a.kind = kindNumber
		case node.Type != "string" && node.Type != nil:
			a.kind = kindContent
		}
		c.attrs[prop] = a
	}
}

// fold is the key for lenient enum matching: case and white space ignored, so "signature"
// matches "Signature" and "Information. UnauthorizedModification" its spaceless form.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}
