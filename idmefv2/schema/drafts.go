package schema

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed schemas/*/IDMEFv2.schema
var schemaFS embed.FS

// legacyDraft is the folder of the pre-IETF SECEF schema, whose Version is "2.0.3".
const (
	legacyDraft   = "legacy-SECEF-2.0.3"
	legacyVersion = "2.0.3"
	draftPrefix   = "2.D."
)

// drafts lists every embedded draft in the order Drafts returns them (byte order).
var drafts = [...]string{"V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09-Dev", legacyDraft}

// Drafts returns the names of the embedded drafts in byte order: "V02", "V03", "V04", "V05",
// "V06", "V07", "V08", "V09-Dev", then "legacy-SECEF-2.0.3". The slice is a fresh copy.
func Drafts() []string {
	return append([]string(nil), drafts[:]...)
}

// DraftOf returns the draft whose schema accepts the given Version value: "2.D.V04" → "V04",
// "2.D.V09-Dev" → "V09-Dev", "2.0.3" → "legacy-SECEF-2.0.3". The match is exact (the schemas'
// Version enums are case-sensitive); ok is false for any other value.
func DraftOf(version string) (draft string, ok bool) {
	if version == legacyVersion {
		return legacyDraft, true
	}
	name, found := strings.CutPrefix(version, draftPrefix)
	if !found || name == legacyDraft {
		return "", false
	}
	if draftIndex(name) < 0 {
		return "", false
	}
	return name, true
}

// VersionOf is the inverse of DraftOf: the Version value a draft's schema requires.
func VersionOf(draft string) (version string, ok bool) {
	switch {
	case draft == legacyDraft:
		return legacyVersion, true
	case draftIndex(draft) >= 0:
		return draftPrefix + draft, true
	}
	return "", false
}

// draftIndex returns the position of draft in drafts, or -1.
func draftIndex(draft string) int {
	for i, d := range drafts {
		if d == draft {
			return i
		}
	}
	return -1
}

// Source returns a copy of the embedded schema text of draft, e.g. for code generators or
// for reading a draft's enums.
func Source(draft string) ([]byte, error) {
	if draftIndex(draft) < 0 {
		return nil, fmt.Errorf("unknown IDMEFv2 draft %q", draft)
	}
	return schemaBytes(draft)
}

// schemaBytes returns the embedded schema text of a known draft (embed.FS returns a copy).
func schemaBytes(draft string) ([]byte, error) {
	return schemaFS.ReadFile("schemas/" + draft + "/IDMEFv2.schema")
}
