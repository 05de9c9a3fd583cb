package idmefv2

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity tells whether an Issue makes a message invalid.
type Severity uint8

const (
	// SeverityError marks a broken rule: the message is invalid.
	SeverityError Severity = iota
	// SeverityWarning marks a questionable but allowed construct.
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// MarshalText makes a Severity appear as "error" or "warning" in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "error" or "warning", so that reports round-trip
// through JSON.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = SeverityError
	case "warning":
		*s = SeverityWarning
	default:
		return fmt.Errorf("idmefv2: unknown severity %q (want error or warning)", b)
	}
	return nil
}

// Issue is one problem found in a message.
type Issue struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value; "" is the
	// whole message. For a missing or unknown attribute it is the object that
	// should (not) contain it, as JSON-schema validators report it.
	Pointer string `json:"pointer"`
	// Rule names the broken rule: a JSON-schema keyword ("required", "enum",
	// "pattern", "type", "format", "maximum", "minimum",
	// "additionalProperties"), "json.*" for malformed JSON, or "spec.*" for a
	// rule of the draft text that the schema does not express.
	Rule string `json:"rule"`
	// Message explains the problem to a human.
	Message string `json:"message"`
	// Severity is SeverityError or SeverityWarning.
	Severity Severity `json:"severity"`
}

// String formats the issue as "pointer: message (rule)".
func (i Issue) String() string {
	p := i.Pointer
	if p == "" {
		p = "/"
	}
	s := p + ": " + i.Message + " (" + i.Rule + ")"
	if i.Severity == SeverityWarning {
		s = "warning: " + s
	}
	return s
}

// Report is the outcome of validating one message.
type Report struct {
	// Version is the IDMEFv2 version whose rules were applied: the message's
	// Version when the library supports it, VersionV08 otherwise.
	Version string `json:"version"`
	// Issues lists every problem found, errors and warnings, in document order.
	Issues []Issue `json:"issues"`
}

// Valid reports whether the report has no errors (warnings are allowed).
func (r Report) Valid() bool {
	for _, i := range r.Issues {
		if i.Severity == SeverityError {
			return false
		}
	}
	return true
}

// Errors returns the issues of severity error.
func (r Report) Errors() []Issue { return r.filter(SeverityError) }

// Warnings returns the issues of severity warning.
func (r Report) Warnings() []Issue { return r.filter(SeverityWarning) }

func (r Report) filter(s Severity) []Issue {
	var out []Issue
	for _, i := range r.Issues {
		if i.Severity == s {
			out = append(out, i)
		}
	}
	return out
}

// ptrToken is one step of a JSON pointer: a member name, or an array index
// when name is "".
type ptrToken struct {
	name  string
	index int
}

// ptrStack tracks where a decoder or checker is in a message, so that the
// JSON pointer of an issue is only built when there is an issue.
type ptrStack struct {
	toks [8]ptrToken
	more []ptrToken // beyond the fixed array (never for valid IDMEF)
	n    int
}

// push enters member name, then element index of it when index >= 0. A push
// of ("", i) enters element i of the current array.
func (s *ptrStack) push(name string, index int) {
	t := ptrToken{name: name, index: index}
	if s.n < len(s.toks) {
		s.toks[s.n] = t
	} else {
		s.more = append(s.more, t)
	}
	s.n++
}

func (s *ptrStack) pop() {
	s.n--
	if s.n >= len(s.toks) {
		s.more = s.more[:len(s.more)-1]
	}
}

func (s *ptrStack) token(i int) ptrToken {
	if i < len(s.toks) {
		return s.toks[i]
	}
	return s.more[i-len(s.toks)]
}

// pointer returns the JSON pointer of the current position, extended by
// member name and index when given (name "" and index < 0 add nothing).
func (s *ptrStack) pointer(name string, index int) string {
	var b strings.Builder
	for i := 0; i < s.n; i++ {
		writeToken(&b, s.token(i))
	}
	writeToken(&b, ptrToken{name: name, index: index})
	return b.String()
}

func writeToken(b *strings.Builder, t ptrToken) {
	if t.name != "" {
		b.WriteByte('/')
		b.WriteString(escapePointer(t.name))
	}
	if t.index >= 0 {
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(t.index))
	}
}

// escapePointer escapes a member name for a JSON pointer (RFC 6901 §3).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// quoteValue quotes a value for a message, shortening long values.
func quoteValue(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
