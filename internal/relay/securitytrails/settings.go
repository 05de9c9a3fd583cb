package securitytrails

import (
	"fmt"
	"strings"

	"github.com/vigie-siem/vigie/internal/relay"
)

// settings are the per-request options SecureX puts in the token
// (SPEC §3.3–3.5). They live only as long as the request.
type settings struct {
	pages int // AllPages or a positive limit
	key   APIKey
}

// settingsFrom reads NUMBER_OF_PAGES, GET_ALL_PAGES and the API key from
// verified claims, in the original's order (steps 10, 11 and §3.5).
func settingsFrom(c relay.Claims) (settings, *relay.Error) {
	pages := 1
	if v, ok := c["NUMBER_OF_PAGES"]; ok {
		n, ok := pyIntOrTypeError(v)
		if !ok {
			return settings{}, relay.AuthError("NUMBER_OF_PAGES in JWT payload must be an integer")
		}
		if n >= 0 {
			pages = int(min(n, 1<<31-1))
		}
	}
	if v, ok := c["GET_ALL_PAGES"]; ok && !isPyFalse(v) {
		pages = AllPages
	}
	rawKey, ok := c["key"]
	if !ok {
		return settings{}, relay.AuthError(relay.ReasonPayloadStructure)
	}
	s := settings{pages: pages}
	switch k := rawKey.(type) {
	case nil:
		// A null key sends no APIKEY header; SecurityTrails decides.
	case string:
		key, err := NewAPIKey(k)
		if err != nil {
			return settings{}, relay.AuthError(relay.ReasonBadCredentials)
		}
		s.key = key
	default:
		return settings{}, relay.AuthError(relay.ReasonBadCredentials)
	}
	return s, nil
}

// pyIntOrTypeError applies Python's int() to NUMBER_OF_PAGES: a string
// that is not an integer literal gives the default (-1 here, so that it
// falls back to 1); only null, lists and objects are refused.
func pyIntOrTypeError(v any) (int64, bool) {
	if n, ok := relay.PyInt(v); ok {
		return n, true
	}
	if _, isString := v.(string); isString {
		return -1, true
	}
	return 0, false
}

// isPyFalse is the original's test for GET_ALL_PAGES: str(value).lower()
// == "false", true only for JSON false and any-case "false".
func isPyFalse(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case string:
		return strings.ToLower(x) == "false"
	default:
		return strings.ToLower(fmt.Sprint(x)) == "false"
	}
}
