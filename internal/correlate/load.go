package correlate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Source is a set of rule files: a directory or an embedded file system.
type Source struct {
	// Name prefixes the file names in messages and rule listings, e.g.
	// "presets" or the directory path.
	Name string
	FS   fs.FS
}

// maxRuleFiles bounds the files one source may hold.
const maxRuleFiles = 10000

// isRuleFile reports whether a file name is a YAML rule file.
func isRuleFile(name string) bool {
	return (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")) && !strings.HasPrefix(path.Base(name), ".")
}

// LoadRules reads every *.yml and *.yaml file of the sources (recursively,
// in lexical order) and compiles them together. It returns the rule set,
// or nil and an *Error when any rule is invalid, and every problem found,
// warnings included.
func LoadRules(sources []Source, compile CompileFunc) (*Ruleset, []Problem, error) {
	var all []*Rule
	var probs []Problem
	for _, src := range sources {
		rules, ps := loadSource(src, compile)
		all = append(all, rules...)
		probs = append(probs, ps...)
	}
	var errs []Problem
	for _, p := range probs {
		if !p.Warning {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		return nil, probs, &Error{Problems: errs}
	}
	rs, err := Compile(all)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			probs = append(probs, e.Problems...)
		}
		return nil, probs, err
	}
	return rs, probs, nil
}

func loadSource(src Source, compile CompileFunc) ([]*Rule, []Problem) {
	files, err := ruleFiles(src.FS)
	if err != nil {
		return nil, []Problem{{File: src.Name, Message: err.Error()}}
	}
	var rules []*Rule
	var probs []Problem
	for _, f := range files {
		name := path.Join(src.Name, f)
		data, err := fs.ReadFile(src.FS, f)
		if err != nil {
			probs = append(probs, Problem{File: name, Message: err.Error()})
			continue
		}
		rs, ps := ParseFile(name, data, compile)
		rules = append(rules, rs...)
		probs = append(probs, ps...)
	}
	return rules, probs
}

func ruleFiles(fsys fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if !d.IsDir() && isRuleFile(p) {
			if len(files) == maxRuleFiles {
				return fmt.Errorf("more than %d rule files", maxRuleFiles)
			}
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list rule files: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// Fingerprint summarises the rule files of the sources (names, sizes and
// modification times), so that a poller can tell when to reload.
func Fingerprint(sources []Source) string {
	var b strings.Builder
	for _, src := range sources {
		files, err := ruleFiles(src.FS)
		if err != nil {
			fmt.Fprintf(&b, "%s:error:%v\n", src.Name, err)
			continue
		}
		for _, f := range files {
			fi, err := fs.Stat(src.FS, f)
			if err != nil {
				fmt.Fprintf(&b, "%s/%s:error\n", src.Name, f)
				continue
			}
			fmt.Fprintf(&b, "%s/%s:%d:%d\n", src.Name, f, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

// Reloader reloads rules when their files change.
type Reloader struct {
	Sources []Source
	Compile CompileFunc
	last    string
}

// Check reloads when the files changed since the last call (the first
// call always loads). It returns the new rule set (nil when unchanged),
// the problems and the load error; on error the caller keeps its rules.
func (r *Reloader) Check() (*Ruleset, []Problem, error) {
	fp := Fingerprint(r.Sources)
	if fp == r.last {
		return nil, nil, nil
	}
	rs, probs, err := LoadRules(r.Sources, r.Compile)
	r.last = fp
	return rs, probs, err
}

// DefaultReloadInterval is how often a Stage polls its rule directory.
const DefaultReloadInterval = 5 * time.Second
