package idmefv2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Validate checks the message against the schema rules of its version
// (generated from the schema) and the rules of the draft text that the schema
// does not express (see the package documentation). It reports what a
// JSON-schema validator would report for Encode(a), plus the spec rules.
func (a *Alert) Validate() Report {
	c := checker{}
	a.validate(&c)
	checkSpec(a, &c)
	return Report{Version: appliedVersion(a.Version), Issues: c.issues}
}

// ValidateJSON decodes data strictly and validates it, turning decoding
// problems (malformed JSON, wrong JSON types, unknown attributes) into issues
// with their pointer and rule. It is the fast path for untrusted input.
//
// A Version other than VersionV08 and VersionV09Dev is an error at /Version
// with rule "enum"; the rest of the message is still checked with the V08
// rules.
func ValidateJSON(data []byte) Report {
	r, _ := validateJSON(data)
	return r
}

// DecodeValidate is ValidateJSON that also returns the decoded alert, so that
// a caller that needs both (ingest) decodes once. The alert is nil when the
// report is invalid.
func DecodeValidate(data []byte) (*Alert, Report) {
	b := new(alertBlock)
	d := decoder{data: data}
	d.use(&b.alert, &b.room)
	r := decodeValidateWith(d, &b.alert)
	if !r.Valid() {
		return nil, r
	}
	return &b.alert, r
}

// DecodeValidateShared is DecodeValidate without the copy of data, like
// DecodeShared: data must never be modified afterwards.
func DecodeValidateShared(data []byte) (*Alert, Report) {
	b := new(alertBlock)
	d := decoder{data: data, shared: true}
	d.use(&b.alert, &b.room)
	r := decodeValidateWith(d, &b.alert)
	if !r.Valid() {
		return nil, r
	}
	return &b.alert, r
}

// Scratch is memory for validating message after message without
// allocating an alert for each: ValidateShared decodes every message into
// the same Alert and the same room for its lists. The zero value is ready
// to use. A Scratch is not safe for concurrent use (a sync.Pool of them
// suits a server).
type Scratch struct {
	b alertBlock
}

// ValidateShared is DecodeValidateShared into s's alert, which is reset
// first: the alert it returns and the lists it holds are valid only until
// the next call, while its strings point into data (data must never be
// modified) and stay valid as long as data.
func (s *Scratch) ValidateShared(data []byte) (*Alert, Report) {
	s.b = alertBlock{} // zero memory, as grow expects of spare capacity
	d := decoder{data: data, shared: true}
	d.use(&s.b.alert, &s.b.room)
	r := decodeValidateWith(d, &s.b.alert)
	if !r.Valid() {
		return nil, r
	}
	return &s.b.alert, r
}

// validateJSON is ValidateJSON that also returns the Version the message
// declares ("" when absent or not a string), for the draft dispatcher.
func validateJSON(data []byte) (Report, Version) {
	var a Alert
	r := decodeValidate(data, &a)
	return r, a.Version
}

// decodeValidate decodes data into a and validates it.
func decodeValidate(data []byte, a *Alert) Report {
	return decodeValidateWith(decoder{data: data}, a)
}

// decodeValidateWith is decodeValidate with a prepared decoder.
func decodeValidateWith(d decoder, a *Alert) Report {
	d.document(a)
	r := Report{Version: appliedVersion(a.Version)}
	if len(d.issues) > 0 {
		r.Issues = make([]Issue, 0, len(d.issues)+2)
		for _, i := range d.issues {
			r.Issues = append(r.Issues, i.Issue)
		}
	}
	if d.fatal {
		return r // the model is incomplete: checking it would report noise
	}
	c := checker{issues: r.Issues}
	a.validate(&c)
	checkSpec(a, &c)
	r.Issues = c.issues
	if len(d.suppress) > 0 {
		r.Issues = suppressed(r.Issues, len(d.issues), d.suppress)
	}
	return r
}

// suppressed drops the model issues (those after the first n) located at or
// below a pointer where decoding already reported the problem: a value of
// the wrong type or a missing attribute is stored as a zero value, whose
// checks would only repeat it.
func suppressed(issues []Issue, n int, at []string) []Issue {
	out := issues[:n]
	for _, i := range issues[n:] {
		if !under(i.Pointer, at) {
			out = append(out, i)
		}
	}
	return out
}

func under(p string, at []string) bool {
	for _, s := range at {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}

func appliedVersion(v Version) string {
	if v == VersionV09Dev {
		return string(VersionV09Dev)
	}
	return string(VersionV08)
}

// checker collects the issues of the model checks.
type checker struct {
	ptrStack
	issues []Issue
}

func (c *checker) add(name string, index int, rule, msg string, sev Severity) {
	c.issues = append(c.issues, Issue{Pointer: c.pointer(name, index), Rule: rule, Message: msg, Severity: sev})
}

func (c *checker) errorf(name string, index int, rule, format string, args ...any) {
	c.add(name, index, rule, fmt.Sprintf(format, args...), SeverityError)
}

func (c *checker) warnf(name string, index int, rule, format string, args ...any) {
	c.add(name, index, rule, fmt.Sprintf(format, args...), SeverityWarning)
}

func (c *checker) pattern(name string, index int, value, re, what string) {
	if value == "" {
		c.errorf(name, index, "pattern", "empty string is not a valid %s", what)
		return
	}
	if len(re) > 72 { // the IP and media-type expressions would drown the message
		c.errorf(name, index, "pattern", "%s is not a valid %s", quoteValue(value), what)
		return
	}
	c.errorf(name, index, "pattern", "%s is not a valid %s (pattern %s)", quoteValue(value), what, re)
}

func (c *checker) format(name string, index int, value, format string) {
	what := map[string]string{"email": "email address", "uri": "absolute URI"}[format]
	c.errorf(name, index, "format", "%s is not a valid %s (format %q)", quoteValue(value), what, format)
}

func (c *checker) number(name string, x float64, min float64, hasMin bool, max float64, hasMax bool) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		c.errorf(name, -1, "type", "%v is not a JSON number", x)
	case hasMin && x < min:
		c.errorf(name, -1, "minimum", "%s is less than the minimum %s", formatFloat(x), formatFloat(min))
	case hasMax && x > max:
		c.errorf(name, -1, "maximum", "%s is greater than the maximum %s", formatFloat(x), formatFloat(max))
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// version checks the Version attribute: V08 and V09-Dev share one schema.
func (c *checker) version(v Version) {
	if v.Valid() {
		return
	}
	c.errorf("Version", -1, "enum", "%s is not a supported Version (want %q or %q)", quoteValue(string(v)), VersionV08, VersionV09Dev)
}

// reportEnum reports a value that is not in its enumeration, suggesting the
// value that differs only in case.
func reportEnum[T ~string](c *checker, name string, index int, v T, values func() []T) {
	msg := fmt.Sprintf("%s is not a valid %s value", quoteValue(string(v)), strings.TrimPrefix(fmt.Sprintf("%T", v), "idmefv2."))
	for _, w := range values() {
		if strings.EqualFold(string(w), string(v)) {
			msg += fmt.Sprintf(" (did you mean %q? values are case-sensitive)", w)
			break
		}
	}
	if v == "" {
		msg = "empty string is not a valid " + strings.TrimPrefix(fmt.Sprintf("%T", v), "idmefv2.") + " value"
	}
	c.add(name, index, "enum", msg, SeverityError)
}
