package correlate

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/correlate/sigma"
)

// field reads the values a rule field names in an alert. Fields are IDMEF
// paths with list semantics: a class list without an index means every
// element ("Source.IP" and "Source(*).IP" read the IP of every source;
// "Source(0).IP" the first only), and a list of values contributes each
// value. The flat names of the Concerto rules ("Source_IP", "Target_User")
// mean "Source(*).IP" and "Target(*).User".
type field struct {
	name string       // as written in the rule
	path idmefv2.Path // canonical path
	fast func([]string, *idmefv2.Alert) []string
	// owned: the values are strings of the alert's sources, targets or
	// categories, which Engine.own copies.
	owned bool
}

// parseField resolves a rule field name.
func parseField(name string) (field, error) {
	expr := name
	if !strings.ContainsAny(name, ".(") {
		if class, attr, ok := strings.Cut(name, "_"); ok && class != "" && attr != "" && isClassList(class) {
			expr = class + "(*)." + attr
		}
	}
	if first, rest, ok := strings.Cut(expr, "."); ok && !strings.Contains(first, "(") && isClassList(first) {
		expr = first + "(*)." + rest
	}
	p, err := idmefv2.ParsePath(expr)
	if err != nil {
		// Whatever else a detection may name (e.g. Analyzer_Name), read
		// the way package sigma reads it.
		sf, serr := sigma.ParseField(name, nil)
		if serr != nil {
			return field{}, fmt.Errorf("field %q: %w", name, err)
		}
		if p, err = idmefv2.ParsePath(sf.String()); err != nil {
			return field{}, fmt.Errorf("field %q: %w", name, err)
		}
		return field{name: name, path: p, fast: func(dst []string, a *idmefv2.Alert) []string { return sf.AppendValues(dst, a) }}, nil
	}
	f := field{name: name, path: p}
	f.fast = fastAccessor(p.String())
	f.owned = f.fast != nil && p.String() != "Analyzer.Name"
	return f, nil
}

// isClassList reports whether name is one of the Alert's class lists.
func isClassList(name string) bool {
	switch name {
	case "Source", "Target", "Sensor", "Attachment":
		return true
	}
	return false
}

// appendValues appends every value of f in a, as text, to dst.
func (f field) appendValues(dst []string, a *idmefv2.Alert) []string {
	if f.fast != nil {
		return f.fast(dst, a)
	}
	vals, _ := idmefv2.Get(a, f.path)
	for _, v := range vals {
		if s, ok := valueText(v); ok {
			dst = append(dst, s)
		}
	}
	return dst
}

// values returns the distinct values of f in a.
func (f field) values(a *idmefv2.Alert) []string {
	out := f.appendValues(nil, a)
	if len(out) < 2 {
		return out
	}
	n := 0
	for _, s := range out {
		if !slices.Contains(out[:n], s) {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

// valueText turns a value from idmefv2.Get into text; empty strings and
// objects give false.
func valueText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case *float64:
		if x == nil {
			return "", false
		}
		return strconv.FormatFloat(*x, 'g', -1, 64), true
	case *int64:
		if x == nil {
			return "", false
		}
		return strconv.FormatInt(*x, 10), true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), rv.Len() > 0
	}
	return "", false
}

// fastAccessor returns a direct accessor for the most used paths, so that
// group-by does not allocate; nil for the others.
func fastAccessor(canonical string) func([]string, *idmefv2.Alert) []string {
	src := func(get func(*idmefv2.Source) string) func([]string, *idmefv2.Alert) []string {
		return func(dst []string, a *idmefv2.Alert) []string {
			for i := range a.Source {
				if v := get(&a.Source[i]); v != "" {
					dst = append(dst, v)
				}
			}
			return dst
		}
	}
	tgt := func(get func(*idmefv2.Target) string) func([]string, *idmefv2.Alert) []string {
		return func(dst []string, a *idmefv2.Alert) []string {
			for i := range a.Target {
				if v := get(&a.Target[i]); v != "" {
					dst = append(dst, v)
				}
			}
			return dst
		}
	}
	switch canonical {
	case "Source(*).IP":
		return src(func(s *idmefv2.Source) string { return s.IP })
	case "Source(*).Hostname":
		return src(func(s *idmefv2.Source) string { return s.Hostname })
	case "Source(*).User":
		return src(func(s *idmefv2.Source) string { return s.User })
	case "Source(*).Email":
		return src(func(s *idmefv2.Source) string { return s.Email })
	case "Target(*).IP":
		return tgt(func(t *idmefv2.Target) string { return t.IP })
	case "Target(*).Hostname":
		return tgt(func(t *idmefv2.Target) string { return t.Hostname })
	case "Target(*).User":
		return tgt(func(t *idmefv2.Target) string { return t.User })
	case "Target(*).Service":
		return tgt(func(t *idmefv2.Target) string { return t.Service })
	case "Target(*).Email":
		return tgt(func(t *idmefv2.Target) string { return t.Email })
	case "Category":
		return func(dst []string, a *idmefv2.Alert) []string {
			for _, c := range a.Category {
				dst = append(dst, string(c))
			}
			return dst
		}
	case "Analyzer.Name":
		return func(dst []string, a *idmefv2.Alert) []string {
			if a.Analyzer.Name != "" {
				dst = append(dst, a.Analyzer.Name)
			}
			return dst
		}
	}
	return nil
}
