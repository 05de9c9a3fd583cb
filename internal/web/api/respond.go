package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// envelope is the body of every error response.
type envelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// writeError renders e as the JSON error envelope.
func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		// Basic is the scheme a browser or curl can answer; Bearer works too.
		w.Header().Set("WWW-Authenticate", `Basic realm="vigie", charset="UTF-8"`)
	}
	if e.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, e.Status, envelope{Error: errorBody{
		Code: e.Code, Message: e.Message, Details: e.Details, RequestID: requestIDFrom(r.Context()),
	}})
}

// decodeJSON reads a JSON request body into v: the media type must be
// application/json (form encodings are refused, so that a cross-site form
// cannot post to the API), the body at most limit bytes, one value, with no
// unknown field.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "request body must be application/json")
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("request body: more than one JSON value")
	}
	return nil
}

// jsonError explains a decoding failure, naming the field or offset.
func jsonError(err error, limit int64) *Error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body exceeds %d bytes", limit)
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("request body: JSON ends early")
	case errors.As(err, &syntax):
		return badRequest("request body: invalid JSON at offset %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return badRequest("request body: field %q: want %s, got %s", typ.Field, typ.Type, typ.Value)
		}
		return badRequest("request body: want %s, got %s", typ.Type, typ.Value)
	}
	// encoding/json reports unknown fields only as text: json: unknown field "x".
	return badRequest("request body: %s", trimJSONPrefix(err.Error()))
}

func trimJSONPrefix(s string) string {
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// noContent answers 204.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// paramError says what is wrong with a query parameter.
func paramError(name, format string, args ...any) *Error {
	e := badRequest("parameter %s: %s", name, fmt.Sprintf(format, args...))
	e.Details = queryDetails{Parameter: name}
	return e
}
