package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/parse"
)

// buildParser loads the parsing rules that inputs.parsing names: the shipped
// rule sets, then the files of the rules directory, a file named like a
// shipped one replacing it. It returns nil when there are no rules at all,
// so that log events are only stored.
func buildParser(cfg *config.Config) (LogParser, []string, error) {
	var srcs []parse.Source
	if cfg.Inputs.Parsing.Builtin {
		builtin, err := parse.BuiltinSources()
		if err != nil {
			return nil, nil, fmt.Errorf("shipped parsing rules: %w", err)
		}
		srcs = builtin
	}
	dir := cfg.ParsingRulesDir()
	switch _, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, nil, fmt.Errorf("inputs.parsing.rules_dir: %w", err)
	default:
		own, err := parse.ReadPaths([]string{dir})
		if err != nil {
			return nil, nil, fmt.Errorf("inputs.parsing.rules_dir: %w", err)
		}
		srcs = overlay(srcs, own)
	}
	if len(srcs) == 0 {
		return nil, nil, nil
	}
	e, err := parse.New(srcs, parse.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("parsing rules: %w", err)
	}
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Name
	}
	return e, names, nil
}

// overlay returns base with each source of own replacing the base source of
// the same file name, and the others appended.
func overlay(base, own []parse.Source) []parse.Source {
	out := make([]parse.Source, 0, len(base)+len(own))
	replaced := make(map[string]bool, len(own))
	for _, o := range own {
		replaced[filepath.Base(o.Name)] = true
	}
	for _, b := range base {
		if !replaced[filepath.Base(b.Name)] {
			out = append(out, b)
		}
	}
	return append(out, own...)
}
