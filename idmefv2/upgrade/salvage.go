package upgrade

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// salvage is lenient mode's last resort: every value the V08 schema still rejects for its
// own text or type (a pattern, format, enum or type failure), and that V08 does not require,
// is moved to the Legacy attachment, so one bad value does not cost the whole alert.
func (r *run) salvage() error {
	errs, err := r.u.opts.Validator.Validate(targetDraft, r.doc)
	if err != nil {
		return err
	}
	var ptrs []string
	for _, e := range errs {
		switch e.Keyword {
		case "pattern", "format", "enum", "type", "maximum", "minimum":
			if e.Pointer != "" && !slices.Contains(ptrs, e.Pointer) {
				ptrs = append(ptrs, e.Pointer)
			}
		}
	}
	// Deepest and highest indexes first, so removing an item does not move the next one.
	slices.SortFunc(ptrs, func(a, b string) int { return -comparePointers(a, b) })
	for _, p := range ptrs {
		r.remove(p)
	}
	return nil
}

// required lists the attributes V08 requires in some class; salvage never removes them.
func required(key string) bool {
	switch key {
	case "Version", "ID", "CreateTime", "Analyzer", "Name":
		return true
	}
	return false
}

// remove takes the value at pointer p out of the message and carries it.
func (r *run) remove(p string) {
	tokens := strings.Split(p[1:], "/")
	var parent any = r.doc
	for _, t := range tokens[:len(tokens)-1] {
		parent = child(parent, t)
	}
	last := tokens[len(tokens)-1]
	owner := ""
	if len(tokens) >= 3 && (tokens[0] == "Source" || tokens[0] == "Target") {
		owner = "/" + tokens[0] + "/" + tokens[1]
	}
	switch c := parent.(type) {
	case map[string]any:
		key := strings.ReplaceAll(strings.ReplaceAll(last, "~1", "/"), "~0", "~")
		if required(key) {
			return
		}
		r.carry(p, c[key], owner)
		delete(c, key)
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i >= len(c) {
			return
		}
		r.carry(p, c[i], owner)
		list := slices.Delete(c, i, i+1)
		r.setChild(tokens[:len(tokens)-1], list)
	default:
		return
	}
	r.add(p, DroppedIntoExt, "value rejected by the %s schema: kept in the %s attachment", targetVersion, legacyName)
}

// setChild stores value at the location named by tokens.
func (r *run) setChild(tokens []string, value any) {
	var parent any = r.doc
	for _, t := range tokens[:len(tokens)-1] {
		parent = child(parent, t)
	}
	last := tokens[len(tokens)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = value
	case []any:
		if i, err := strconv.Atoi(last); err == nil && i < len(c) {
			c[i] = value
		}
	}
}

// child returns the member or item named by one pointer token.
func child(v any, token string) any {
	switch c := v.(type) {
	case map[string]any:
		return c[strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")]
	case []any:
		if i, err := strconv.Atoi(token); err == nil && i < len(c) {
			return c[i]
		}
	}
	return nil
}

// comparePointers orders JSON pointers token by token, numbers numerically.
func comparePointers(a, b string) int {
	ta, tb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(ta) && i < len(tb); i++ {
		ia, errA := strconv.Atoi(ta[i])
		ib, errB := strconv.Atoi(tb[i])
		var c int
		if errA == nil && errB == nil {
			c = cmp.Compare(ia, ib)
		} else {
			c = strings.Compare(ta[i], tb[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ta), len(tb))
}
