package relay

import (
	"encoding/json"
	"net/http"
)

// Envelope is the body of every TR answer: {"data": …, "errors": […]}.
// A nil Data or an empty Errors is left out.
type Envelope struct {
	Data   any      `json:"data,omitempty"`
	Errors []*Error `json:"errors,omitempty"`
}

// Assemble builds the observe-style envelope of SPEC §2.3: data is kept
// when it has content or when there is no error at all (so that "nothing
// found" answers {"data":{}}), and errors are attached when present.
func Assemble(data map[string]any, errs []*Error) Envelope {
	env := Envelope{Errors: errs}
	if len(data) > 0 || len(errs) == 0 {
		if data == nil {
			data = map[string]any{}
		}
		env.Data = data
	}
	return env
}

// WriteData answers 200 with {"data": v}.
func WriteData(w http.ResponseWriter, v any) {
	WriteJSON(w, http.StatusOK, Envelope{Data: v})
}

// WriteErrors answers 200 with {"errors": errs}: Threat Response expects
// every TR error, authentication failures included, with status 200.
func WriteErrors(w http.ResponseWriter, errs ...*Error) {
	WriteJSON(w, http.StatusOK, Envelope{Errors: errs})
}

// WriteJSON writes v as compact JSON with a trailing newline, the way the
// original Flask relay does. HTML characters are not escaped, so messages
// such as "visibility.<region>.cisco.com" stay readable.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// The only values written here are built by this package and its
	// modules, so encoding cannot fail; a write error means the client left.
	_ = enc.Encode(v)
}

// GenericError is the non-TR envelope used for 404, 405 and 500 (SPEC §2.4).
type GenericError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
}

// Texts of the generic envelopes, as Werkzeug words them.
const (
	MessageNotFound         = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
	MessageMethodNotAllowed = "The method is not allowed for the requested URL."
	MessageInternal         = "Something went wrong."
	ReasonNotFound          = "werkzeug.exceptions.NotFound"
	ReasonMethodNotAllowed  = "werkzeug.exceptions.MethodNotAllowed"
)

// WriteGeneric answers status with the generic envelope.
func WriteGeneric(w http.ResponseWriter, status int, message, reason string) {
	WriteJSON(w, status, GenericError{Code: status, Message: message, Reason: reason})
}

// WriteNotFound answers 404 with the generic envelope.
func WriteNotFound(w http.ResponseWriter) {
	WriteGeneric(w, http.StatusNotFound, MessageNotFound, ReasonNotFound)
}

// WriteMethodNotAllowed answers 405 with the generic envelope.
func WriteMethodNotAllowed(w http.ResponseWriter) {
	WriteGeneric(w, http.StatusMethodNotAllowed, MessageMethodNotAllowed, ReasonMethodNotAllowed)
}

// WriteInternal answers 500 with the generic envelope; reason names the
// failure class (the original gives a Python class name here).
func WriteInternal(w http.ResponseWriter, reason string) {
	WriteGeneric(w, http.StatusInternalServerError, MessageInternal, reason)
}
