package query

import (
	"strconv"
	"strings"
)

// Expr is a node of a parsed query.
type Expr interface {
	// Pos is the byte offset where the node starts in the query.
	Pos() int
	// String renders the node back to the query language.
	String() string
}

// Op is a comparison operator.
type Op string

// The comparison operators.
const (
	Eq   Op = "="
	Ne   Op = "!="
	Lt   Op = "<"
	Le   Op = "<="
	Gt   Op = ">"
	Ge   Op = ">="
	Like Op = "~"  // wildcards: * any run, ? one character
	In   Op = "in" // any of Values
)

// Field is the left side of a term: an IDMEF path in canonical form (class
// lists without index made "(*)") or a lifecycle field name.
type Field struct {
	Name      string // "Source(*).IP", "Priority", "state"
	Lifecycle bool   // state, assignee, tag, superseded
	At        int
}

// Lifecycle field names.
const (
	FieldState      = "state"
	FieldAssignee   = "assignee"
	FieldTag        = "tag"
	FieldSuperseded = "superseded"
)

// Value is a literal on the right side of a term.
type Value struct {
	Text   string
	Quoted bool
	At     int
}

func (v Value) String() string {
	if v.Quoted || v.Text == "" || needsQuote(v.Text) {
		return quote(v.Text)
	}
	return v.Text
}

// And is X and Y.
type And struct{ X, Y Expr }

// Or is X or Y.
type Or struct{ X, Y Expr }

// Not is not X.
type Not struct {
	X  Expr
	At int
}

// Compare is a term Field Op Values (one value unless Op is In).
type Compare struct {
	Field  Field
	Op     Op
	Values []Value
}

// Exists is exists Field: the path has at least one value.
type Exists struct {
	Field Field
	At    int
}

// Text is free text: a word (Prefix when written with a trailing *) or a
// phrase.
type Text struct {
	Text   string
	Phrase bool
	Prefix bool
	At     int
}

func (e *And) Pos() int     { return e.X.Pos() }
func (e *Or) Pos() int      { return e.X.Pos() }
func (e *Not) Pos() int     { return e.At }
func (e *Compare) Pos() int { return e.Field.At }
func (e *Exists) Pos() int  { return e.At }
func (e *Text) Pos() int    { return e.At }

func (e *And) String() string { return "(" + e.X.String() + " and " + e.Y.String() + ")" }
func (e *Or) String() string  { return "(" + e.X.String() + " or " + e.Y.String() + ")" }
func (e *Not) String() string { return "not " + e.X.String() }
func (e *Exists) String() string {
	return "exists " + e.Field.Name
}
func (e *Text) String() string {
	switch {
	case e.Phrase:
		return quote(e.Text)
	case e.Prefix:
		return e.Text + "*"
	}
	return e.Text
}

func (e *Compare) String() string {
	if e.Op != In {
		return e.Field.Name + " " + string(e.Op) + " " + e.Values[0].String()
	}
	parts := make([]string, len(e.Values))
	for i, v := range e.Values {
		parts[i] = v.String()
	}
	return e.Field.Name + " in (" + strings.Join(parts, ", ") + ")"
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(s string) bool {
	if isKeyword(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return true
		}
	}
	return false
}

// Walk calls fn for e and each node below it, depth first, until fn
// returns false.
func Walk(e Expr, fn func(Expr) bool) bool {
	if !fn(e) {
		return false
	}
	switch e := e.(type) {
	case *And:
		return Walk(e.X, fn) && Walk(e.Y, fn)
	case *Or:
		return Walk(e.X, fn) && Walk(e.Y, fn)
	case *Not:
		return Walk(e.X, fn)
	}
	return true
}

// Error is a malformed query: what was expected at which byte offset.
type Error struct {
	Pos int    // byte offset in the query
	Msg string // what is wrong or expected
}

func (e *Error) Error() string {
	return "query: at offset " + strconv.Itoa(e.Pos) + ": " + e.Msg
}

// Errorf returns an *Error at pos; engines use it for values they cannot
// interpret, so that every query error names its position.
func Errorf(pos int, msg string) *Error { return &Error{Pos: pos, Msg: msg} }
