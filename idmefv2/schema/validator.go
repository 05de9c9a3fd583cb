package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validator validates messages against the embedded drafts. Each draft's schema is compiled
// the first time it is needed, once; a Validator is safe for concurrent use. The zero value is
// not usable: call New.
type Validator struct {
	compiled [len(drafts)]compiledDraft
}

// compiledDraft holds one draft's schema, compiled at most once.
type compiledDraft struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// New returns a Validator. It compiles nothing until a draft is first used.
func New() *Validator {
	return &Validator{}
}

// schemaFor returns the compiled schema of draft, compiling it on first use.
func (v *Validator) schemaFor(draft string) (*jsonschema.Schema, error) {
	i := draftIndex(draft)
	if i < 0 {
		return nil, fmt.Errorf("unknown IDMEFv2 draft %q (known: %s)", draft, strings.Join(drafts[:], ", "))
	}
	c := &v.compiled[i]
	c.once.Do(func() { c.schema, c.err = compile(draft) })
	return c.schema, c.err
}

// compile builds the schema of one embedded draft.
func compile(draft string) (*jsonschema.Schema, error) {
	raw, err := schemaBytes(draft)
	if err != nil {
		return nil, fmt.Errorf("read embedded schema %s: %w", draft, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse embedded schema %s: %w", draft, err)
	}
	// The URL only names the resource; nothing is ever fetched.
	url := "urn:vigie:idmefv2:schema:" + draft
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("load embedded schema %s: %w", draft, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile embedded schema %s: %w", draft, err)
	}
	return sch, nil
}

// Validate checks doc, a decoded JSON value (objects as map[string]any, arrays as []any,
// numbers as json.Number or float64, as produced by jsonschema.UnmarshalJSON or a decoder with
// UseNumber), against the schema of draft. It returns every schema violation sorted by
// pointer; none means valid. The error is non-nil only for an unknown draft or a value that is
// not decoded JSON.
func (v *Validator) Validate(draft string, doc any) ([]Error, error) {
	sch, err := v.schemaFor(draft)
	if err != nil {
		return nil, err
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil, nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return nil, fmt.Errorf("validate against %s: %w", draft, err)
	}
	return flatten(verr), nil
}

// ValidateJSON parses data as one JSON value and validates it against the schema of draft.
// Text that is not a single JSON value gives one Error with Keyword "json" whose message
// names the byte offset of the problem.
func (v *Validator) ValidateJSON(draft string, data []byte) ([]Error, error) {
	if _, err := v.schemaFor(draft); err != nil {
		return nil, err
	}
	doc, perr := parseJSON(data)
	if perr != nil {
		return []Error{*perr}, nil
	}
	return v.Validate(draft, doc)
}

// Detect returns the draft named by the "Version" member of the JSON object in data. It fails
// when data is not a JSON object, has no Version, or names a draft that is not embedded.
func (v *Validator) Detect(data []byte) (string, error) {
	// A map, not a struct: encoding/json matches struct fields case-insensitively, and the
	// member must be spelled exactly "Version".
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field == "" {
			return "", fmt.Errorf("detect IDMEFv2 draft: message is a JSON %s, not an object", typeErr.Value)
		}
		return "", fmt.Errorf("detect IDMEFv2 draft: %w", err)
	}
	raw, found := members["Version"]
	if !found {
		return "", errors.New(`detect IDMEFv2 draft: message has no "Version" member`)
	}
	var version string
	if err := json.Unmarshal(raw, &version); err != nil {
		return "", fmt.Errorf(`detect IDMEFv2 draft: "Version" is %s, not a string`, raw)
	}
	draft, ok := DraftOf(version)
	if !ok {
		return "", fmt.Errorf(`detect IDMEFv2 draft: unknown "Version" %q (known: 2.D.V02 … 2.D.V08, 2.D.V09-Dev, 2.0.3)`, version)
	}
	return draft, nil
}

// parseJSON decodes exactly one JSON value, keeping numbers as json.Number. On failure it
// returns the Error to report.
func parseJSON(data []byte) (any, *Error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(err, len(data))
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, &Error{Keyword: "json", Message: fmt.Sprintf("invalid JSON: unexpected data after the top-level value at offset %d", len(data)-len(rest))}
	}
	return doc, nil
}

// jsonError turns a decoding error into an Error naming the byte offset; size is the input
// length, where a truncated value ends.
func jsonError(err error, size int) *Error {
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return &Error{Keyword: "json", Message: "invalid JSON: empty input"}
	case errors.As(err, &syn):
		return &Error{Keyword: "json", Message: fmt.Sprintf("invalid JSON at offset %d: %v", syn.Offset, syn)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Keyword: "json", Message: fmt.Sprintf("invalid JSON: unexpected end of input at offset %d", size)}
	}
	return &Error{Keyword: "json", Message: fmt.Sprintf("invalid JSON: %v", err)}
}
