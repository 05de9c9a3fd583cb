package upgrade

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// rankOf orders the drafts an upgrade starts from (V02 = 0 … V08 = 6); V09-Dev has the V08
// schema. It returns -1 for the SECEF 2.0.3 format, which has no upgrade path.
func rankOf(draft string) int {
	if draft == "V09-Dev" {
		draft = targetDraft
	}
	return slices.Index([]string{"V02", "V03", "V04", "V05", "V06", "V07", "V08"}, draft)
}

// run is the state of one upgrade.
type run struct {
	u          *Upgrader
	doc        map[string]any
	lenient    bool
	rank       int // of the source draft
	changes    []Change
	legacy     map[string]any  // original pointer → value that V08 cannot hold
	legacyRefs map[string]bool // pointers of the Source/Target objects whose values went to legacy
}

func (r *run) add(ptr string, kind Kind, format string, args ...any) {
	r.changes = append(r.changes, Change{Pointer: ptr, Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// due reports whether the source draft predates draft, i.e. whether the change that draft
// introduced applies as a migration (otherwise it can only be a lenient repair).
func (r *run) due(draft string) bool {
	return r.rank < rankOf(draft)
}

// kindFor returns kind when the change is due to the version step, else Repaired.
func (r *run) kindFor(draft string, kind Kind) Kind {
	if r.due(draft) {
		return kind
	}
	return Repaired
}

// sourceDraft reads the Version member and returns the draft to upgrade from.
func (r *run) sourceDraft() (string, error) {
	raw, found := r.doc["Version"]
	if !found {
		if !r.lenient {
			return "", errors.New(`upgrade: the message has no "Version"`)
		}
		r.add("/Version", Defaulted, "no Version: assumed %s", targetVersion)
		r.doc["Version"] = targetVersion
		raw = targetVersion
	}
	version, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf(`upgrade: "Version" is a JSON %s, not a string`, jsonType(raw))
	}
	draft, ok := schema.DraftOf(version)
	if !ok {
		return "", fmt.Errorf("upgrade: unknown Version %q (known: 2.D.V02 … 2.D.V08, 2.D.V09-Dev)", version)
	}
	r.rank = rankOf(draft)
	if r.rank < 0 {
		return "", fmt.Errorf("upgrade: Version %q (SECEF IDMEFv2 0.3) is not supported: it predates the 2.D drafts and has no mapping", version)
	}
	return draft, nil
}

// migrate applies the structural changes between the source draft and V08. In lenient mode
// the same steps also repair messages that declare a newer draft but keep the old shape.
func (r *run) migrate(from string) {
	if r.due("V04") || r.lenient {
		r.renameEntity()
	}
	if r.due("V07") || r.lenient {
		r.moveAnalyzerType()
		r.vectorsToAttachments()
	}
	if r.due("V07") {
		r.wrapScalar(r.doc, "", "ext-Category")
		if an, ok := r.doc["Analyzer"].(map[string]any); ok {
			for _, key := range []string{"ext-Category", "ext-Data", "ext-Method"} {
				r.wrapScalar(an, "/Analyzer", key)
			}
		}
	}
	if r.due("V08") {
		r.wrapScalar(r.doc, "", "Status")
	}
	if r.doc["Version"] != targetVersion {
		r.add("/Version", Mapped, "%v → %s", r.doc["Version"], targetVersion)
		r.doc["Version"] = targetVersion
	}
}

// wrapScalar turns a scalar that the source draft allowed into the list V08 wants.
func (r *run) wrapScalar(obj map[string]any, ptr, key string) {
	v, found := obj[key]
	if _, isList := v.([]any); !found || isList || v == nil {
		return
	}
	obj[key] = []any{v}
	r.add(ptr+"/"+key, Mapped, "single value wrapped in a list, as %s requires", targetVersion)
}

// renameEntity maps V02/V03 Entity to OrganisationName.
func (r *run) renameEntity() {
	v, found := r.doc["Entity"]
	if !found {
		return
	}
	delete(r.doc, "Entity")
	if _, taken := r.doc["OrganisationName"]; taken {
		r.carry("/Entity", v, "")
		r.add("/Entity", DroppedIntoExt, "Entity kept in the %s attachment: OrganisationName is already set", legacyName)
		return
	}
	r.doc["OrganisationName"] = v
	r.add("/Entity", r.kindFor("V04", Renamed), "Entity renamed OrganisationName")
}

// moveAnalyzerType moves Analyzer.Type (V02–V06) to the alert's Type list (V07+).
func (r *run) moveAnalyzerType() {
	an, ok := r.doc["Analyzer"].(map[string]any)
	if !ok {
		return
	}
	v, found := an["Type"]
	if !found {
		return
	}
	delete(an, "Type")
	if _, isList := v.([]any); !isList && v != nil {
		r.add("/Analyzer/Type", Repaired, "Analyzer.Type is a single value, not a list")
	}
	r.doc["Type"] = appendUnique(asList(r.doc["Type"]), asList(v)...)
	r.add("/Analyzer/Type", r.kindFor("V07", Moved), "Analyzer.Type moved to the alert's Type")
}

// vectorsToAttachments carries each Vector (removed in V07) in a JSON attachment.
func (r *run) vectorsToAttachments() {
	v, found := r.doc["Vector"]
	if !found {
		return
	}
	delete(r.doc, "Vector")
	for i, vec := range asList(v) {
		name := r.uniqueAttachmentName("Vector" + strconv.Itoa(i))
		r.appendAttachment(map[string]any{
			"Name":            name,
			"ContentType":     "application/json",
			"ContentEncoding": "json",
			"Content":         vec,
			"Note":            "IDMEFv2 Vector class (removed in draft V07), carried unchanged by the upgrade to " + targetVersion,
		})
		r.add("/Vector/"+strconv.Itoa(i), DroppedIntoExt, "Vector (removed in V07) carried in the JSON attachment %q", name)
	}
}

// legacyName is the attachment that carries the values V08 cannot hold.
const legacyName = "Legacy"

// carry keeps a value V08 cannot hold for the Legacy attachment. owner, when not empty, is
// the pointer of the Source or Target that held it, which will reference the attachment.
func (r *run) carry(ptr string, v any, owner string) {
	r.legacy[ptr] = v
	if owner != "" {
		r.legacyRefs[owner] = true
	}
}

// flushLegacy adds the Legacy attachment when values were carried.
func (r *run) flushLegacy(from string) {
	if len(r.legacy) == 0 {
		return
	}
	name := r.uniqueAttachmentName(legacyName)
	version, _ := schema.VersionOf(from)
	r.appendAttachment(map[string]any{
		"Name":            name,
		"ContentType":     "application/json",
		"ContentEncoding": "json",
		"Content":         r.legacy,
		"Note":            fmt.Sprintf("Values of the original message (%s) that %s has no place for or rejects, keyed by their JSON pointer in the original", version, targetVersion),
	})
	for owner := range r.legacyRefs {
		parts := strings.Split(strings.TrimPrefix(owner, "/"), "/")
		list, _ := r.doc[parts[0]].([]any)
		i, _ := strconv.Atoi(parts[1])
		if i < len(list) {
			if obj, ok := list[i].(map[string]any); ok {
				obj["Attachment"] = appendUnique(asList(obj["Attachment"]), name)
			}
		}
	}
}

// defaultAlert fills the alert-level attributes V08 requires (lenient mode).
func (r *run) defaultAlert() {
	if !r.lenient {
		return
	}
	if _, found := r.doc["ID"]; !found {
		canon, _ := r.u.model.marshal(r.doc)
		r.doc["ID"] = r.nameUUID(string(canon))
		r.add("/ID", Defaulted, "no ID: generated %s from the message content", r.doc["ID"])
	}
	if _, found := r.doc["CreateTime"]; !found {
		now := r.u.opts.Now().In(r.u.opts.DefaultZone).Format("2006-01-02T15:04:05.999999999Z07:00")
		r.doc["CreateTime"] = now
		r.add("/CreateTime", Defaulted, "no CreateTime: set to the time of the upgrade")
	}
}

// uniqueAttachmentName returns base, or base with a suffix when an attachment has that name.
func (r *run) uniqueAttachmentName(base string) string {
	used := map[string]bool{}
	for _, a := range asList(r.doc["Attachment"]) {
		if obj, ok := a.(map[string]any); ok {
			if n, ok := obj["Name"].(string); ok {
				used[n] = true
			}
		}
	}
	name := base
	for i := 2; used[name]; i++ {
		name = base + "x" + strconv.Itoa(i)
	}
	return name
}

func (r *run) appendAttachment(a map[string]any) {
	r.doc["Attachment"] = append(asList(r.doc["Attachment"]), a)
}

// asList returns v as a list: itself, a one-element list, or nil for a missing value.
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// appendUnique appends values to list, skipping strings already in it.
func appendUnique(list []any, values ...any) []any {
	for _, v := range values {
		if s, ok := v.(string); ok && containsString(list, s) {
			continue
		}
		list = append(list, v)
	}
	return list
}

func containsString(list []any, s string) bool {
	for _, x := range list {
		if x == any(s) {
			return true
		}
	}
	return false
}
