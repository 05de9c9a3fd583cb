package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration: the defaults, then the file at path (none
// when path is empty), then the VIGIE_ environment overrides; and
// validates the result. Every problem found is reported in one *Error.
func Load(path string) (*Config, error) {
	return LoadEnv(path, os.Environ())
}

// LoadEnv is Load with the environment given as KEY=VALUE strings, as
// os.Environ returns them.
func LoadEnv(path string, environ []string) (*Config, error) {
	c := Default()
	lines := map[string]int{}
	var fileProbs []Problem // problems of the file, reported with the rest
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("config: working directory: %w", err)
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		lookup := envLookup(environ)
		fileProbs = decode(data, c, lines)
		if fatal(fileProbs) {
			return nil, &Error{File: path, Problems: fileProbs}
		}
		fileProbs = append(fileProbs, expandAll(c, lookup, lines)...)
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		resolvePaths(c, filepath.Dir(abs))
	} else {
		resolvePaths(c, cwd)
	}
	fromEnv, envProbs := applyEnv(c, environ, cwd)
	probs := append(fileProbs, envProbs...)
	var ve *Error
	if err := c.Validate(); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			base, _, _ := strings.Cut(p.Path, "[")
			if reported(probs, base) {
				continue // its value did not decode: the default is being validated
			}
			if env, ok := fromEnv[base]; ok {
				p.Env = env
			} else {
				p.Line = lines[base]
			}
			probs = append(probs, p)
		}
	}
	if len(probs) > 0 {
		return nil, &Error{File: path, Problems: probs}
	}
	return c, nil
}

// reported reports whether a problem about path is already listed.
func reported(probs []Problem, path string) bool {
	for _, p := range probs {
		if p.Path == path {
			return true
		}
	}
	return false
}

// Parse decodes a configuration document over the defaults, strictly,
// without environment overrides, path resolution or validation. It is
// what Load does with the file's bytes.
func Parse(data []byte) (*Config, error) {
	c := Default()
	if probs := decode(data, c, map[string]int{}); len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}
	return c, nil
}

// decode checks the version, refuses unknown keys and decodes data into c.
// lines receives the line of every key by setting path.
func decode(data []byte, c *Config, lines map[string]int) []Problem {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return []Problem{emptyFile()}
		}
		return []Problem{{Msg: strings.TrimPrefix(err.Error(), "yaml: "), Err: ErrSyntax}}
	}
	if len(doc.Content) == 0 {
		return []Problem{emptyFile()}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return []Problem{{Line: extra.Line, Msg: "the file holds more than one YAML document", Err: ErrSyntax}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return []Problem{{Line: root.Line, Msg: "the file must be a mapping of settings (key: value)", Err: ErrSyntax}}
	}
	if p, ok := checkVersion(root); !ok {
		return []Problem{p}
	}
	var probs []Problem
	if p, ok := aliasCycle(root, map[*yaml.Node]bool{}); ok {
		return []Problem{p}
	}
	checkKeys(root, reflect.TypeFor[Config](), "", lines, &probs)
	// Decode even with unknown keys (they are skipped), so that the
	// values' problems are reported in the same run.
	if err := root.Decode(c); err != nil {
		probs = append(probs, typeProblems(err, valueLines(root, ""))...)
	}
	return probs
}

// fatal reports whether problems stop loading before validation: a wrong
// version or broken YAML says nothing reliable about the values.
func fatal(probs []Problem) bool {
	for _, p := range probs {
		if errors.Is(p.Err, ErrVersion) || errors.Is(p.Err, ErrSyntax) {
			return true
		}
	}
	return false
}

func emptyFile() Problem {
	return Problem{Msg: fmt.Sprintf("the file is empty; it needs at least \"version: %d\"", CurrentVersion), Err: ErrVersion}
}

func checkVersion(root *yaml.Node) (Problem, bool) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "version" {
			continue
		}
		v := root.Content[i+1]
		if n, err := strconv.Atoi(v.Value); err != nil || v.Kind != yaml.ScalarNode || n != CurrentVersion {
			return Problem{Path: "version", Line: v.Line, Value: v.Value, Err: ErrVersion,
				Msg: fmt.Sprintf("this Vigie reads configuration version %d only", CurrentVersion)}, false
		}
		return Problem{}, true
	}
	return Problem{Line: root.Line, Err: ErrVersion,
		Msg: fmt.Sprintf("missing \"version: %d\" (it comes first, so that a newer file is refused as a whole)", CurrentVersion)}, false
}

// checkKeys reports every key of n that t has no field for.
func checkKeys(n *yaml.Node, t reflect.Type, prefix string, lines map[string]int, probs *[]Problem) {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return // "section:" with nothing under it keeps the defaults
		}
		*probs = append(*probs, Problem{Path: strings.TrimSuffix(prefix, "."), Line: n.Line, Err: ErrInvalid,
			Msg: "want a mapping of settings (key: value)"})
		return
	}
	known := map[string]reflect.Type{}
	for i := range t.NumField() {
		if k := yamlKey(t.Field(i)); k != "" {
			known[k] = t.Field(i).Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" { // a YAML merge key: its mapping must fit t too
			checkKeys(v, t, prefix, lines, probs)
			continue
		}
		path := prefix + k.Value
		lines[path] = k.Line
		ft, ok := known[k.Value]
		if !ok {
			*probs = append(*probs, Problem{Path: path, Line: k.Line, Err: ErrUnknownSetting, Msg: unknownMsg(k.Value, prefix, known)})
			continue
		}
		if !isLeaf(ft) {
			checkKeys(v, ft, path+".", lines, probs)
		}
	}
}

// aliasCycle finds an anchor whose value refers to itself (e.g. a merge
// key pointing at its own mapping), which would make any walk endless.
// Nodes are coloured as in a depth-first search (open: on the current
// path; done: fully explored), so that each is explored once even when
// aliases fan out ("billion laughs").
func aliasCycle(n *yaml.Node, state map[*yaml.Node]bool) (Problem, bool) {
	if open, seen := state[n]; seen {
		if open {
			return Problem{Line: n.Line, Err: ErrSyntax, Msg: fmt.Sprintf("anchor &%s refers to itself", n.Anchor)}, true
		}
		return Problem{}, false
	}
	state[n] = true
	defer func() { state[n] = false }()
	kids := n.Content
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		kids = []*yaml.Node{n.Alias}
	}
	for _, c := range kids {
		if p, ok := aliasCycle(c, state); ok {
			return p, true
		}
	}
	return Problem{}, false
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func unknownMsg(key, prefix string, known map[string]reflect.Type) string {
	msg := "unknown setting"
	if prefix == "" {
		msg = "unknown setting or section (this version of Vigie does not have it)"
	}
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if closeTo(key, k) {
			return msg + fmt.Sprintf("; did you mean %q?", k)
		}
	}
	return msg + "; known here: " + strings.Join(keys, ", ")
}

// closeTo reports whether a and b differ by at most one edit or only in
// case and separators (maxBatchBytes vs max_batch_bytes).
func closeTo(a, b string) bool {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	if norm(a) == norm(b) {
		return true
	}
	return editDistance(a, b) <= 1
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours ("brust").
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// valueLines maps the line of every scalar value to its setting path, to
// put paths into the decoder's "line N: cannot unmarshal …" messages.
func valueLines(n *yaml.Node, prefix string) map[int]string {
	out := map[int]string{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		// Aliases are not followed: the decoder's errors about an alias's
		// content name the anchor's lines, which the anchor's own walk
		// maps, and following them could take exponential time.
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := path
				if n.Content[i].Value != "<<" {
					p = strings.TrimPrefix(path+"."+n.Content[i].Value, ".")
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			if _, seen := out[n.Line]; !seen {
				out[n.Line] = path
			}
		}
	}
	walk(n, prefix)
	return out
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// typeProblems turns the decoder's errors into Problems with paths.
func typeProblems(err error, paths map[int]string) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Msg: err.Error(), Err: ErrInvalid}}
	}
	probs := make([]Problem, 0, len(te.Errors))
	for _, e := range te.Errors {
		p := Problem{Msg: e, Err: ErrInvalid}
		if m := lineRE.FindStringSubmatch(e); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
			p.Path = paths[p.Line]
		}
		p.Msg = strings.Replace(p.Msg, "cannot unmarshal", "cannot read", 1)
		if strings.Contains(p.Msg, "already defined") {
			p.Err = ErrSyntax // a duplicate key
		}
		if len(probs) > 0 && probs[len(probs)-1] == p {
			continue // an alias repeats the same error
		}
		probs = append(probs, p)
	}
	return probs
}
