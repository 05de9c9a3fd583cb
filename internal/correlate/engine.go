package correlate

import (
	"container/heap"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Defaults of Options.
const (
	DefaultAnalyzerName    = "Vigie Correlator"
	DefaultAllowedLateness = time.Minute
	DefaultMaxGroups       = 10000
	DefaultMaxEvents       = 1000
	DefaultMaxDepth        = 3
	DefaultMaxMerged       = 32
)

// Options configures an Engine. Zero values mean the defaults.
type Options struct {
	// Rules is the first rule set; SetRules replaces it.
	Rules *Ruleset
	// AllowedLateness is how far behind the newest event time an alert
	// may arrive and still count; older ones are dropped and counted.
	// Windows decided at their end are closed this long after their end.
	AllowedLateness time.Duration
	// MaxGroups bounds the groups kept per correlation rule; the least
	// recently updated group is evicted (and counted) to make room. It
	// bounds a rule's suppression keys too (one is forgotten for a new one).
	MaxGroups int
	// MaxEvents bounds the events kept per group; the oldest is evicted
	// (and counted) to make room.
	MaxEvents int
	// MaxDepth bounds chains: an alert built from correlation alerts of
	// depth MaxDepth is not emitted (and counted).
	MaxDepth int
	// MaxMerged bounds the sources and the targets copied into an
	// emitted alert, and the categories.
	MaxMerged int
	// Analyzer describes the correlator in emitted alerts; Name defaults
	// to DefaultAnalyzerName.
	Analyzer idmefv2.Analyzer
	// Dedup, when positive, aggregates duplicate alerts (same categories,
	// source IPs and target IPs) over this window; see dedup.go.
	Dedup time.Duration
	// Now is the clock for CreateTime; default time.Now.
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Engine evaluates a rule set over a stream of alerts. It is safe for
// concurrent use; calls are serialised.
type Engine struct {
	opts Options
	log  *slog.Logger
	m    *metrics

	// saveMu serialises saves, which write outside mu (see
	// beginSave); it is taken before mu.
	saveMu    sync.Mutex
	segs      *segTable // segment files of SaveSnapshot
	saveEpoch uint32    // saves, to meet each alert once per save

	mu       sync.Mutex
	rs       *Ruleset
	dedup    *corRule
	cors     map[string]*corState        // by rule key
	stOf     []stateSlot                 // cache of cors by rule slot (see state); nil when stale
	suppress map[string]map[string]int64 // rule key → suppression key → until (event time)
	disabled map[string]bool             // API overrides, by rule key
	firings  map[string]uint64           // by rule key
	digests  map[string]string           // rule key → definition digest, for reloads
	newest   int64                       // newest event time seen (watermark base)
	newestAt time.Time                   // when (wall clock) newest was seen
	closing  closingHeap                 // ends of the windows decided at their end
	out      []*idmefv2.Alert            // emitted during the current call
	kbufs    []*keyBuf                   // free key buffers
	merge    merger                      // scratch of buildParties
	events   eventPool                   // events arrays of dropped groups
	supAlert idmefv2.Alert               // scratch of fire's suppression
	supKey   []byte                      // scratch of suppression keys
	scratch  []*idmefv2.Alert            // free alerts of fedOnly firings (takeScratch)
	cur      *alertInfo                  // of curAlert, shared by its events
	curAlert *idmefv2.Alert
	borrowed *idmefv2.Alert   // being processed, its strings not its own (see own)
	owned    bool             // own copied borrowed's strings
	mark     uint64           // caller's progress marker, snapshotted
	pending  []*idmefv2.Alert // emitted, not yet published (the stage's outbox)
}

// SetMark records the caller's progress (the Stage: the bus position of
// the last alert processed); it is saved in snapshots.
func (e *Engine) SetMark(m uint64) {
	e.mu.Lock()
	e.mark = m
	e.mu.Unlock()
}

// Mark returns the progress marker set with SetMark or restored.
func (e *Engine) Mark() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mark
}

// New returns an Engine.
func New(opts Options) (*Engine, error) {
	if opts.AllowedLateness < 0 {
		return nil, errors.New("correlate: AllowedLateness must not be negative")
	}
	if opts.AllowedLateness == 0 {
		opts.AllowedLateness = DefaultAllowedLateness
	}
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxMerged <= 0 {
		opts.MaxMerged = DefaultMaxMerged
	}
	if opts.Analyzer.Name == "" {
		opts.Analyzer.Name = DefaultAnalyzerName
	}
	if len(opts.Analyzer.Category) == 0 {
		opts.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategorySIEMSIEM}
	}
	if len(opts.Analyzer.Data) == 0 {
		opts.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAlert}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		opts: opts, log: opts.Logger, m: m,
		cors:     make(map[string]*corState),
		suppress: make(map[string]map[string]int64),
		disabled: make(map[string]bool),
		firings:  make(map[string]uint64),
		digests:  make(map[string]string),
	}
	if opts.Dedup > 0 {
		e.dedup = dedupRule(opts.Dedup, opts.Analyzer.Name)
	}
	e.SetRules(opts.Rules)
	return e, nil
}

// SetRules replaces the rule set. The state of a correlation whose
// definition did not change is kept; the others start afresh.
func (e *Engine) SetRules(rs *Ruleset) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rs = rs
	keep := make(map[string]bool)
	for _, r := range rs.Rules() {
		k := r.Key()
		d := digest(r)
		if e.digests[k] == d {
			keep[k] = true
		}
		e.digests[k] = d
	}
	if e.dedup != nil {
		keep[e.dedup.rule.Key()] = true
	}
	for k, st := range e.cors {
		if !keep[k] {
			e.m.groups.Sub(float64(len(st.groups)))
			delete(e.cors, k)
		}
	}
	e.stOf = nil
	for k := range e.suppress {
		if !keep[k] {
			delete(e.suppress, k)
		}
	}
	for k := range e.digests {
		if _, ok := rs.Rule(k); !ok {
			delete(e.digests, k)
		}
	}
	dets, cors := rs.Counts()
	e.m.rules.WithLabelValues("detection").Set(float64(dets))
	e.m.rules.WithLabelValues("correlation").Set(float64(cors))
}

// Ruleset returns the current rule set.
func (e *Engine) Ruleset() *Ruleset {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rs
}

// enabled reports whether rule r is evaluated.
func (e *Engine) enabled(r *Rule) bool {
	if d, ok := e.disabled[r.Key()]; ok {
		return !d
	}
	return !r.Disabled
}

// SetEnabled enables or disables the rule with key k; false when there is
// no such rule. The choice survives reloads and, through snapshots,
// restarts.
func (e *Engine) SetEnabled(k string, on bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.rs.Rule(k)
	if !ok {
		return false
	}
	e.disabled[k] = !on
	if !on && r.IsCorrelation() {
		if st := e.cors[k]; st != nil {
			e.m.groups.Sub(float64(len(st.groups)))
			delete(e.cors, k)
			e.stOf = nil
		}
	}
	return true
}

// RuleStatus is what the API shows of a rule.
type RuleStatus struct {
	Rule    *Rule
	Enabled bool
	Firings uint64
	Groups  int // open groups, for correlations
}

// Status lists every rule with its state, in load order.
func (e *Engine) Status() []RuleStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []RuleStatus
	for _, r := range e.rs.Rules() {
		st := RuleStatus{Rule: r, Enabled: e.enabled(r), Firings: e.firings[r.Key()]}
		if cs := e.cors[r.Key()]; cs != nil {
			st.Groups = len(cs.groups)
		}
		out = append(out, st)
	}
	if e.dedup != nil {
		// The built-in duplicate summaries (set by configuration, not
		// switchable here).
		st := RuleStatus{Rule: e.dedup.rule, Enabled: true, Firings: e.firings[dedupKey]}
		if cs := e.cors[dedupKey]; cs != nil {
			st.Groups = len(cs.groups)
		}
		out = append(out, st)
	}
	return out
}

// eventTime is the time an alert counts at: StartTime when set, else
// CreateTime; for an alert of this correlator (mine), the end of its
// window.
func eventTime(a *idmefv2.Alert, mine bool) (time.Time, bool) {
	times := []string{a.StartTime, a.CreateTime}
	if mine {
		times = []string{a.EndTime, a.CreateTime}
	}
	for _, s := range times {
		if s == "" {
			continue
		}
		if t, err := idmefv2.ParseTime(s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Process evaluates one alert and returns the alerts it made the rules
// emit (detections, correlations decided on this event, and windows its
// event time closed). The returned alerts are new and owned by the caller.
func (e *Engine) Process(a *idmefv2.Alert) []*idmefv2.Alert {
	return e.process(a, false)
}

// process is Process; borrowed says that a's strings point into a buffer
// the engine must not keep (see own).
func (e *Engine) process(a *idmefv2.Alert, borrowed bool) []*idmefv2.Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.out = nil
	if borrowed {
		e.borrowed, e.owned = a, false
		defer func() { e.borrowed = nil }()
	}
	origin, depth, copyOf := e.provenance(a)
	t, ok := eventTime(a, origin != "")
	if !ok {
		e.m.invalidTime.Inc()
		return nil
	}
	ts := t.UnixNano()
	if e.newest != 0 && ts < e.newest-int64(e.opts.AllowedLateness) {
		e.m.late.Inc()
		return nil
	}
	if ts > e.newest {
		e.newest, e.newestAt = ts, e.opts.Now()
	}
	// A detection rule's alert restates an alert the rules have seen
	// already: matching it again would count that alert twice.
	if e.rs != nil && !copyOf {
		e.rs.index.each(e.rs.dets, a, func(d *detRule) {
			if !e.enabled(d.rule) || d.rule.Key() == origin {
				return
			}
			if s := d.rule.Schedule; s != nil && !s.Admits(t) {
				return
			}
			e.m.matches.Inc()
			if d.emit {
				e.emitDetection(d, a, t, depth)
			}
			for _, in := range d.consumers {
				if in.cor.rule.Key() != origin {
					e.feed(in, a, ts, depth)
				}
			}
		})
	}
	if e.dedup != nil && origin == "" && e.dedup.rule.Detector.Match(a) {
		e.feed(input{cor: e.dedup}, a, ts, depth)
	}
	if len(e.closing) > 0 && e.newest-int64(e.opts.AllowedLateness) >= e.closing[0].end {
		e.closeWindows(e.newest - int64(e.opts.AllowedLateness))
	}
	out := e.out
	e.out, e.cur, e.curAlert = nil, nil, nil
	return out
}

// Advance tells the engine that the time is now t (the stage calls it
// every second with the wall clock; a replay with the event time of the
// last alert, or the far future to flush): windows that ended more than
// AllowedLateness before t are decided, and idle groups are dropped.
func (e *Engine) Advance(t time.Time) []*idmefv2.Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.out = nil
	limit := t.UnixNano() - int64(e.opts.AllowedLateness)
	e.closeWindows(limit)
	e.expireIdle(limit)
	out := e.out
	e.out = nil
	return out
}

// Tick advances by the clock: the event time is taken to have moved on
// from the newest alert's by the wall-clock time elapsed since it arrived
// (so sensors whose clocks run behind or ahead do not make windows close
// early or late), and windows are closed as by Advance. The stage calls it
// every second; nothing happens before the first alert.
func (e *Engine) Tick(now time.Time) []*idmefv2.Alert {
	e.mu.Lock()
	newest, at := e.newest, e.newestAt
	e.mu.Unlock()
	if newest == 0 {
		return nil
	}
	return e.Advance(time.Unix(0, newest).Add(now.Sub(at)))
}

// provenance reads, for an alert this correlator made, the rule that made
// it, its depth and whether it is a detection rule's alert: "", 0, false
// for any other alert.
func (e *Engine) provenance(a *idmefv2.Alert) (rule string, depth int, detection bool) {
	if a.Analyzer.Name != e.opts.Analyzer.Name {
		return "", 0, false
	}
	info, ok := readInfo(a)
	if !ok {
		return "", 0, false
	}
	return info.Rule, info.Depth, info.Type == "detection"
}

// feed adds alert a to the correlation of in.
func (e *Engine) feed(in input, a *idmefv2.Alert, ts int64, depth int) {
	c := in.cor
	if c != e.dedup && !e.enabled(c.rule) {
		return
	}
	if e.curAlert != a {
		e.own(a)
		e.cur, e.curAlert = newAlertInfo(a), a
	}
	ev := event{T: ts, Ref: int32(in.ref), Depth: int32(depth), Alert: e.cur}
	if c.value != nil {
		f := c.value[in.ref]
		ev.Vals = f.values(a)
		if len(ev.Vals) == 0 {
			e.m.ungrouped.Inc()
			return
		}
		if a == e.borrowed && !f.owned {
			for i, v := range ev.Vals {
				ev.Vals[i] = strings.Clone(v)
			}
		}
	}
	// add may feed chained correlations, which need key buffers of their
	// own: take one from the pool for this call.
	kb := e.keyBuf()
	defer e.putKeyBuf(kb)
	groupKeys(kb, c, in.ref, a)
	if kb.n() == 0 {
		e.m.ungrouped.Inc()
		return
	}
	for i := range kb.n() {
		e.add(c, kb.key(i), ev)
	}
}

// keyBuf returns a key buffer; putKeyBuf gives it back. Calls nest only
// as deep as correlation chains.
func (e *Engine) keyBuf() *keyBuf {
	if n := len(e.kbufs); n > 0 {
		kb := e.kbufs[n-1]
		e.kbufs = e.kbufs[:n-1]
		return kb
	}
	return &keyBuf{}
}

func (e *Engine) putKeyBuf(kb *keyBuf) {
	for _, vs := range kb.vals {
		clear(vs) // the alert's strings: keep nothing alive
	}
	e.kbufs = append(e.kbufs, kb)
}

// stateSlot caches the state of one correlation rule (see state).
type stateSlot struct {
	c  *corRule
	st *corState
}

// state returns the state of c, made if there is none. The rule keys
// are long (UUIDs): a slice by rule position (the built-in duplicate
// summaries first) caches the look-up, checked by rule pointer; it is
// dropped whenever a state is (SetRules, SetEnabled, restore).
func (e *Engine) state(c *corRule) *corState {
	i := 0
	if c != e.dedup {
		i = c.idx + 1
	}
	if i < len(e.stOf) && e.stOf[i].c == c {
		return e.stOf[i].st
	}
	st := e.cors[c.rule.Key()]
	if st == nil {
		st = newCorState()
		e.cors[c.rule.Key()] = st
	}
	if i >= len(e.stOf) {
		e.stOf = append(e.stOf, make([]stateSlot, i+1-len(e.stOf))...)
	}
	e.stOf[i] = stateSlot{c: c, st: st}
	return st
}

// add puts ev in group gk of c and decides the group when it can be.
func (e *Engine) add(c *corRule, gk []byte, ev event) {
	st := e.state(c)
	g := st.groups[string(gk)]
	span := int64(c.rule.Correlation.Timespan)
	if g != nil && c.atEnd && ev.T >= g.start+span {
		// The event opens the next window: decide this one first.
		e.decide(c, g, g.start, g.start+span)
		e.dropGroup(st, g)
		g = nil
	}
	if g == nil {
		if len(st.groups) >= e.opts.MaxGroups {
			e.dropGroup(st, st.oldest())
			e.m.evictedGroups.Inc()
		}
		key := string(gk)
		g = &group{key: key, start: ev.T}
		g.vals = groupValues(c, key, &g.one)
		st.groups[key] = g
		st.added(g)
		e.m.groups.Inc()
		if c.atEnd {
			e.scheduleClose(c, g)
		}
	} else {
		st.touch(g)
	}
	if c.atEnd && ev.T < g.start {
		// A late event before the window's first: the window stays put
		// (its end is scheduled) and the event counts in it, unless it is
		// a whole timespan earlier.
		if ev.T < g.start-span {
			e.m.late.Inc()
			return
		}
	}
	if !g.insert(c, ev, &e.events) {
		e.m.duplicates.Inc()
		return
	}
	if len(g.events) > e.opts.MaxEvents {
		g.dropFront(c, 1, &e.events)
		e.m.evictedEvents.Inc()
	}
	if c.atEnd {
		return
	}
	// Sliding window ending at the newest event.
	if n := g.expire(c, g.newest-span, &e.events); n > 0 {
		e.m.expired.Add(float64(n))
	}
	if len(g.events) == 0 {
		return
	}
	cond := c.rule.Correlation.Condition
	if c.rule.Correlation.Type == TemporalOrdered && !cond.holds(float64(g.orderedBound(c))) {
		// The condition of a sliding window is a lower bound (monotone):
		// it cannot hold for the sequence if it does not for its bound,
		// and most groups miss a step, so their events need no scan.
		return
	}
	v, ok := g.measure(c, &e.events)
	if !ok || !cond.holds(v) {
		return
	}
	g.settle(&e.events)
	evs := contributing(c, g.events)
	e.fire(c, g, evs, v, evs[0].T, g.newest)
	e.dropGroup(st, g)
}

func (e *Engine) dropGroup(st *corState, g *group) {
	in, ok := st.groups[g.key]
	if !ok {
		return
	}
	delete(st.groups, g.key)
	st.removed(in)
	g.release(&e.events)
	e.m.groups.Dec()
}

// decide evaluates a window that ended.
func (e *Engine) decide(c *corRule, g *group, start, end int64) {
	if len(g.events) == 0 {
		return
	}
	g.settle(&e.events)
	v, ok := measure(c, g.events)
	if !ok || !c.rule.Correlation.Condition.holds(v) {
		return
	}
	e.fire(c, g, contributing(c, g.events), v, start, end)
}

// scheduleClose records when the window of group g of c ends.
func (e *Engine) scheduleClose(c *corRule, g *group) {
	e.closing.push(closing{end: g.start + int64(c.rule.Correlation.Timespan), rule: c.rule.Key(), g: g})
}

// closeWindows decides every window (of rules decided at the end) that
// ended at or before limit, earliest first. Entries of groups dropped
// since (decided early, evicted, rule reloaded) are skipped.
func (e *Engine) closeWindows(limit int64) {
	for len(e.closing) > 0 && e.closing[0].end <= limit {
		w := e.closing.pop()
		c := e.corByKey(w.rule)
		st := e.cors[w.rule]
		if c == nil || st == nil || st.groups[w.g.key] != w.g || w.g.start+int64(c.rule.Correlation.Timespan) != w.end {
			continue
		}
		e.decide(c, w.g, w.g.start, w.end)
		e.dropGroup(st, w.g)
	}
}

// corByKey returns the loaded correlation rule with key k.
func (e *Engine) corByKey(k string) *corRule {
	if e.dedup != nil && k == e.dedup.rule.Key() {
		return e.dedup
	}
	if e.rs == nil {
		return nil
	}
	return e.rs.corByKey[k]
}

// closing is a window end waiting for the watermark.
type closing struct {
	end  int64
	rule string
	g    *group
}

// closingHeap orders window ends, then rule and group keys (so that
// windows closing together are decided in a stable order).
type closingHeap []closing

func (h closingHeap) Len() int { return len(h) }
func (h closingHeap) Less(i, j int) bool {
	if h[i].end != h[j].end {
		return h[i].end < h[j].end
	}
	if h[i].rule != h[j].rule {
		return h[i].rule < h[j].rule
	}
	return h[i].g.key < h[j].g.key
}
func (h closingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *closingHeap) Push(x any)   { *h = append(*h, x.(closing)) }
func (h *closingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = closing{}
	*h = old[:len(old)-1]
	return x
}

// push is heap.Push without boxing x in an interface (an allocation per
// window): append, then sift up as Push does (Fix of the last element).
func (h *closingHeap) push(x closing) {
	*h = append(*h, x)
	heap.Fix(h, len(*h)-1)
}

// pop is heap.Pop without boxing: the same swap and sift down, and the
// top returned as it is.
func (h *closingHeap) pop() closing {
	old := *h
	n := len(old) - 1
	old.Swap(0, n)
	x := old[n]
	old[n] = closing{}
	*h = old[:n]
	if n > 0 {
		heap.Fix(h, 0)
	}
	return x
}

// expireIdle drops the sliding groups whose newest event left the window.
func (e *Engine) expireIdle(limit int64) {
	for _, c := range e.allCors() {
		if c.atEnd {
			continue
		}
		st := e.cors[c.rule.Key()]
		if st == nil {
			continue
		}
		span := int64(c.rule.Correlation.Timespan)
		for _, g := range st.groups {
			if g.newest+span <= limit {
				e.m.expired.Add(float64(len(g.events)))
				e.dropGroup(st, g)
			}
		}
	}
	for k, m := range e.suppress {
		for sk, until := range m {
			if until <= limit {
				delete(m, sk)
			}
		}
		if len(m) == 0 {
			delete(e.suppress, k)
		}
	}
}

func (e *Engine) allCors() []*corRule {
	var out []*corRule
	if e.rs != nil {
		out = append(out, e.rs.cors...)
	}
	if e.dedup != nil {
		out = append(out, e.dedup)
	}
	return out
}

// suppressed reports whether a firing of rule r about alert-like values
// is within a suppression period, and starts one when it is not.
func (e *Engine) suppressed(r *Rule, by []field, src *idmefv2.Alert, at int64) bool {
	if r.Suppress == nil {
		return false
	}
	e.supKey = appendSupKey(e.supKey[:0], by, src)
	return e.suppressedKey(r, e.supKey, at)
}

// appendSupKey appends to k the suppression key of alert-like values
// src: the distinct values of each field, separated by \x1e, each field
// ended by keySep.
func appendSupKey(k []byte, by []field, src *idmefv2.Alert) []byte {
	for _, f := range by {
		for i, v := range f.values(src) {
			if i > 0 {
				k = append(k, "\x1e"...)
			}
			k = append(k, v...)
		}
		k = append(k, keySep...)
	}
	return k
}

// suppressedKey is suppressed for the key k of the firing's values.
func (e *Engine) suppressedKey(r *Rule, k []byte, at int64) bool {
	m := e.suppress[r.Key()]
	if m == nil {
		m = make(map[string]int64)
		e.suppress[r.Key()] = m
	}
	until, ok := m[string(k)]
	if ok && at < until {
		e.m.suppressed.WithLabelValues(r.Key()).Inc()
		return true
	}
	if !ok && len(m) >= e.opts.MaxGroups {
		// The keys are alert values: bound them like the groups. One key,
		// at random, forgets its period (a repeat of it fires again rather
		// than memory growing without bound); expired keys are swept by
		// Advance.
		for sk := range m {
			delete(m, sk)
			break
		}
	}
	m[string(k)] = at + int64(r.Suppress.For)
	return false
}
