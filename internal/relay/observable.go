package relay

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Observable is a CTIM observable: a typed value such as {"type":"ip",
// "value":"1.1.1.1"}. Field order is alphabetical, as the original writes it.
type Observable struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// InvalidPayloadPrefix starts the message of every body validation error.
const InvalidPayloadPrefix = "Invalid JSON payload received. "

// Messages of the marshmallow-style validation report.
const (
	msgInvalidType = "Invalid input type."
	msgMissing     = "Missing data for required field."
	msgNull        = "Field may not be null."
	msgNotString   = "Not a valid string."
	msgBlank       = "Field may not be blank."
	msgUnknown     = "Unknown field."
)

// ParseObservables validates a request body as a list of observables
// (SPEC §4). The body is JSON whatever the Content-Type; anything that is
// not valid JSON counts as null. Every item must be an object with exactly
// the non-empty string fields "type" and "value".
//
// On failure it returns a fatal "invalid argument" error whose message
// embeds a JSON report of every problem, keyed by item index, serialised
// the way Python's json.dumps does (so clients that parse it keep working).
// Types are not checked here: modules skip the ones they do not support.
func ParseObservables(body []byte) ([]Observable, *Error) {
	doc := decodeLenient(body)
	items, ok := doc.([]any)
	if !ok {
		return nil, invalidPayload(pyObject{{"_schema", []string{msgInvalidType}}})
	}
	out := make([]Observable, 0, len(items))
	var report pyObject
	for i, item := range items {
		obs, problems := parseObservable(item)
		if problems != nil {
			report = append(report, pyEntry{strconv.Itoa(i), problems})
			continue
		}
		out = append(out, obs)
	}
	if report != nil {
		return nil, invalidPayload(report)
	}
	return out, nil
}

// parseObservable checks one list item; problems is nil when it is valid.
func parseObservable(item any) (Observable, pyObject) {
	fields, ok := item.(map[string]any)
	if !ok {
		return Observable{}, pyObject{{"_schema", []string{msgInvalidType}}}
	}
	var problems pyObject
	var obs Observable
	for _, name := range []string{"type", "value"} {
		s, msg := stringField(fields, name)
		if msg != "" {
			problems = append(problems, pyEntry{name, []string{msg}})
			continue
		}
		if name == "type" {
			obs.Type = s
		} else {
			obs.Value = s
		}
	}
	var unknown []string
	for name := range fields {
		if name != "type" && name != "value" {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, pyEntry{name, []string{msgUnknown}})
	}
	return obs, problems
}

// stringField returns the string value of a required, non-blank field, or
// the marshmallow message explaining why it is not one.
func stringField(fields map[string]any, name string) (string, string) {
	v, present := fields[name]
	switch s, isString := v.(string); {
	case !present:
		return "", msgMissing
	case v == nil:
		return "", msgNull
	case !isString:
		return "", msgNotString
	case s == "":
		return "", msgBlank
	default:
		return s, ""
	}
}

// decodeLenient parses body as one JSON value, or returns nil when it is
// not valid JSON (Flask's get_json(silent=True) behaviour). A UTF-8 byte
// order mark is skipped, as Python's json.loads does for bytes.
func decodeLenient(body []byte) any {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	if dec.More() {
		return nil
	}
	// Decode stops after one value; anything but whitespace after it is
	// "Extra data" for Python.
	if _, err := dec.Token(); err == nil {
		return nil
	}
	return v
}

func invalidPayload(report pyObject) *Error {
	return Fatal(CodeInvalidArgument, InvalidPayloadPrefix+report.String())
}
