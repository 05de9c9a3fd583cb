package parse

import (
	"bytes"
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
	subs   [][]byte       // contains one of, ignoring ASCII case (lower-cased)
	prefix []string       // starts with one of
	negate bool
	exists *bool
}

// compileCond compiles "field: value", "field: [a, b]", "field: {regex: …}",
// "field: {contains: [a, b]}", "field: {prefix: [a, b]}", "field: {not: …}"
// or "field: {exists: bool}".
func compileCond(name string, v any, fields []string, consts map[string]string) (cond, error) {
	r, err := resolve(name, fields, consts)
	if err != nil {
		return cond{}, err
	}
	c := cond{name: name, ref: r}
	if m, ok := v.(map[string]any); ok {
		if len(m) != 1 {
			return cond{}, fmt.Errorf("an object condition has exactly one of regex, contains, prefix, not, exists")
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
			case "contains":
				for _, x := range scalars(x) {
					c.subs = append(c.subs, []byte(strings.ToLower(x)))
				}
			case "prefix":
				c.prefix = scalars(x)
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
				return cond{}, fmt.Errorf("unknown condition %q (regex, contains, prefix, not, exists)", k)
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
	case c.subs != nil:
		return containsFold(v, c.subs)
	case c.prefix != nil:
		for _, p := range c.prefix {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
		return false
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
	case c.subs != nil:
		return fmt.Sprintf("containing one of %q", c.subs)
	case c.prefix != nil:
		return "starting with one of [" + strings.Join(c.prefix, ", ") + "]"
	case c.negate:
		return "not one of [" + strings.Join(c.in, ", ") + "]"
	}
	return "one of [" + strings.Join(c.in, ", ") + "]"
}

// containsFold reports whether v contains one of the lower-case subs,
// ignoring ASCII case, without allocating for short values.
func containsFold(v string, subs [][]byte) bool {
	var buf [256]byte
	var low []byte
	if len(v) <= len(buf) {
		low = buf[:len(v)]
	} else {
		low = make([]byte, len(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	for _, s := range subs {
		if bytes.Contains(low, s) {
			return true
		}
	}
	return false
}

// cost orders conditions: the cheapest are tested first.
func (c *cond) cost() int {
	switch {
	case c.re != nil:
		return 3
	case c.subs != nil:
		return 2
	case c.prefix != nil:
		return 1
	}
	return 0
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
