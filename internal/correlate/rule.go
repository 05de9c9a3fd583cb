package correlate

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Detector decides whether an alert matches a detection rule. It must be
// safe for concurrent use and must not modify the alert.
type Detector interface {
	Match(a *idmefv2.Alert) bool
}

// DetectorFunc adapts a function to Detector.
type DetectorFunc func(a *idmefv2.Alert) bool

// Match calls f.
func (f DetectorFunc) Match(a *idmefv2.Alert) bool { return f(a) }

// CompileFunc compiles one Sigma detection document into a Detector. doc
// is the rule's text as found in the file, preceded by as many empty lines
// as come before it, so that line numbers are the file's. An invalid
// detection gives an error, ideally a *DetectionError.
type CompileFunc func(doc []byte) (Detector, error)

// DetectionError locates a problem in a detection rule.
type DetectionError struct {
	Line int    // in the file; 0 when unknown
	Key  string // e.g. "detection.selection.Source.IP|cidr"
	Msg  string
}

func (e *DetectionError) Error() string { return e.Key + ": " + e.Msg }

// Type is a Sigma correlation type.
type Type string

// Correlation types.
const (
	EventCount      Type = "event_count"
	ValueCount      Type = "value_count"
	Temporal        Type = "temporal"
	TemporalOrdered Type = "temporal_ordered"
	ValueSum        Type = "value_sum"
	ValueAvg        Type = "value_avg"
	ValuePercentile Type = "value_percentile"
)

func (t Type) valid() bool {
	switch t {
	case EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile:
		return true
	}
	return false
}

// needsField reports whether the type aggregates a field's values.
func (t Type) needsField() bool {
	return t == ValueCount || t == ValueSum || t == ValueAvg || t == ValuePercentile
}

// temporal reports whether the type counts distinct rules.
func (t Type) temporal() bool { return t == Temporal || t == TemporalOrdered }

// Op is a comparison of a correlation condition.
type Op string

// Comparison operators.
const (
	OpGT  Op = "gt"
	OpGTE Op = "gte"
	OpLT  Op = "lt"
	OpLTE Op = "lte"
	OpEQ  Op = "eq"
	OpNEQ Op = "neq"
)

// Comparison is one operator and its bound.
type Comparison struct {
	Op    Op
	Value float64
}

func (c Comparison) holds(v float64) bool {
	switch c.Op {
	case OpGT:
		return v > c.Value
	case OpGTE:
		return v >= c.Value
	case OpLT:
		return v < c.Value
	case OpLTE:
		return v <= c.Value
	case OpEQ:
		return v == c.Value
	case OpNEQ:
		return v != c.Value
	}
	return false
}

// Condition is a correlation condition: every comparison must hold (two
// keys make a range).
type Condition struct {
	Comparisons []Comparison
	Field       string  // for value_* types
	Percentile  float64 // for value_percentile, 0..100
}

func (c Condition) holds(v float64) bool {
	for _, cmp := range c.Comparisons {
		if !cmp.holds(v) {
			return false
		}
	}
	return len(c.Comparisons) > 0
}

// monotone reports whether the condition can only become true as a
// window grows (lower bounds only), so that it can be decided on the
// event that crosses it instead of at the window's end.
func (c Condition) monotone() bool {
	for _, cmp := range c.Comparisons {
		if cmp.Op != OpGT && cmp.Op != OpGTE {
			return false
		}
	}
	return true
}

func (c Condition) String() string {
	parts := make([]string, 0, len(c.Comparisons)+2)
	if c.Field != "" {
		parts = append(parts, "field="+c.Field)
	}
	if c.Percentile > 0 {
		parts = append(parts, "percentile="+strconv.FormatFloat(c.Percentile, 'g', -1, 64))
	}
	for _, cmp := range c.Comparisons {
		parts = append(parts, string(cmp.Op)+" "+strconv.FormatFloat(cmp.Value, 'g', -1, 64))
	}
	return strings.Join(parts, ", ")
}

// Correlation is the correlation part of a rule.
type Correlation struct {
	Type      Type
	Rules     []string // references, by name or id
	GroupBy   []string
	Timespan  time.Duration
	Condition Condition
	// Aliases maps an alias (usable in GroupBy and Condition.Field) to the
	// field it stands for in each referenced rule.
	Aliases  map[string]map[string]string
	Generate bool
}

// Suppress is the Vigie extension that silences a rule's repeated
// firings: after a firing, further firings with the same By values within
// For are counted but not emitted.
type Suppress struct {
	By  []string
	For time.Duration
}

// Rule is one Sigma rule: a detection or a correlation.
type Rule struct {
	ID          string
	Name        string
	Title       string
	Description string
	Level       string
	Status      string
	Tags        []string
	// IDMEF holds the Concerto "idmefv2" attribute: IDMEF attributes
	// (Category, Priority, …) set on the alerts the rule emits.
	IDMEF map[string]any
	// Suppress is the "suppress" extension; nil when absent.
	Suppress *Suppress
	// Disabled is the "vigie: {disabled: true}" extension: loaded, listed,
	// but not evaluated until enabled.
	Disabled bool
	// Schedule is the "vigie: {time: …}" extension of a detection rule;
	// nil when absent.
	Schedule *Schedule
	// Detector is set for detection rules.
	Detector Detector
	// Correlation is set for correlation rules.
	Correlation *Correlation

	File string // where the rule comes from
	Line int

	digest string // of the rule's YAML, to keep state across reloads
}

// Key is the rule's identity: its id, else its name, else its file and
// line.
func (r *Rule) Key() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.File + ":" + strconv.Itoa(r.Line)
}

// label names the rule in messages.
func (r *Rule) label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.ID != "":
		return r.ID
	}
	return r.Title
}

// IsCorrelation reports whether r is a correlation rule.
func (r *Rule) IsCorrelation() bool { return r.Correlation != nil }

// priority is the Priority of r's alerts: the idmefv2 attribute wins, then
// the Sigma level.
func levelPriority(level string) idmefv2.Priority {
	switch strings.ToLower(level) {
	case "informational":
		return idmefv2.PriorityInfo
	case "low":
		return idmefv2.PriorityLow
	case "medium":
		return idmefv2.PriorityMedium
	case "high", "critical":
		return idmefv2.PriorityHigh
	}
	return idmefv2.PriorityMedium
}
