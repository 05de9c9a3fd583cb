package parse

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/connectors"
	"github.com/vigie-siem/vigie/internal/logevent"
)

// refKind says where a template reference takes its value.
type refKind uint8

const (
	refCapture refKind = iota // a field the pattern extracted
	refEvent                  // a header field of the event
	refJSON                   // a field of a JSON event
	refConst                  // a value known when the rule loads
)

// ref is a resolved field reference.
type ref struct {
	kind  refKind
	idx   int      // refCapture: field index
	event string   // refEvent: header name
	path  []string // refJSON: path into Fields
	val   string   // refConst
}

// eventFields are the header names a template can use as event.NAME.
var eventFields = []string{"host", "program", "pid", "msgid", "input", "peer", "message", "facility", "severity"}

// resolve binds a name to a capture of fields, an event header field, a JSON
// field or a constant of the rule.
func resolve(name string, fields []string, consts map[string]string) (ref, error) {
	if i := slices.Index(fields, name); i >= 0 {
		return ref{kind: refCapture, idx: i}, nil
	}
	if v, ok := consts[name]; ok {
		return ref{kind: refConst, val: v}, nil
	}
	if h, ok := strings.CutPrefix(name, "event."); ok && slices.Contains(eventFields, h) {
		return ref{kind: refEvent, event: h}, nil
	}
	if p, ok := strings.CutPrefix(name, "fields."); ok && p != "" {
		return ref{kind: refJSON, path: strings.Split(p, ".")}, nil
	}
	return ref{}, fmt.Errorf("unknown field %q (the pattern extracts %v; also event.%s, fields.<json path>, rule.id, ruleset)",
		name, fields, strings.Join(eventFields, "|event."))
}

// scope is what a rule's references read while one event is processed.
type scope struct {
	ev   *logevent.Event
	vals []string
}

// get returns the value of r.
func (sc *scope) get(r *ref) string {
	switch r.kind {
	case refCapture:
		return sc.vals[r.idx]
	case refConst:
		return r.val
	case refEvent:
		ev := sc.ev
		switch r.event {
		case "host":
			return ev.Hostname
		case "program":
			return ev.AppName
		case "pid":
			return ev.ProcID
		case "msgid":
			return ev.MsgID
		case "input":
			return ev.Input
		case "peer":
			return ev.Peer
		case "message":
			return ev.Message
		case "facility":
			if ev.Facility < 0 {
				return ""
			}
			return strconv.Itoa(ev.Facility)
		case "severity":
			if ev.Severity < 0 {
				return ""
			}
			return strconv.Itoa(ev.Severity)
		}
	case refJSON:
		v, ok := jsonPath(sc.ev.Fields, r.path)
		if !ok {
			return ""
		}
		return jsonString(v)
	}
	return ""
}

// jsonPath walks nested objects of a decoded JSON event.
func jsonPath(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// jsonString renders a JSON value as text: numbers without exponent,
// objects and arrays as JSON.
func jsonString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// filter transforms a value; an error is a mapping failure.
type filter func(string) (string, error)

// part is a piece of a template: literal text, or a reference with filters.
type part struct {
	text    string
	ref     *ref
	filters []filter
}

// template is a compiled value template such as "{{user|lower}}@{{event.host}}".
type template struct {
	parts []part
}

// compileTemplate parses src; lookups are the set's tables.
func compileTemplate(src string, fields []string, consts map[string]string, lookups map[string]map[string]string) (*template, error) {
	t := &template{}
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, part{text: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("template %q: unclosed {{", src)
		}
		items := strings.Split(rest[i+2:i+j], "|")
		r, err := resolve(strings.TrimSpace(items[0]), fields, consts)
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", src, err)
		}
		p := part{ref: &r}
		for _, it := range items[1:] {
			f, err := compileFilter(strings.TrimSpace(it), lookups)
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", src, err)
			}
			p.filters = append(p.filters, f)
		}
		t.parts = append(t.parts, p)
		rest = rest[i+j+2:]
	}
}

// render evaluates the template for one event.
func (t *template) render(sc *scope) (string, error) {
	if len(t.parts) == 1 {
		return t.parts[0].eval(sc)
	}
	var b strings.Builder
	for i := range t.parts {
		v, err := t.parts[i].eval(sc)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func (p *part) eval(sc *scope) (string, error) {
	if p.ref == nil {
		return p.text, nil
	}
	v := sc.get(p.ref)
	for _, f := range p.filters {
		var err error
		if v, err = f(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

// timeLayouts are the names a time filter accepts besides a Go layout.
var timeLayouts = map[string]string{
	"RFC3339":   time.RFC3339Nano,
	"RFC1123Z":  time.RFC1123Z,
	"httpd":     "02/Jan/2006:15:04:05 -0700",
	"ISO8601":   "2006-01-02T15:04:05.999999999Z0700",
	"DateTime":  time.DateTime,
	"DateTimeZ": "2006-01-02 15:04:05Z07:00",
}

// compileFilter parses "name" or "name:arg".
func compileFilter(s string, lookups map[string]map[string]string) (filter, error) {
	name, arg, hasArg := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	noArg := func(f filter) (filter, error) {
		if hasArg {
			return nil, fmt.Errorf("filter %s takes no argument", name)
		}
		return f, nil
	}
	switch name {
	case "lower":
		return noArg(func(v string) (string, error) { return strings.ToLower(v), nil })
	case "upper":
		return noArg(func(v string) (string, error) { return strings.ToUpper(v), nil })
	case "trim":
		return noArg(func(v string) (string, error) { return strings.TrimSpace(v), nil })
	case "ip":
		return noArg(func(v string) (string, error) {
			if v == "" {
				return "", nil
			}
			ip, ok := connectors.CanonicalIP(v)
			if !ok {
				return "", fmt.Errorf("filter ip: %q is not an IP address", truncate(v))
			}
			return ip, nil
		})
	case "ipornone":
		return noArg(func(v string) (string, error) {
			ip, _ := connectors.CanonicalIP(v)
			return ip, nil
		})
	case "port":
		return noArg(func(v string) (string, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return "", nil
			}
			return strconv.Itoa(n), nil
		})
	case "int":
		return noArg(func(v string) (string, error) {
			if v == "" {
				return "", nil
			}
			n, err := strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, 64)
			if err != nil {
				return "", fmt.Errorf("filter int: %q is not an integer", truncate(v))
			}
			return strconv.FormatInt(n, 10), nil
		})
	case "unix":
		return noArg(func(v string) (string, error) {
			if v == "" {
				return "", nil
			}
			sec, frac, _ := strings.Cut(v, ".")
			n, err := strconv.ParseInt(sec, 10, 64)
			if err != nil || n < 0 || n > 1e11 || len(frac) > 9 || strings.Trim(frac, "0123456789") != "" {
				return "", fmt.Errorf("filter unix: %q is not seconds since 1970", truncate(v))
			}
			ns, _ := strconv.Atoi((frac + "000000000")[:9])
			return idmefv2.FormatTime(time.Unix(n, int64(ns)).UTC()), nil
		})
	case "time":
		if !hasArg || strings.TrimSpace(arg) == "" {
			return nil, fmt.Errorf("filter time needs a layout: time:RFC3339, time:httpd or a Go layout")
		}
		layout := strings.TrimSpace(arg)
		if l, ok := timeLayouts[layout]; ok {
			layout = l
		}
		return func(v string) (string, error) {
			if v == "" {
				return "", nil
			}
			t, err := time.Parse(layout, v)
			if err != nil {
				return "", fmt.Errorf("filter time: %q does not match the layout %q", truncate(v), layout)
			}
			return idmefv2.FormatTime(t), nil
		}, nil
	case "default":
		if !hasArg {
			return nil, fmt.Errorf("filter default needs a value: default:VALUE")
		}
		return func(v string) (string, error) {
			if v == "" {
				return arg, nil
			}
			return v, nil
		}, nil
	case "lookup":
		table, ok := lookups[strings.TrimSpace(arg)]
		if !ok {
			return nil, fmt.Errorf("filter lookup: no lookup table %q in the rule set", arg)
		}
		return func(v string) (string, error) {
			if out, ok := table[v]; ok {
				return out, nil
			}
			if out, ok := table["*"]; ok {
				return out, nil
			}
			return v, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown filter %q (lower, upper, trim, ip, ipornone, port, int, unix, time:LAYOUT, default:VALUE, lookup:TABLE)", name)
}

// truncate shortens a value quoted in an error.
func truncate(s string) string { return connectors.Truncate(s, 64) }
