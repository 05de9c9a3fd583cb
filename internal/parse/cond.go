package parse

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// cond is one where condition on a field.
type cond struct {
	name   string
	ref    ref
	in     []string       // equals one of
	re     *regexp.Regexp // matches
	negate bool
	exists *bool
}

// compileCond compiles "field: value", "field: [a, b]",
// "field: {regex: …}", "field: {not: …}" or "field: {exists: bool}".
func compileCond(name string, v any, fields []string, consts map[string]string) (cond, error) {
	r, err := resolve(name, fields, consts)
	if err != nil {
		return cond{}, err
	}
	c := cond{name: name, ref: r}
	if m, ok := v.(map[string]any); ok {
		if len(m) != 1 {
			return cond{}, fmt.Errorf("an object condition has exactly one of regex, not, exists")
		}
		for k, x := range m {
			switch k {
			case "regex":
				s, ok := x.(string)
				if !ok {
					return cond{}, fmt.Errorf("regex: a string is required")
				}
				if c.re, err = regexp.Compile(s); err != nil {
					return cond{}, fmt.Errorf("regex: %w", err)
				}
			case "not":
				c.negate = true
				c.in = scalars(x)
			case "exists":
				b, ok := x.(bool)
				if !ok {
					return cond{}, fmt.Errorf("exists: true or false is required")
				}
				c.exists = &b
			default:
				return cond{}, fmt.Errorf("unknown condition %q (regex, not, exists)", k)
			}
		}
		return c, nil
	}
	c.in = scalars(v)
	return c, nil
}

// scalars reads a scalar or a list of scalars.
func scalars(v any) []string {
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, scalarString(x))
		}
		return out
	}
	return []string{scalarString(v)}
}

// holds evaluates the condition.
func (c *cond) holds(sc *scope) bool {
	v := sc.get(&c.ref)
	switch {
	case c.exists != nil:
		return (v != "") == *c.exists
	case c.re != nil:
		return c.re.MatchString(v)
	}
	return slices.Contains(c.in, v) != c.negate
}

// describe says what the condition wanted, for traces.
func (c *cond) describe() string {
	switch {
	case c.exists != nil:
		return fmt.Sprintf("exists: %v", *c.exists)
	case c.re != nil:
		return "regex " + c.re.String()
	case c.negate:
		return "not one of [" + strings.Join(c.in, ", ") + "]"
	}
	return "one of [" + strings.Join(c.in, ", ") + "]"
}

// predEnv is what a rule set's match.when expression sees.
type predEnv struct {
	Program  string         `expr:"program"`
	Host     string         `expr:"host"`
	Input    string         `expr:"input"`
	Peer     string         `expr:"peer"`
	Message  string         `expr:"message"`
	MsgID    string         `expr:"msgid"`
	Facility int            `expr:"facility"`
	Severity int            `expr:"severity"`
	Fields   map[string]any `expr:"fields"`
}

// pathMatch matches an input name against a glob (path.Match syntax).
func pathMatch(glob, name string) (bool, error) {
	return path.Match(glob, name)
}
