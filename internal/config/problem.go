package config

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels wrapped by every Problem, for callers that branch on the kind.
var (
	// ErrVersion: the version key is missing or not CurrentVersion.
	ErrVersion = errors.New("unsupported configuration version")
	// ErrSyntax: the file is not well-formed YAML.
	ErrSyntax = errors.New("yaml syntax error")
	// ErrUnknownSetting: a key or VIGIE_ variable names no setting.
	ErrUnknownSetting = errors.New("unknown setting")
	// ErrInvalid: a value has the wrong type or is out of range.
	ErrInvalid = errors.New("invalid value")
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Path is the setting, e.g. "ingest.rate_limit.burst"; empty for a
	// problem with the file as a whole.
	Path string
	// Line is the line in the file, 0 when unknown or not from the file.
	Line int
	// Env is the environment variable the value came from, if any.
	Env string
	// Value is the offending value as written, when there is one.
	Value string
	// Msg says what is wrong and what is expected.
	Msg string
	// Err is one of the sentinels above.
	Err error
}

func (p Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		if p.Env != "" {
			fmt.Fprintf(&b, " (from %s)", p.Env)
		}
		if p.Value != "" {
			fmt.Fprintf(&b, " = %q", p.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

func (p Problem) Unwrap() error { return p.Err }

// Error lists every problem found in a configuration. errors.Is finds the
// sentinels of its problems.
type Error struct {
	// File is the configuration file, empty for defaults and environment.
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("invalid configuration")
	if e.File != "" {
		fmt.Fprintf(&b, " %s", e.File)
	}
	if len(e.Problems) == 1 {
		return b.String() + ": " + e.Problems[0].Error()
	}
	fmt.Fprintf(&b, ": %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap gives the problems, so that errors.Is sees their sentinels.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}
