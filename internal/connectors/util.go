package connectors

import "strings"

// prefixed returns each value with a prefix, for AltCategory entries.
func prefixed(prefix string, values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, prefix+v)
		}
	}
	return out
}

// hash returns "fn:hex" when hex is an even-length hexadecimal digest, the
// form the schema requires, and "" otherwise.
func hash(fn, hex string) string {
	if hex == "" || len(hex)%2 != 0 {
		return ""
	}
	for _, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return ""
		}
	}
	return fn + ":" + hex
}

// Truncate shortens s to at most n bytes, keeping valid UTF-8 and marking
// the cut with "…", for quoting input in an error message.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
