package upgrade

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// targetDraft is the draft every message is upgraded to.
const (
	targetDraft   = "V08"
	targetVersion = "2.D.V08"
)

// Kind classifies a Change.
type Kind string

// The kinds of change an upgrade reports.
const (
	// Renamed: an attribute got its newer name (Entity → OrganisationName).
	Renamed Kind = "renamed"
	// Mapped: a value was translated to its V08 equivalent (Version, enum values from the old
	// taxonomies, a scalar that V08 wants as a list).
	Mapped Kind = "mapped"
	// Moved: an attribute moved to another class (Analyzer.Type → Type).
	Moved Kind = "moved"
	// DroppedIntoExt: a value with no V08 equivalent was kept in an ext-* list, AltCategory or
	// a JSON attachment instead.
	DroppedIntoExt Kind = "dropped-into-ext"
	// Repaired: lenient mode fixed a defect of the message (a warning about its sender).
	Repaired Kind = "repaired"
	// Defaulted: a value V08 requires was missing and was generated.
	Defaulted Kind = "defaulted"
)

// Change is one modification made by an upgrade.
type Change struct {
	// Pointer is the JSON pointer of the value in the original message; for a value the
	// upgrade adds, where it was added.
	Pointer string
	Kind    Kind
	Message string
}

// String formats the change as "pointer: kind: message", "/" standing for the root.
func (c Change) String() string {
	p := c.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + string(c.Kind) + ": " + c.Message
}

// Options configures an Upgrader. The zero value upgrades strictly, with time.Now and UTC.
type Options struct {
	// Lenient repairs the common defects of connector output (see the package doc) instead of
	// rejecting the message; every repair is reported as a Repaired change.
	Lenient bool
	// Now gives the time used for a missing CreateTime (lenient mode). Nil means time.Now.
	Now func() time.Time
	// DefaultZone is the zone assumed for timestamps written without one (lenient mode).
	// Nil means UTC.
	DefaultZone *time.Location
	// Validator checks the input (strict mode) and the output. Nil means a new one; share one
	// to compile each schema once per process.
	Validator *schema.Validator
}

// Upgrader upgrades messages of drafts V02–V07 (and V09-Dev) to V08. It is safe for
// concurrent use.
type Upgrader struct {
	opts      Options
	model     *model
	tables    map[string]map[string]string // enum definition → old value → V08 value ("" = none)
	folded    map[string]map[string]string // the same, keyed by fold(old value)
	namespace uuid.UUID                    // of the name-based (v5) UUIDs the upgrade generates
	ts        timestampPatterns
}

// timestampPatterns recognise the timestamp defects lenient mode repairs.
type timestampPatterns struct {
	zoneLess, compactOffset *regexp.Regexp
}

// New returns an Upgrader.
func New(opts Options) (*Upgrader, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DefaultZone == nil {
		opts.DefaultZone = time.UTC
	}
	if opts.Validator == nil {
		opts.Validator = schema.New()
	}
	m, err := loadModel()
	if err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	u := &Upgrader{
		opts:  opts,
		model: m,
		tables: map[string]map[string]string{
			"categoryEnum":         merge(categoryV06(), categoryV07()),
			"analyzerCategoryEnum": analyzerCategoryV06(),
			"analyzerDataEnum":     analyzerDataV06(),
			"entitysectorEnum":     entitySectorV07(),
		},
		folded:    map[string]map[string]string{},
		namespace: uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/vigie-siem/vigie/idmefv2/upgrade")),
		ts: timestampPatterns{
			zoneLess:      regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$`),
			compactOffset: regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)([-+][0-9]{2})([0-9]{2})$`),
		},
	}
	for def, table := range u.tables {
		f := map[string]string{}
		for old, v := range table {
			f[fold(old)] = v
		}
		u.folded[def] = f
	}
	return u, nil
}

func merge(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// Upgrade is a shortcut for New(opts) followed by Upgrade; it compiles the schemas on every
// call unless opts.Validator is shared, so prefer an Upgrader for many messages.
func Upgrade(data []byte, opts Options) ([]byte, []Change, error) {
	u, err := New(opts)
	if err != nil {
		return nil, nil, err
	}
	return u.Upgrade(data)
}

// UpgradeMap is a shortcut for New(opts) followed by UpgradeMap.
func UpgradeMap(doc map[string]any, opts Options) ([]Change, error) {
	u, err := New(opts)
	if err != nil {
		return nil, err
	}
	return u.UpgradeMap(doc)
}

// Upgrade upgrades one JSON message to V08. A message that needs no change is returned as it
// is (the same bytes); otherwise the output is compact JSON with attributes in schema order.
// On error the output is nil; the changes made before the error are still returned.
func (u *Upgrader) Upgrade(data []byte) ([]byte, []Change, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("upgrade: invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, nil, errors.New("upgrade: invalid JSON: more than one value")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("upgrade: the message is a JSON %s, not an object", jsonType(v))
	}
	changes, err := u.UpgradeMap(doc)
	if err != nil {
		return nil, changes, err
	}
	if len(changes) == 0 {
		return data, nil, nil
	}
	out, err := u.model.marshal(doc)
	if err != nil {
		return nil, changes, fmt.Errorf("upgrade: encode: %w", err)
	}
	return out, changes, nil
}

// UpgradeMap upgrades a decoded message in place and returns the changes made. The result
// validates against the V08 schema, or the error says why not (an *InvalidError when the
// schema rejects the input in strict mode or the output). On error doc may be partly
// modified.
func (u *Upgrader) UpgradeMap(doc map[string]any) ([]Change, error) {
	r := &run{u: u, doc: doc, lenient: u.opts.Lenient, legacy: map[string]any{}, legacyRefs: map[string]bool{}}
	from, err := r.sourceDraft()
	if err != nil {
		return r.changes, err
	}
	if !r.lenient {
		errs, err := u.opts.Validator.Validate(from, doc)
		if err != nil {
			return nil, fmt.Errorf("upgrade: %w", err)
		}
		if len(errs) > 0 {
			return nil, &InvalidError{Draft: from, Input: true, Errors: errs}
		}
		if from == targetDraft {
			return nil, nil
		}
	}
	r.migrate(from)
	r.defaultAlert()
	r.walkClass(doc, "Alert", "")
	if r.lenient {
		if err := r.salvage(); err != nil {
			return r.changes, fmt.Errorf("upgrade: %w", err)
		}
	}
	r.flushLegacy(from)
	errs, err := u.opts.Validator.Validate(targetDraft, doc)
	if err != nil {
		return r.changes, fmt.Errorf("upgrade: %w", err)
	}
	if len(errs) > 0 {
		return r.changes, &InvalidError{Draft: targetDraft, Errors: errs, Lenient: r.lenient}
	}
	return r.changes, nil
}

// InvalidError reports schema violations that stop an upgrade: of the input against its own
// draft (strict mode), or of the upgraded message against V08.
type InvalidError struct {
	Draft   string         // the schema that rejected the message
	Input   bool           // true: the input was rejected; false: the output
	Lenient bool           // the upgrade ran in lenient mode
	Errors  []schema.Error // every violation, sorted by pointer
}

// maxListedErrors bounds how many violations Error() spells out.
const maxListedErrors = 5

func (e *InvalidError) Error() string {
	var b strings.Builder
	if e.Input {
		fmt.Fprintf(&b, "upgrade: the message is not valid %s", e.Draft)
	} else {
		fmt.Fprintf(&b, "upgrade: the upgraded message is not valid %s", e.Draft)
	}
	fmt.Fprintf(&b, " (%d errors): ", len(e.Errors))
	for i, x := range e.Errors {
		if i == maxListedErrors {
			b.WriteString("; …")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x.String())
	}
	if e.Input {
		b.WriteString(" (lenient mode repairs common defects)")
	}
	return b.String()
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}
