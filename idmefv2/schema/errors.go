package schema

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Error is one schema violation.
type Error struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value in the message; "" is the
	// message itself. For a missing or unknown attribute it is the object that holds it.
	Pointer string
	// Keyword is the JSON-schema keyword that failed (required, enum, pattern, type,
	// additionalProperties, maximum, format …), or "json" when the text is not JSON.
	Keyword string
	// Message says what is wrong in plain English.
	Message string
}

// String formats the error as "pointer: message", with "/" standing for the root.
func (e Error) String() string {
	p := e.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + e.Message
}

// maxListedValues bounds how many allowed enum values a message lists; some enums have more
// than a hundred.
const maxListedValues = 12

// flatten turns the library's error tree into one Error per failing leaf, sorted.
func flatten(root *jsonschema.ValidationError) []Error {
	var out []Error
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, leafErrors(e)...)
	}
	walk(root)
	slices.SortStableFunc(out, func(a, b Error) int {
		return cmp.Or(strings.Compare(a.Pointer, b.Pointer), strings.Compare(a.Keyword, b.Keyword), strings.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}

// leafErrors describes one leaf of the library's error tree. A leaf that names several
// attributes (required, additionalProperties) gives one Error per attribute.
func leafErrors(e *jsonschema.ValidationError) []Error {
	ptr := pointer(e.InstanceLocation)
	one := func(keyword, msg string) []Error {
		return []Error{{Pointer: ptr, Keyword: keyword, Message: msg}}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		errs := make([]Error, 0, len(k.Missing))
		for _, name := range k.Missing {
			errs = append(errs, Error{Pointer: ptr, Keyword: "required", Message: fmt.Sprintf("missing required attribute %q", name)})
		}
		return errs
	case *kind.AdditionalProperties:
		errs := make([]Error, 0, len(k.Properties))
		for _, name := range k.Properties {
			errs = append(errs, Error{Pointer: ptr, Keyword: "additionalProperties", Message: fmt.Sprintf("unknown attribute %q", name)})
		}
		return errs
	case *kind.Enum:
		return one("enum", enumMessage(k))
	case *kind.Type:
		return one("type", fmt.Sprintf("wrong type: got %s, want %s", k.Got, strings.Join(k.Want, " or ")))
	case *kind.Pattern:
		return one("pattern", fmt.Sprintf("value %q does not match %s%s", k.Got, definitionName(e.SchemaURL), k.Want))
	case *kind.Format:
		return one("format", fmt.Sprintf("value %s is not a valid %s: %v", showValue(k.Got), k.Want, k.Err))
	case *kind.Maximum:
		return one("maximum", fmt.Sprintf("value %s is greater than the maximum %s", ratString(k.Got), ratString(k.Want)))
	case *kind.Minimum:
		return one("minimum", fmt.Sprintf("value %s is less than the minimum %s", ratString(k.Got), ratString(k.Want)))
	}
	kw := "schema"
	if path := e.ErrorKind.KeywordPath(); len(path) > 0 {
		kw = path[0]
	}
	return one(kw, e.ErrorKind.LocalizedString(message.NewPrinter(language.English)))
}

// enumMessage lists the allowed values (up to maxListedValues) and suggests the value that
// differs only in case, the most common mistake (e.g. "signature" for "Signature").
func enumMessage(k *kind.Enum) string {
	var b strings.Builder
	fmt.Fprintf(&b, "value %s is not one of ", showValue(k.Got))
	for i, w := range k.Want {
		if i == maxListedValues {
			fmt.Fprintf(&b, ", … (%d allowed values)", len(k.Want))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, w)
	}
	if got, ok := k.Got.(string); ok {
		for _, w := range k.Want {
			if ws, ok := w.(string); ok && ws != got && strings.EqualFold(ws, got) {
				fmt.Fprintf(&b, " (did you mean %q?)", ws)
				break
			}
		}
	}
	return b.String()
}

// definitionName returns "the uuidType pattern " when the failing schema is a named
// definition, so the message says what kind of value was expected, else "pattern ".
func definitionName(schemaURL string) string {
	_, frag, ok := strings.Cut(schemaURL, "#/definitions/")
	if !ok {
		return "pattern "
	}
	name, _, _ := strings.Cut(frag, "/")
	return "the " + name + " pattern "
}

// maxShownValue bounds how much of an offending value a message repeats.
const maxShownValue = 80

// showValue prints a decoded JSON value as JSON (strings quoted, nil as null), shortened.
func showValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > maxShownValue {
		return string(b[:maxShownValue]) + "…"
	}
	return string(b)
}

// ratString prints a number the way JSON would (1.5, not 3/2).
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.RatString()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// pointer builds a JSON pointer (RFC 6901) from instance-location tokens.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var b strings.Builder
	r := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(r.Replace(t))
	}
	return b.String()
}
