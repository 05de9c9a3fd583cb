package correlate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-siem/vigie/idmefv2"
)

// InfoAttachment is the name of the attachment every emitted alert
// carries, with an Info as JSON content.
const InfoAttachment = "correlation"

// RefPrefix starts the Ref of an emitted alert; the rule's key follows.
const RefPrefix = "urn:vigie:rule:"

// Info is the content of the "correlation" attachment of an emitted alert.
type Info struct {
	Rule  string `json:"rule"`  // the rule's key (id, else name)
	Title string `json:"title"` // the rule's title
	// Type is the correlation type, "detection" for a detection rule's
	// alert, or "dedup" for a duplicate summary.
	Type  string       `json:"type"`
	Group []GroupValue `json:"group,omitempty"` // the group-by values
	// Value is what the condition compared (count, distinct values,
	// rules, sum, average or percentile); Count the contributing alerts.
	Value     float64 `json:"value"`
	Count     int     `json:"count"`
	Condition string  `json:"condition,omitempty"`
	Start     string  `json:"start"`
	End       string  `json:"end"`
	// Depth is 1 for a correlation of ordinary alerts, n+1 for one that
	// uses alerts of depth n.
	Depth int `json:"depth"`
}

// GroupValue is one group-by field and its value.
type GroupValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// readInfo reads the Info of an alert this correlator emitted.
func readInfo(a *idmefv2.Alert) (Info, bool) {
	for i := range a.Attachment {
		at := &a.Attachment[i]
		if at.Name != InfoAttachment {
			continue
		}
		var info Info
		if err := json.Unmarshal(at.Content, &info); err != nil || info.Rule == "" {
			return Info{}, false
		}
		return info, true
	}
	return Info{}, false
}

// maxGroupsPerAlert bounds the groups one alert joins (the product of its
// group-by values).
const maxGroupsPerAlert = 64

// keySep separates the values of a multi-field group key.
const keySep = "\x1f"

// keyBuf holds the group keys of one alert: keys[offs[i]:offs[i+1]].
// Keys are built in one byte buffer so that looking a group up allocates
// nothing; a string is made only for a new group.
type keyBuf struct {
	buf  []byte
	offs []int
	vals [][]string // per group-by field, scratch
}

func (kb *keyBuf) n() int           { return len(kb.offs) - 1 }
func (kb *keyBuf) key(i int) []byte { return kb.buf[kb.offs[i]:kb.offs[i+1]] }

// groupKeys fills kb with the keys of the groups alert a joins in c
// through reference ref: one per combination of its group-by values (a
// list contributes each value), the values joined by keySep. An alert
// without a value for a group-by field joins none.
func groupKeys(kb *keyBuf, c *corRule, ref int, a *idmefv2.Alert) {
	kb.buf, kb.offs = kb.buf[:0], append(kb.offs[:0], 0)
	fields := c.groupBy[ref]
	if len(fields) == 0 {
		kb.offs = append(kb.offs, 0)
		return
	}
	for len(kb.vals) < len(fields) {
		kb.vals = append(kb.vals, nil)
	}
	if len(fields) == 1 && !c.whole {
		vals := fields[0].appendValues(kb.vals[0][:0], a)
		kb.vals[0] = vals
	next:
		for _, v := range vals {
			for i := range kb.n() {
				if string(kb.key(i)) == v {
					continue next
				}
			}
			if kb.n() == maxGroupsPerAlert {
				break
			}
			kb.buf = append(kb.buf, v...)
			kb.offs = append(kb.offs, len(kb.buf))
		}
		return
	}
	combos := 1
	for i, f := range fields {
		vals := f.appendValues(kb.vals[i][:0], a)
		sort.Strings(vals)
		vals = slices.Compact(vals)
		kb.vals[i] = vals
		if c.whole {
			continue
		}
		if len(vals) == 0 {
			return
		}
		combos *= len(vals)
	}
	if c.whole {
		for i := range fields {
			if i > 0 {
				kb.buf = append(kb.buf, keySep...)
			}
			for j, v := range kb.vals[i] {
				if j > 0 {
					kb.buf = append(kb.buf, ',')
				}
				kb.buf = append(kb.buf, v...)
			}
		}
		kb.offs = append(kb.offs, len(kb.buf))
		return
	}
	// Every combination, by counting in mixed radix.
	combos = min(combos, maxGroupsPerAlert)
	for n := range combos {
		for i := range fields {
			vals := kb.vals[i]
			if i > 0 {
				kb.buf = append(kb.buf, keySep...)
			}
			kb.buf = append(kb.buf, vals[n%len(vals)]...)
			n /= len(vals)
		}
		kb.offs = append(kb.offs, len(kb.buf))
	}
}

// groupValues splits a group key into its values. The value of a single
// group-by field goes in one, the group's own array: no allocation per
// group for the usual case.
func groupValues(c *corRule, key string, one *[1]string) []string {
	if len(c.rule.Correlation.GroupBy) == 0 {
		return nil
	}
	if len(c.rule.Correlation.GroupBy) == 1 {
		one[0] = key
		return one[:]
	}
	return strings.Split(key, keySep)
}

// deterministicID derives a UUID (version 8, RFC 9562) from parts, so
// that the same firing re-made after a restart has the same ID.
func deterministicID(parts ...string) string {
	var stack [256]byte
	buf := stack[:0]
	for _, p := range parts {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	u := uuid.UUID(sum[:16])
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u.String()
}

func ts(n int64) string { return idmefv2.FormatTime(time.Unix(0, n).UTC()) }

// methods is the Analyzer.Method of a rule type's alerts.
func methods(typ string) []idmefv2.AnalyzerMethod {
	switch Type(typ) {
	case EventCount, ValueCount:
		return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation, idmefv2.AnalyzerMethodThreshold}
	case TemporalOrdered:
		return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation, idmefv2.AnalyzerMethodSequence}
	case ValueSum, ValueAvg, ValuePercentile:
		return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation, idmefv2.AnalyzerMethodStatistical}
	case "detection":
		return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodRuleBased}
	case "dedup":
		return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation, idmefv2.AnalyzerMethodFrequency}
	}
	return []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation}
}

// build makes the alert a rule emits from its contributing events.
func (e *Engine) build(r *Rule, info Info, evs []event, aggr []string) *idmefv2.Alert {
	a := e.buildParties(r, info, evs, aggr)
	e.finish(a, r, info, evs)
	return a
}

// buildParties makes the alert a rule emits from its contributing events
// but for what only identifies it (ID, CorrelID and the "correlation"
// attachment, added by finish): enough to decide suppression, which reads
// the merged sources and targets, before paying for the rest.
func (e *Engine) buildParties(r *Rule, info Info, evs []event, aggr []string) *idmefv2.Alert {
	return e.buildPartiesInto(new(idmefv2.Alert), r, info, evs, aggr)
}

// buildPartiesInto is buildParties into a, which it overwrites.
func (e *Engine) buildPartiesInto(a *idmefv2.Alert, r *Rule, info Info, evs []event, aggr []string) *idmefv2.Alert {
	an := e.opts.Analyzer
	an.Method = methods(info.Type)
	*a = idmefv2.Alert{
		Version:     idmefv2.VersionV08,
		CreateTime:  idmefv2.FormatTime(e.opts.Now()),
		StartTime:   info.Start,
		EndTime:     info.End,
		Analyzer:    an,
		Description: r.Title,
		Ref:         []string{RefPrefix + url.PathEscape(r.Key())},
	}
	if r.Description != "" {
		a.Note = r.Description
	}
	if r.Level != "" {
		a.Priority = levelPriority(r.Level)
	}
	m := &e.merge
	var top idmefv2.Priority
	var cats []idmefv2.Category
	if m.kept {
		// Merged for the suppression key (mergedSupKey) of this firing.
		top, cats, m.kept, m.cats = m.top, m.cats, false, nil
	} else {
		top, cats = e.mergeParties(evs)
	}
	a.Category = cats
	if len(m.srcs) > 0 {
		a.Source = make([]idmefv2.Source, len(m.srcs))
		for i, s := range m.srcs {
			a.Source[i] = *s
			a.Source[i].Attachment = nil
		}
	}
	if len(m.tgts) > 0 {
		a.Target = make([]idmefv2.Target, len(m.tgts))
		for i, t := range m.tgts {
			a.Target[i] = *t
			a.Target[i].Attachment = nil
		}
	}
	clear(m.srcs)
	clear(m.tgts)
	if a.Priority == "" {
		a.Priority = top
	}
	a.AggrCondition = aggr
	for k, v := range r.IDMEF {
		if p, err := idmefv2.ParsePath(k); err == nil {
			_ = idmefv2.Set(a, p, v) // checked when the rule loaded
		}
	}
	// Categories from contributing alerts may hold ext values this alert
	// does not carry: keep only the standard ones.
	a.Category = slices.DeleteFunc(a.Category, func(c idmefv2.Category) bool { return c == "Other.ext-value" || !c.Valid() })
	return a
}

// mergeParties merges the parties of the contributing events: sources
// and targets deduplicated by their keys, the first MaxMerged of each in
// e.merge.srcs and e.merge.tgts (pointers into the events' alerts, to be
// copied), the highest priority and the first MaxMerged categories.
func (e *Engine) mergeParties(evs []event) (top idmefv2.Priority, cats []idmefv2.Category) {
	// Keys are kept in small sets that turn into maps only when an
	// alert's parties are many.
	m := &e.merge
	m.src.reset()
	m.tgt.reset()
	m.srcs, m.tgts = m.srcs[:0], m.tgts[:0]
	limit := e.opts.MaxMerged
	var lastSrc sourceKey
	var lastTgt targetKey
	for _, x := range evs {
		ev := x.Alert
		if ev.Prio != top && ev.Prio.Rank() > top.Rank() {
			top = ev.Prio
		}
		if m.src.len() >= 4*limit && m.tgt.len() >= 4*limit {
			continue // enough seen: the merge is bounded anyway
		}
		for i := range ev.Src {
			s := &ev.Src[i]
			if k := srcKey(s); k != lastSrc && m.src.add(k) {
				lastSrc = k
				if len(m.srcs) < limit {
					m.srcs = append(m.srcs, s)
				}
			}
		}
		for i := range ev.Tgt {
			t := &ev.Tgt[i]
			if k := tgtKey(t); k != lastTgt && m.tgt.add(k) {
				lastTgt = k
				if len(m.tgts) < limit {
					m.tgts = append(m.tgts, t)
				}
			}
		}
		for _, c := range ev.Cat {
			if !slices.Contains(cats, c) && len(cats) < limit {
				cats = append(cats, c)
			}
		}
	}
	return top, cats
}

// finish completes an alert of buildParties: its ID (derived from rule,
// group, window start and first contributing alert), CorrelID and the
// "correlation" attachment.
func (e *Engine) finish(a *idmefv2.Alert, r *Rule, info Info, evs []event) {
	e.setID(a, r, info, evs)
	a.CorrelID = make([]string, 0, len(evs))
	for i := range evs {
		if !seenAt(evs, i) {
			a.CorrelID = append(a.CorrelID, evs[i].Alert.ID)
		}
	}
	at := idmefv2.Attachment{Name: InfoAttachment, ContentType: "application/json"}
	if err := at.SetContentJSON(info); err == nil {
		a.Attachment = append(a.Attachment, at)
	}
}

// setID sets the ID of an alert of buildParties, derived from rule,
// group, window start and first contributing alert.
func (e *Engine) setID(a *idmefv2.Alert, r *Rule, info Info, evs []event) {
	var stack [4]string // group-by fields are few: no allocation
	groupID := stack[:0]
	for _, g := range info.Group {
		groupID = append(groupID, g.Value)
	}
	a.ID = deterministicID(r.Key(), strings.Join(groupID, "\x1f"), info.Start, evs[0].Alert.ID)
}

// seenAt reports whether the alert of evs[i] is also an earlier event: it
// may be, when it matched several referenced rules or was delivered
// twice. Events are in time order, so only the earlier events of the same
// time are compared.
func seenAt(evs []event, i int) bool {
	for j := i - 1; j >= 0 && evs[j].T == evs[i].T; j-- {
		if evs[j].Alert.ID == evs[i].Alert.ID {
			return true
		}
	}
	return false
}

// merger is the scratch space of Engine.buildParties.
type merger struct {
	src  keySet[sourceKey]
	tgt  keySet[targetKey]
	srcs []*idmefv2.Source
	tgts []*idmefv2.Target
	// kept: srcs, tgts, top and cats are the merge of the firing being
	// made (see mergedSupKey).
	kept bool
	top  idmefv2.Priority
	cats []idmefv2.Category
}

// drop forgets a kept merge.
func (m *merger) drop() {
	clear(m.srcs)
	clear(m.tgts)
	m.kept, m.cats = false, nil
}

// keySet is a set of keys: a slice searched linearly while small (the
// usual case: a group's alerts share a few parties), a map beyond.
type keySet[K comparable] struct {
	keys []K
	m    map[K]struct{}
}

const keySetSmall = 16

func (s *keySet[K]) reset() {
	clear(s.keys)
	s.keys = s.keys[:0]
	s.m = nil
}

func (s *keySet[K]) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.keys)
}

// add adds k and reports whether it was new.
func (s *keySet[K]) add(k K) bool {
	if s.m != nil {
		if _, ok := s.m[k]; ok {
			return false
		}
		s.m[k] = struct{}{}
		return true
	}
	if slices.Contains(s.keys, k) {
		return false
	}
	if len(s.keys) < keySetSmall {
		s.keys = append(s.keys, k)
		return true
	}
	s.m = make(map[K]struct{}, 2*keySetSmall)
	for _, x := range s.keys {
		s.m[x] = struct{}{}
	}
	s.m[k] = struct{}{}
	return true
}

// sourceKey and targetKey tell merged sources and targets apart.
type sourceKey struct{ ip, host, user, email, loc string }

type targetKey struct{ ip, host, user, email, service, loc string }

func srcKey(s *idmefv2.Source) sourceKey {
	return sourceKey{s.IP, s.Hostname, s.User, s.Email, s.Location}
}

func tgtKey(t *idmefv2.Target) targetKey {
	return targetKey{t.IP, t.Hostname, t.User, t.Email, t.Service, t.Location}
}

// fire emits the alert of a correlation whose condition holds, and feeds
// it to the correlations that chain on it.
func (e *Engine) fire(c *corRule, g *group, evs []event, v float64, start, end int64) {
	r := c.rule
	depth := 0
	for _, ev := range evs {
		depth = max(depth, int(ev.Depth))
	}
	depth++
	if depth > e.opts.MaxDepth {
		e.m.depthLimited.Inc()
		return
	}
	// Suppression reads the merged alert: decide it before the costly
	// rest (most firings of a busy group are suppressed), unless a
	// suppress field reads what finish sets.
	if c.suppressParties && !c.suppressReadsID {
		// The suppression key reads only the merged sources and
		// targets: decide it on them, without building the alert, and
		// without merging them when the group's values tell it.
		k, ok := e.uniformKey(e.supKey[:0], c, g, evs)
		if !ok {
			k = e.mergedSupKey(k[:0], c, evs)
		}
		e.supKey = k
		if e.suppressedKey(r, k, end) {
			e.merge.drop()
			return
		}
		info := e.firingInfo(c, g, evs, v, start, end, depth)
		a := e.build(r, info, evs, c.aggr)
		e.emitFiring(c, a, end, depth)
		return
	}
	info := e.firingInfo(c, g, evs, v, start, end, depth)
	var a *idmefv2.Alert
	switch {
	case c.suppressReadsID:
		a = e.build(r, info, evs, c.aggr)
	case c.fedOnly:
		// Only fed to the consumers, which keep what they need of it
		// (newAlertInfo): the Alert struct itself can be reused.
		a = e.buildPartiesInto(e.takeScratch(), r, info, evs, c.aggr)
		defer e.putScratch(a)
	default:
		a = e.buildParties(r, info, evs, c.aggr)
	}
	if c == e.dedup {
		a.Description = dedupDescription(evs)
	}
	if e.suppressed(r, c.suppress, a, end) {
		return
	}
	switch {
	case c.suppressReadsID:
	case c.fedOnly:
		// Nothing reads more of it than its ID (see corRule.fedOnly).
		e.setID(a, r, info, evs)
	default:
		e.finish(a, r, info, evs)
	}
	e.emitFiring(c, a, end, depth)
}

// mergedSupKey appends to buf the suppression key of a firing of c over
// evs, read from their merged parties. The merge is kept for the
// firing's alert, should it not be suppressed (buildPartiesInto); fire
// drops it otherwise.
func (e *Engine) mergedSupKey(buf []byte, c *corRule, evs []event) []byte {
	m := &e.merge
	m.top, m.cats = e.mergeParties(evs)
	m.kept = true
	sa := &e.supAlert
	sa.Source, sa.Target = sa.Source[:0], sa.Target[:0]
	for _, s := range m.srcs {
		sa.Source = append(sa.Source, *s)
		sa.Source[len(sa.Source)-1].Attachment = nil
	}
	for _, t := range m.tgts {
		sa.Target = append(sa.Target, *t)
		sa.Target[len(sa.Target)-1].Attachment = nil
	}
	buf = appendSupKey(buf, c.suppress, sa)
	clear(sa.Source)
	clear(sa.Target)
	return buf
}

// takeScratch returns an Alert to build a fedOnly firing's alert in;
// putScratch gives it back once the consumers are fed. Chains nest, so
// there is one per level in use.
func (e *Engine) takeScratch() *idmefv2.Alert {
	if n := len(e.scratch); n > 0 {
		a := e.scratch[n-1]
		e.scratch = e.scratch[:n-1]
		return a
	}
	return new(idmefv2.Alert)
}

func (e *Engine) putScratch(a *idmefv2.Alert) {
	if e.curAlert == a {
		// feed caches the alertInfo of the last alert fed by pointer:
		// the next alert built here has the same pointer.
		e.cur, e.curAlert = nil, nil
	}
	*a = idmefv2.Alert{} // keep nothing alive
	e.scratch = append(e.scratch, a)
}

// firingInfo is the Info of a firing of c.
func (e *Engine) firingInfo(c *corRule, g *group, evs []event, v float64, start, end int64, depth int) Info {
	r := c.rule
	typ := string(r.Correlation.Type)
	if c == e.dedup {
		typ = "dedup"
	}
	info := Info{
		Rule: r.Key(), Title: r.Title, Type: typ, Value: v, Count: len(evs),
		Condition: c.condition,
		Start:     ts(start), End: ts(end), Depth: depth,
	}
	for i, f := range r.Correlation.GroupBy {
		if i < len(g.vals) {
			info.Group = append(info.Group, GroupValue{Field: f, Value: g.vals[i]})
		}
	}
	return info
}

// emitFiring counts a firing that was not suppressed, emits its alert
// and feeds the correlations that chain on it.
func (e *Engine) emitFiring(c *corRule, a *idmefv2.Alert, end int64, depth int) {
	r := c.rule
	e.firings[r.Key()]++
	e.m.firings.WithLabelValues(r.Key()).Inc()
	if c.emit {
		e.out = append(e.out, a)
	}
	for _, in := range c.consumers {
		e.feed(in, a, end, depth)
	}
}

// emitDetection emits the alert of a detection rule for alert a.
func (e *Engine) emitDetection(d *detRule, a *idmefv2.Alert, t time.Time, depth int) {
	r := d.rule
	if depth+1 > e.opts.MaxDepth {
		e.m.depthLimited.Inc()
		return
	}
	if e.suppressed(r, d.suppress, a, t.UnixNano()) {
		return
	}
	n := t.UnixNano()
	info := Info{Rule: r.Key(), Title: r.Title, Type: "detection", Value: 1, Count: 1, Start: ts(n), End: ts(n), Depth: depth + 1}
	e.own(a)
	ev := event{T: n, Alert: newAlertInfo(a)}
	out := e.build(r, info, []event{ev}, nil)
	e.firings[r.Key()]++
	e.m.firings.WithLabelValues(r.Key()).Inc()
	e.out = append(e.out, out)
}

// digest identifies a rule's definition.
func digest(r *Rule) string { return r.digest }
