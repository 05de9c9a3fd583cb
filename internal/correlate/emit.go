package correlate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

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

// groupValues splits a group key into its values.
func groupValues(c *corRule, key string) []string {
	if len(c.rule.Correlation.GroupBy) == 0 {
		return nil
	}
	if len(c.rule.Correlation.GroupBy) == 1 {
		return []string{key}
	}
	return strings.Split(key, keySep)
}

// deterministicID derives a UUID (version 8, RFC 9562) from parts, so
// that the same firing re-made after a restart has the same ID.
func deterministicID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
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
	an := e.opts.Analyzer
	an.Method = methods(info.Type)
	a := &idmefv2.Alert{
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
	seenSrc := make(map[sourceKey]bool)
	seenTgt := make(map[targetKey]bool)
	var top idmefv2.Priority
	var lastSrc sourceKey
	var lastTgt targetKey
	for _, x := range evs {
		ev := x.Alert
		if ev.Prio.Rank() > top.Rank() {
			top = ev.Prio
		}
		if len(seenSrc) >= 4*e.opts.MaxMerged && len(seenTgt) >= 4*e.opts.MaxMerged {
			continue // enough seen: the merge is bounded anyway
		}
		for i := range ev.Src {
			s := &ev.Src[i]
			if k := srcKey(s); k != lastSrc && !seenSrc[k] {
				lastSrc = k
				seenSrc[k] = true
				if len(a.Source) < e.opts.MaxMerged {
					c := *s
					c.Attachment = nil
					a.Source = append(a.Source, c)
				}
			}
		}
		for i := range ev.Tgt {
			t := &ev.Tgt[i]
			if k := tgtKey(t); k != lastTgt && !seenTgt[k] {
				lastTgt = k
				seenTgt[k] = true
				if len(a.Target) < e.opts.MaxMerged {
					c := *t
					c.Attachment = nil
					a.Target = append(a.Target, c)
				}
			}
		}
		for _, c := range ev.Cat {
			if !slices.Contains(a.Category, c) && len(a.Category) < e.opts.MaxMerged {
				a.Category = append(a.Category, c)
			}
		}
	}
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

// finish completes an alert of buildParties: its ID (derived from rule,
// group, window start and first contributing alert), CorrelID and the
// "correlation" attachment.
func (e *Engine) finish(a *idmefv2.Alert, r *Rule, info Info, evs []event) {
	groupID := make([]string, 0, len(info.Group))
	for _, g := range info.Group {
		groupID = append(groupID, g.Value)
	}
	a.ID = deterministicID(r.Key(), strings.Join(groupID, "\x1f"), info.Start, strings.Join(eventIDs(evs[:1]), ""))
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

func eventIDs(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Alert.ID
	}
	return out
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
		depth = max(depth, ev.Depth)
	}
	depth++
	if depth > e.opts.MaxDepth {
		e.m.depthLimited.Inc()
		return
	}
	typ := string(r.Correlation.Type)
	if c == e.dedup {
		typ = "dedup"
	}
	info := Info{
		Rule: r.Key(), Title: r.Title, Type: typ, Value: v, Count: len(evs),
		Condition: r.Correlation.Condition.String(),
		Start:     ts(start), End: ts(end), Depth: depth,
	}
	for i, f := range r.Correlation.GroupBy {
		if i < len(g.vals) {
			info.Group = append(info.Group, GroupValue{Field: f, Value: g.vals[i]})
		}
	}
	// Suppression reads the merged alert: decide it before the costly
	// rest (most firings of a busy group are suppressed), unless a
	// suppress field reads what finish sets.
	var a *idmefv2.Alert
	if c.suppressReadsID {
		a = e.build(r, info, evs, c.aggr)
	} else {
		a = e.buildParties(r, info, evs, c.aggr)
	}
	if c == e.dedup {
		a.Description = dedupDescription(evs)
	}
	if e.suppressed(r, c.suppress, a, end) {
		return
	}
	if !c.suppressReadsID {
		e.finish(a, r, info, evs)
	}
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
	ev := event{T: n, Alert: newAlertInfo(a)}
	out := e.build(r, info, []event{ev}, nil)
	e.firings[r.Key()]++
	e.m.firings.WithLabelValues(r.Key()).Inc()
	e.out = append(e.out, out)
}

// digest identifies a rule's definition.
func digest(r *Rule) string { return r.digest }
