package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fileSet is one rule set file as written (docs/PARSING-RULES.md).
type fileSet struct {
	Name        string                       `yaml:"ruleset"`
	Description string                       `yaml:"description"`
	Match       fileMatch                    `yaml:"match"`
	Patterns    map[string]string            `yaml:"patterns"`
	Lookups     map[string]map[string]string `yaml:"lookups"`
	Map         map[string]any               `yaml:"map"`
	Rules       []fileRule                   `yaml:"rules"`
}

// fileMatch selects the events a set applies to; every given part must hold.
type fileMatch struct {
	Program  []string `yaml:"program"`
	Facility []string `yaml:"facility"`
	Input    []string `yaml:"input"`
	When     string   `yaml:"when"`
}

// fileRule is one rule.
type fileRule struct {
	ID          string         `yaml:"id"`
	Description string         `yaml:"description"`
	Grok        string         `yaml:"grok"`
	Regex       string         `yaml:"regex"`
	Literals    []string       `yaml:"literals"`
	Where       map[string]any `yaml:"where"`
	Alert       *bool          `yaml:"alert"`
	Map         map[string]any `yaml:"map"`
	Samples     []fileSample   `yaml:"samples"`
	line        int
}

// fileSample is a sample event with the partial alert it must produce.
type fileSample struct {
	Line   string         `yaml:"line"`
	Event  fileEvent      `yaml:"event"`
	Fields map[string]any `yaml:"fields"`
	Expect map[string]any `yaml:"expect"`
	line   int
}

// fileEvent overrides the sample event's header.
type fileEvent struct {
	Program  string `yaml:"program"`
	Host     string `yaml:"host"`
	Facility string `yaml:"facility"`
	Input    string `yaml:"input"`
	Time     string `yaml:"time"`
}

// Error is a problem in a rule file, with where it is.
type Error struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// decodeFile strictly decodes one rule file: unknown keys are errors with
// their line.
func decodeFile(name string, data []byte) (*fileSet, error) {
	var fs fileSet
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fs); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "empty file"}
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var errs []error
			for _, m := range te.Errors {
				errs = append(errs, lineError(name, m))
			}
			return nil, errors.Join(errs...)
		}
		return nil, lineError(name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// Positions of rules and samples, for later errors.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && len(root.Content) == 1 {
		if rules := mapValue(root.Content[0], "rules"); rules != nil && rules.Kind == yaml.SequenceNode {
			for i, rn := range rules.Content {
				if i >= len(fs.Rules) {
					break
				}
				fs.Rules[i].line = rn.Line
				if ss := mapValue(rn, "samples"); ss != nil && ss.Kind == yaml.SequenceNode {
					for j, sn := range ss.Content {
						if j < len(fs.Rules[i].Samples) {
							fs.Rules[i].Samples[j].line = sn.Line
						}
					}
				}
			}
		}
	}
	return &fs, nil
}

// lineError turns a yaml.v3 message "line N: …" into an Error.
func lineError(file, msg string) *Error {
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		return &Error{File: file, Line: n, Msg: m[2]}
	}
	return &Error{File: file, Msg: msg}
}

// mapValue returns the value node of key in a mapping node.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Source is one rule file's name and content.
type Source struct {
	Name string
	Data []byte
}

// ReadFS reads the files of fsys that match any of the glob patterns
// (fs.Glob syntax; none means "*.yaml"), sorted by name.
func ReadFS(fsys fs.FS, patterns ...string) ([]Source, error) {
	if len(patterns) == 0 {
		patterns = []string{"*.yaml"}
	}
	seen := map[string]bool{}
	var names []string
	for _, p := range patterns {
		m, err := fs.Glob(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("parse: rule files %q: %w", p, err)
		}
		for _, n := range m {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	var out []Source
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("parse: read rule file: %w", err)
		}
		out = append(out, Source{Name: n, Data: data})
	}
	return out, nil
}

// ReadPaths reads rule files and directories (every *.yaml and *.yml file
// of a directory, sorted).
func ReadPaths(paths []string) ([]Source, error) {
	var out []Source
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("parse: rule files: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			for _, g := range []string{"*.yaml", "*.yml"} {
				m, _ := filepath.Glob(filepath.Join(p, g))
				files = append(files, m...)
			}
			sort.Strings(files)
			if len(files) == 0 {
				return nil, fmt.Errorf("parse: rule directory %s has no *.yaml file", p)
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("parse: read rule file: %w", err)
			}
			out = append(out, Source{Name: f, Data: data})
		}
	}
	return out, nil
}
