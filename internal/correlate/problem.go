package correlate

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is something wrong (or dubious) in a rule file, located by file,
// line, rule and key.
type Problem struct {
	File    string // the file, as given to the loader
	Line    int    // 1-based; 0 when unknown
	Rule    string // the rule's name, id or title; empty for a file-level problem
	Key     string // the rule key at fault, e.g. "correlation.timespan"
	Message string
	Warning bool // a deviation Vigie accepts (the rule loads)
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", p.Rule)
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists the problems that stopped rules from loading.
type Error struct {
	Problems []Problem // errors only
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "correlation rules: " + strings.Join(msgs, "; ")
}

// ErrInvalidRule matches every *Error (errors.Is).
var ErrInvalidRule = errors.New("invalid correlation rule")

// Is makes errors.Is(err, ErrInvalidRule) true.
func (e *Error) Is(target error) bool { return target == ErrInvalidRule }

// problems collects the problems of a load.
type problems struct {
	list []Problem
}

func (ps *problems) add(p Problem) { ps.list = append(ps.list, p) }

func (ps *problems) errs() []Problem {
	var out []Problem
	for _, p := range ps.list {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}
