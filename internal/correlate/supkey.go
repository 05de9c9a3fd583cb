package correlate

import "github.com/vigie-siem/vigie/idmefv2"

// Suppression keys of firings without merging their events' parties.
//
// The suppression key of a firing is read from its alert's merged sources
// and targets (the first MaxMerged distinct ones of the contributing
// events, in order; see mergeParties). Most firings of a busy group are
// suppressed, and merging every contributing alert's parties only to learn
// so was the largest cost of firing: each of those alerts is touched cold.
// A suppress field that reads one attribute of every source (or target)
// very often has one value in the whole group — the group-by field is
// usually the suppress field. A group keeps, for each such field, whether
// every non-empty value seen in its events' parties was the same (noted as
// events are inserted, while their alert is hot); then the field's part of
// the key is that value if a merged party carries it, else empty, and
// whether one does needs only the first contributing events.

// maxUniform bounds the suppress fields a rule may have for the shortcut.
const maxUniform = 2

// partyAttr reads one attribute of a source or of a target; the attribute
// is one of those mergeParties tells parties apart by (srcKey, tgtKey).
type partyAttr struct {
	target bool
	src    func(*idmefv2.Source) string
	tgt    func(*idmefv2.Target) string
}

// uniformAttrs returns the attribute each suppress field reads, or nil
// when one is not such an attribute of every source or target, or when
// there are more than maxUniform.
func uniformAttrs(fs []field) []partyAttr {
	if len(fs) == 0 || len(fs) > maxUniform {
		return nil
	}
	out := make([]partyAttr, 0, len(fs))
	for _, f := range fs {
		var pa partyAttr
		switch f.path.String() {
		case "Source(*).IP":
			pa.src = func(s *idmefv2.Source) string { return s.IP }
		case "Source(*).Hostname":
			pa.src = func(s *idmefv2.Source) string { return s.Hostname }
		case "Source(*).User":
			pa.src = func(s *idmefv2.Source) string { return s.User }
		case "Source(*).Email":
			pa.src = func(s *idmefv2.Source) string { return s.Email }
		case "Target(*).IP":
			pa.target, pa.tgt = true, func(t *idmefv2.Target) string { return t.IP }
		case "Target(*).Hostname":
			pa.target, pa.tgt = true, func(t *idmefv2.Target) string { return t.Hostname }
		case "Target(*).User":
			pa.target, pa.tgt = true, func(t *idmefv2.Target) string { return t.User }
		case "Target(*).Email":
			pa.target, pa.tgt = true, func(t *idmefv2.Target) string { return t.Email }
		case "Target(*).Service":
			pa.target, pa.tgt = true, func(t *idmefv2.Target) string { return t.Service }
		default:
			return nil
		}
		out = append(out, pa)
	}
	return out
}

// uniform is what a group saw of one suppress field's values.
type uniform struct {
	v     string // the value, when state is oneValue
	state uint8
}

const (
	noValue  = iota // no non-empty value seen
	oneValue        // every non-empty value seen was v
	mixed           // two different values seen
)

func (u *uniform) note(v string) {
	switch {
	case v == "":
	case u.state == noValue:
		u.v, u.state = v, oneValue
	case u.state == oneValue && v != u.v:
		u.v, u.state = "", mixed
	}
}

// noteParties records the values of c's uniform suppress fields in the
// parties of a, an event inserted in g.
func (g *group) noteParties(c *corRule, a *alertInfo) {
	for i, pa := range c.uniform {
		u := &g.uniform[i]
		if u.state == mixed {
			continue
		}
		if pa.target {
			for j := range a.Tgt {
				u.note(pa.tgt(&a.Tgt[j]))
			}
		} else {
			for j := range a.Src {
				u.note(pa.src(&a.Src[j]))
			}
		}
	}
}

// firstWith returns the value of pa in the first party of evs (in merge
// order) where it is not empty, and whether that party is among the
// first limit parties, so certainly merged (the merge keeps the first
// limit distinct ones, and a party before it with the same key would
// carry the same value). found is false when no party has a value.
func firstWith(pa partyAttr, evs []event, limit int) (v string, found, merged bool) {
	before := 0
	for _, ev := range evs {
		a := ev.Alert
		if pa.target {
			for j := range a.Tgt {
				if v := pa.tgt(&a.Tgt[j]); v != "" {
					return v, true, before < limit
				}
				before++
			}
		} else {
			for j := range a.Src {
				if v := pa.src(&a.Src[j]); v != "" {
					return v, true, before < limit
				}
				before++
			}
		}
	}
	return "", false, false
}

// uniformKey appends to buf the suppression key of a firing of c over
// evs, the events of g or some of them, as suppressed would compute it
// from the merged alert; ok is false when it cannot tell without
// merging.
func (e *Engine) uniformKey(buf []byte, c *corRule, g *group, evs []event) (_ []byte, ok bool) {
	if len(c.uniform) == 0 || g == nil {
		return buf, false
	}
	for i, pa := range c.uniform {
		switch u := &g.uniform[i]; u.state {
		case mixed:
			return buf, false
		case oneValue:
			v, found, merged := firstWith(pa, evs, e.opts.MaxMerged)
			if found && (!merged || v != u.v) {
				return buf, false
			}
			if found {
				buf = append(buf, v...)
			}
		}
		buf = append(buf, keySep...)
	}
	return buf, true
}
