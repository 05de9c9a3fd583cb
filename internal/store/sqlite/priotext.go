package sqlite

import (
	"strconv"
	"strings"
)

// Each alert's indexed text (alert_text.body) ends with a synthetic
// priority token, priorityMark followed by "p" and the priority rank
// ("\ue000p3" for Low), so that FTS5 itself can restrict free text to one
// priority: MATCH '"failed password" AND "\ue000p5"' intersects the two
// doclists inside FTS5, which a priority-sorted search of frequent text
// needs (textlevels.go).
//
// Analysts must never match the token by accident. The unicode61
// tokenizer keeps letters, digits and private-use characters (categories
// L*, N* and Co) in tokens and splits on everything else, so the token is a
// single token that starts with U+E000, a private-use character. Both the
// alert text (indexedText) and the analysts' free text (ftsQuery) have
// every U+E000 replaced by a space before FTS5 sees them, which
// tokenizes them as before wherever U+E000 was not already a separator,
// keeps them consistent with each other, and leaves the token as the only
// indexed token containing U+E000: no phrase or prefix query from an
// analyst can produce or reach it (a prefix query cannot start with it
// either).
const priorityMark = "\ue000"

// priorityToken is the token of priority rank p, as an FTS5 string.
func priorityToken(p int64) string {
	return `"` + priorityMark + "p" + strconv.FormatInt(p, 10) + `"`
}

// withoutMark replaces priorityMark in s by a space.
func withoutMark(s string) string {
	if !strings.Contains(s, priorityMark) {
		return s
	}
	return strings.ReplaceAll(s, priorityMark, " ")
}

// indexedText is what alert_text indexes for an alert of priority rank p
// with free text body: the body without priorityMark, then the priority
// token on its own line; "" (no row) when the body is empty, as such an
// alert can never match free text.
func indexedText(body string, p int64) string {
	if body == "" {
		return ""
	}
	return withoutMark(body) + "\n" + priorityMark + "p" + strconv.FormatInt(p, 10)
}
