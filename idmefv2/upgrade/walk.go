package upgrade

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// extension names, per class and enum attribute, the private-value marker and the ext-*
// list that carries private values (draft §"Enum extension").
func extension(cls, key string) (marker, extList string, ok bool) {
	switch {
	case cls == "Alert" && key == "Category":
		return "Other.ext-value", "ext-Category", true
	case cls == "Analyzer" && (key == "Category" || key == "Data" || key == "Method"):
		return "ext-value", "ext-" + key, true
	}
	return "", "", false
}

// walkClass checks every attribute of one object of class cls against V08, mapping old enum
// values and, in lenient mode, repairing defects.
func (r *run) walkClass(obj map[string]any, cls, ptr string) {
	c := r.u.model.classes[cls]
	for _, key := range c.order {
		if _, found := obj[key]; found {
			r.walkAttr(obj, cls, key, c.attrs[key], ptr)
		}
	}
	if r.lenient {
		var unknown []string
		for key := range obj {
			if _, known := c.attrs[key]; !known {
				unknown = append(unknown, key)
			}
		}
		slices.Sort(unknown)
		for _, key := range unknown {
			p := ptr + "/" + escape(key)
			r.carry(p, obj[key], r.owner(cls, ptr))
			delete(obj, key)
			r.add(p, DroppedIntoExt, "attribute %q does not exist in %s: kept in the %s attachment", key, targetVersion, legacyName)
		}
	}
	if cls == "Source" || cls == "Target" {
		if _, found := obj["ID"]; !found {
			obj["ID"] = r.nameUUID(r.alertID() + ptr)
			r.add(ptr+"/ID", Defaulted, "%s.ID is required since V07: generated %s", cls, obj["ID"])
		}
	}
}

// owner returns ptr when it is a Source or Target object (the holder of carried values).
func (r *run) owner(cls, ptr string) string {
	if cls == "Source" || cls == "Target" {
		return ptr
	}
	return ""
}

// alertID returns the alert's ID as a string, for the names of generated UUIDs.
func (r *run) alertID() string {
	s, _ := r.doc["ID"].(string)
	return s
}

// walkAttr checks one attribute: its shape (list or single value) and then each value.
func (r *run) walkAttr(obj map[string]any, cls, key string, a attr, ptr string) {
	p := ptr + "/" + escape(key)
	v := obj[key]
	if v == nil {
		if r.lenient {
			delete(obj, key)
			r.add(p, Repaired, "null value removed")
		}
		return
	}
	list, isList := v.([]any)
	if !a.list {
		if isList && r.lenient && a.kind != kindContent && len(list) == 1 {
			v = list[0]
			r.add(p, Repaired, "one-element list replaced by its value")
		}
		if nv, keep := r.walkValue(obj, cls, key, a, v, p, ptr); keep {
			obj[key] = nv
		} else {
			delete(obj, key)
		}
		return
	}
	if !isList {
		if !r.lenient {
			return
		}
		list = []any{v}
		r.add(p, Repaired, "single value wrapped in a list")
	}
	out := make([]any, 0, len(list))
	for i, item := range list {
		nv, keep := r.walkValue(obj, cls, key, a, item, p+"/"+strconv.Itoa(i), ptr)
		switch {
		case !keep:
		case a.kind == kindEnum: // mapping can make two values equal
			out = appendUnique(out, nv)
		default:
			out = append(out, nv)
		}
	}
	if len(out) == 0 && len(list) > 0 {
		delete(obj, key)
		return
	}
	obj[key] = out
}

// walkValue checks one value of attribute key; keep is false when it must be removed (it
// was carried elsewhere).
func (r *run) walkValue(obj map[string]any, cls, key string, a attr, v any, p, ptr string) (nv any, keep bool) {
	switch a.kind {
	case kindObject:
		if m, ok := v.(map[string]any); ok {
			r.walkClass(m, a.class, p)
		}
		return v, true
	case kindEnum:
		if s, ok := v.(string); ok {
			return r.resolveEnum(obj, cls, key, a, s, p, ptr)
		}
	case kindUUID:
		if s, ok := v.(string); ok {
			return r.checkUUID(cls, s, p, ptr), true
		}
	case kindTimestamp:
		return r.checkTimestamp(v, p), true
	case kindInteger, kindNumber:
		return r.checkNumber(cls, key, a, v, p, ptr)
	case kindString:
		return r.checkString(v, p), true
	}
	return v, true
}

// resolveEnum maps one enum value to V08: unchanged when V08 has it, through the old
// taxonomies' tables, then (lenient) by case-insensitive match, else into the ext-* list or
// the Legacy attachment.
func (r *run) resolveEnum(obj map[string]any, cls, key string, a attr, s, p, ptr string) (any, bool) {
	m := r.u.model
	if m.enums[a.enum][s] {
		return s, true
	}
	due := r.tableDue(a.enum)
	if !due && !r.lenient {
		return s, true // the schema check reports it
	}
	nv, found := r.u.tables[a.enum][s]
	kind := Mapped
	if !due {
		kind = Repaired
	}
	if !found && r.lenient {
		kind = Repaired
		if v, ok := m.folded[a.enum][fold(s)]; ok {
			nv, found = v, true
		} else if v, ok := r.u.folded[a.enum][fold(s)]; ok {
			nv, found = v, true
		} else if a.enum == "priorityEnum" && fold(s) == "critical" {
			r.carry(p, s, r.owner(cls, ptr))
			nv, found = "High", true
		} else if a.enum == "analyzerCategoryEnum" {
			nv, found = r.bySuffix(a.enum, s)
		}
	}
	if found && nv != "" {
		r.add(p, kind, "%q → %q", s, nv)
		if a.enum == "categoryEnum" && nv != "Other.ext-value" {
			r.addAltCategory(s)
		}
		return nv, true
	}
	if marker, extList, ok := extension(cls, key); ok {
		obj[extList] = appendUnique(asList(obj[extList]), s)
		if cls == "Alert" {
			r.addAltCategory(s)
		}
		r.add(p, DroppedIntoExt, "%q has no %s equivalent: %q with the value in %s", s, targetVersion, marker, extList)
		return marker, true
	}
	r.carry(p, s, r.owner(cls, ptr))
	r.add(p, DroppedIntoExt, "%q is not a %s %s value: kept in the %s attachment", s, targetVersion, key, legacyName)
	return nil, false
}

// tableDue reports whether the old-to-new table of enum applies as a migration.
func (r *run) tableDue(enum string) bool {
	switch enum {
	case "categoryEnum", "entitysectorEnum":
		return r.due("V08")
	case "analyzerCategoryEnum", "analyzerDataEnum":
		return r.due("V07")
	}
	return false
}

// bySuffix matches an unknown analyzer category ("FRC.FR-CAM", "nids") with the one V08
// code whose part after the prefix is the same, ignoring case.
func (r *run) bySuffix(enum, s string) (string, bool) {
	want := fold(s[strings.LastIndex(s, ".")+1:])
	match := ""
	for _, v := range r.u.model.lists[enum] {
		_, suffix, _ := strings.Cut(v, ".")
		if fold(suffix) == want {
			if match != "" {
				return "", false
			}
			match = v
		}
	}
	return match, match != ""
}

// addAltCategory records an original category name in AltCategory.
func (r *run) addAltCategory(s string) {
	if _, isList := r.doc["AltCategory"].([]any); !isList && r.doc["AltCategory"] != nil {
		r.add("/AltCategory", Repaired, "single value wrapped in a list")
	}
	r.doc["AltCategory"] = appendUnique(asList(r.doc["AltCategory"]), s)
}

// nameUUID returns the name-based (version 5) UUID of name in the upgrade's namespace: the
// same input always gives the same ID.
func (r *run) nameUUID(name string) string {
	return uuid.NewSHA1(r.u.namespace, []byte(name)).String()
}

// checkUUID repairs (lenient) an ID that is not in the canonical UUID form.
func (r *run) checkUUID(cls, s, p, ptr string) string {
	if !r.lenient || isCanonicalUUID(s) {
		return s
	}
	if id, err := uuid.Parse(s); err == nil {
		r.add(p, Repaired, "UUID %q written in canonical form", s)
		return id.String()
	}
	id := r.nameUUID(s)
	r.carry(p, s, r.owner(cls, ptr))
	r.add(p, Repaired, "%q is not a UUID: replaced by %s (derived from it), original kept in the %s attachment", s, id, legacyName)
	return id
}

// isCanonicalUUID matches the schema's uuidType pattern.
func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

// timestampLayout is RFC 3339 with optional fraction, as written by the repairs.
const timestampLayout = "2006-01-02T15:04:05.999999999Z07:00"

// checkTimestamp repairs (lenient) timestamps without a zone, with a "+hhmm" offset, with a
// space for "T", or given as Unix seconds.
func (r *run) checkTimestamp(v any, p string) any {
	if !r.lenient {
		return v
	}
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		if err != nil || f < 0 || f > 1e13 {
			return v
		}
		if f > 1e11 { // milliseconds
			f /= 1000
		}
		sec, frac := math.Modf(f)
		t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
		s := t.Format(timestampLayout)
		r.add(p, Repaired, "Unix time %s written as %s", n, s)
		return s
	}
	s, ok := v.(string)
	if !ok {
		return v
	}
	fixed := s
	if m := r.u.ts.compactOffset.FindStringSubmatch(s); m != nil {
		fixed = m[1] + m[2] + ":" + m[3]
	} else if r.u.ts.zoneLess.MatchString(s) {
		zone := "Z"
		if local, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", strings.Replace(s, " ", "T", 1), r.u.opts.DefaultZone); err == nil {
			zone = local.Format("Z07:00")
		}
		fixed = s + zone
	}
	if len(fixed) > 10 && fixed[10] == ' ' {
		fixed = fixed[:10] + "T" + fixed[11:]
	}
	if fixed != s {
		r.add(p, Repaired, "timestamp %q written as %q", s, fixed)
	}
	return fixed
}

// checkNumber converts numbers written as strings (lenient) and maps an old-style
// percentage Confidence to 0..1.
func (r *run) checkNumber(cls, key string, a attr, v any, p, ptr string) (any, bool) {
	if s, ok := v.(string); ok && r.lenient {
		n := json.Number(strings.TrimSpace(s))
		if _, err := n.Float64(); err != nil {
			r.carry(p, v, r.owner(cls, ptr))
			r.add(p, DroppedIntoExt, "%q is not a number: kept in the %s attachment", s, legacyName)
			return nil, false
		}
		r.add(p, Repaired, "number written as a string %q", s)
		v = n
	}
	n, ok := v.(json.Number)
	if !ok {
		return v, true
	}
	if a.kind == kindInteger {
		if f, err := n.Float64(); err == nil && r.lenient && f == math.Trunc(f) && !strings.ContainsAny(string(n), "eE") && strings.Contains(string(n), ".") {
			i := json.Number(strconv.FormatFloat(f, 'f', -1, 64))
			r.add(p, Repaired, "integer written as %s", n)
			return i, true
		}
	}
	if cls == "Alert" && key == "Confidence" && (r.due("V06") || r.lenient) {
		return r.checkConfidence(n, p)
	}
	return v, true
}

// checkConfidence maps a Confidence above 1 (a percentage, allowed before V06) to 0..1.
func (r *run) checkConfidence(n json.Number, p string) (any, bool) {
	f, err := n.Float64()
	if err != nil || (f >= 0 && f <= 1) {
		return n, true
	}
	if f > 1 && f <= 100 {
		nv := json.Number(strconv.FormatFloat(f/100, 'f', -1, 64))
		r.add(p, r.kindFor("V06", Mapped), "Confidence %s read as a percentage: %s", n, nv)
		return nv, true
	}
	r.carry(p, n, "")
	r.add(p, DroppedIntoExt, "Confidence %s is outside 0..1: kept in the %s attachment", n, legacyName)
	return nil, false
}

// checkString turns a number or boolean where a string is wanted into its text (lenient).
func (r *run) checkString(v any, p string) any {
	if !r.lenient {
		return v
	}
	switch x := v.(type) {
	case json.Number:
		r.add(p, Repaired, "number %s written as a string", x)
		return string(x)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		r.add(p, Repaired, "number %s written as a string", s)
		return s
	case bool:
		r.add(p, Repaired, "boolean %v written as a string", x)
		return fmt.Sprint(x)
	}
	return v
}

// escape encodes a member name as a JSON-pointer token.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
