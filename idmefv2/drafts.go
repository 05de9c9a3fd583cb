package idmefv2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// ValidatorOptions configures a Validator.
type ValidatorOptions struct {
	// Draft forces the draft to validate against: a draft name as listed by
	// DraftList ("V04", "V08", "V09-Dev"…) or a Version value ("2.D.V04").
	// "" or "auto" picks the draft from each message's Version, as
	// python-idmefv2 does.
	Draft string
	// Schemas is the JSON-schema validator used for drafts other than V08
	// and V09-Dev. Nil means a new one; share one to compile each draft's
	// schema once per process.
	Schemas *schema.Validator
}

// Validator validates messages of every draft: 2.D.V08 and 2.D.V09-Dev on
// the fast path (strict decoding, generated checks, the spec rules), older
// drafts with the JSON-schema validator on their official schema. It is safe
// for concurrent use.
type Validator struct {
	draft   string // "" for auto
	schemas *schema.Validator
}

// NewValidator returns a Validator for opts.
func NewValidator(opts ValidatorOptions) (*Validator, error) {
	v := &Validator{schemas: opts.Schemas}
	if v.schemas == nil {
		v.schemas = schema.New()
	}
	switch d := opts.Draft; {
	case d == "" || d == "auto":
	case slices.Contains(schema.Drafts(), d):
		v.draft = d
	default:
		draft, ok := schema.DraftOf(d)
		if !ok {
			return nil, fmt.Errorf("unknown draft %q: want auto, %s", d, DraftList())
		}
		v.draft = draft
	}
	return v, nil
}

// Schemas returns the JSON-schema validator the Validator uses, so that
// other components (the upgrader) can share its compiled schemas.
func (v *Validator) Schemas() *schema.Validator { return v.schemas }

// DraftList lists the draft names a Validator accepts, for help texts.
func DraftList() string { return strings.Join(schema.Drafts(), ", ") }

const (
	draftV08    = "V08"
	draftV09Dev = "V09-Dev"
)

// Validate validates one message (JSON bytes). Errors and warnings carry
// their JSON pointer and rule. Report.Version is the Version whose rules were
// applied.
//
// Only V08 and V09-Dev messages are checked against the rules of the draft
// text that the schema misses (rule names "spec.*"): older drafts are
// checked against their schema alone.
func (v *Validator) Validate(data []byte) Report {
	switch v.draft {
	case "":
		rep, declared := validateJSON(data)
		if declared == "" || declared.Valid() {
			return rep
		}
		draft, ok := schema.DraftOf(string(declared))
		if !ok {
			return rep // an unknown Version: the enum error at /Version says so
		}
		return v.schemaReport(draft, data)
	case draftV08, draftV09Dev:
		rep, declared := validateJSON(data)
		want := VersionV08
		if v.draft == draftV09Dev {
			want = VersionV09Dev
		}
		rep.Version = string(want)
		if declared != "" && declared != want && declared.Valid() {
			rep.Issues = append([]Issue{{
				Pointer: "/Version", Rule: "enum", Severity: SeverityError,
				Message: fmt.Sprintf("value %s is not %q, the Version of the draft asked for", quoteValue(string(declared)), want),
			}}, rep.Issues...)
		}
		return rep
	default:
		return v.schemaReport(v.draft, data)
	}
}

// schemaReport validates data against the official schema of draft.
func (v *Validator) schemaReport(draft string, data []byte) Report {
	version, _ := schema.VersionOf(draft)
	rep := Report{Version: version}
	errs, err := v.schemas.ValidateJSON(draft, data)
	if err != nil { // only for an unknown draft, which NewValidator excludes
		rep.Issues = []Issue{{Rule: "schema", Message: err.Error(), Severity: SeverityError}}
		return rep
	}
	if len(errs) > 0 {
		rep.Issues = make([]Issue, len(errs))
		for i, e := range errs {
			rep.Issues[i] = Issue{Pointer: e.Pointer, Rule: e.Keyword, Message: e.Message, Severity: SeverityError}
		}
	}
	return rep
}
