package correlate

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

var failedDet = map[string]Detector{
	"failed":  byCategory(idmefv2.CategoryAccessUnauthorized),
	"granted": byCategory(idmefv2.CategoryAccessAuthorized),
	"scan":    byCategory(idmefv2.CategoryReconNetwork),
}

const bruteforce = `
title: Failed login
name: failed
detection: {selection: {Category: Access.Unauthorized}, condition: selection}
---
title: Brute force
id: 5b0c7d7e-0000-4000-8000-000000000001
name: brute
level: high
correlation:
  type: event_count
  rules: [failed]
  group-by: [Source(*).IP]
  timespan: 5m
  condition: {gte: 3}
`

func TestEventCountFiresOnTheTriggeringEvent(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	var in []*idmefv2.Alert
	for i := range 3 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Minute, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}, users: []string{"root"}}))
	}
	if out := run(t, e, in[:2]...); len(out) != 0 {
		t.Fatalf("fired before the threshold: %d alerts", len(out))
	}
	out := run(t, e, in[2])
	if len(out) != 1 {
		t.Fatalf("got %d alerts on the third failure, want 1", len(out))
	}
	a := out[0]
	if !slices.Equal(a.CorrelID, ids(in...)) {
		t.Errorf("CorrelID = %v, want every contributing alert %v", a.CorrelID, ids(in...))
	}
	if !slices.Equal(a.AggrCondition, []string{"Source(*).IP"}) {
		t.Errorf("AggrCondition = %v", a.AggrCondition)
	}
	if a.StartTime != idmefv2.FormatTime(t0) || a.EndTime != idmefv2.FormatTime(t0.Add(2*time.Minute)) {
		t.Errorf("window %s..%s", a.StartTime, a.EndTime)
	}
	if a.Priority != idmefv2.PriorityHigh || a.Description != "Brute force" || a.Analyzer.Name != DefaultAnalyzerName {
		t.Errorf("priority %q, description %q, analyzer %q", a.Priority, a.Description, a.Analyzer.Name)
	}
	if !slices.Contains(a.Analyzer.Method, idmefv2.AnalyzerMethodCorrelation) {
		t.Errorf("Analyzer.Method = %v", a.Analyzer.Method)
	}
	if len(a.Source) != 1 || a.Source[0].IP != "10.0.0.1" || len(a.Target) != 1 {
		t.Errorf("merged sources %v targets %v: want one each, deduplicated", a.Source, a.Target)
	}
	if got := info(t, a); got.Count != 3 || got.Value != 3 || len(got.Group) != 1 || got.Group[0].Value != "10.0.0.1" {
		t.Errorf("info = %+v", got)
	}
	if !slices.Contains(a.Ref, RefPrefix+"5b0c7d7e-0000-4000-8000-000000000001") {
		t.Errorf("Ref = %v", a.Ref)
	}
	// A redelivered alert counts once.
	e2 := newEngine(t, load(t, bruteforce, failedDet), Options{})
	if out := run(t, e2, in[0], in[1], in[1]); len(out) != 0 {
		t.Errorf("a redelivery counted twice: %v", out)
	}
	if out := run(t, e2, in[2]); len(out) != 1 || !slices.Equal(out[0].CorrelID, ids(in...)) {
		t.Errorf("with a redelivery: %v", out)
	}
	// The window starts afresh after a firing.
	if out := run(t, e, mk(alertSpec{n: 9, at: 3 * time.Minute, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})); len(out) != 0 {
		t.Errorf("fired again on the fourth failure")
	}
}

func TestEventCountWindowEdges(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	f := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
	}
	// Three failures spread over 5m01s: the first has left the window.
	if out := run(t, e, f(1, 0), f(2, 4*time.Minute), f(3, 5*time.Minute+time.Second)); len(out) != 0 {
		t.Fatalf("fired across more than the timespan")
	}
	// A fourth within 5m of the second fires, with the three in the window.
	out := run(t, e, f(4, 6*time.Minute))
	if len(out) != 1 || !slices.Equal(out[0].CorrelID, ids(f(2, 0), f(3, 0), f(4, 0))) {
		t.Fatalf("got %d alerts (%v), want one of alerts 2,3,4", len(out), out)
	}
	// Exactly the timespan apart still counts (the window is closed).
	e2 := newEngine(t, load(t, bruteforce, failedDet), Options{})
	if out := run(t, e2, f(1, 0), f(2, time.Minute), f(3, 5*time.Minute)); len(out) != 1 {
		t.Fatalf("events exactly one timespan apart: %d alerts, want 1", len(out))
	}
}

func TestGroupByNestedListContributesEveryElement(t *testing.T) {
	// The failure mode of Concerto: group-by on a field inside a list of
	// objects. Each alert has two sources; each source IP is its own group.
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	var out []*idmefv2.Alert
	for i := range 3 {
		out = append(out, run(t, e, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1", "10.0.0." + string(rune('2'+i))}}))...)
	}
	if len(out) != 1 || info(t, out[0]).Group[0].Value != "10.0.0.1" {
		t.Fatalf("got %d alerts, want one for the source shared by all three", len(out))
	}
}

func TestFlatConcertoFieldsAndDottedPathsMeanEveryElement(t *testing.T) {
	for _, name := range []string{"Source_IP", "Source.IP", "Source(*).IP"} {
		f, err := parseField(name)
		if err != nil {
			t.Fatal(err)
		}
		if f.path.String() != "Source(*).IP" {
			t.Errorf("%s → %s, want Source(*).IP", name, f.path)
		}
	}
	if f, err := parseField("Analyzer_Name"); err != nil || f.path.String() != "Analyzer.Name" {
		t.Errorf("Analyzer_Name: %v, %v", f.path, err)
	}
	f, _ := parseField("Source(1).IP")
	a := mk(alertSpec{src: []string{"1.1.1.1", "2.2.2.2"}})
	if got := f.values(a); !slices.Equal(got, []string{"2.2.2.2"}) {
		t.Errorf("Source(1).IP = %v", got)
	}
}

func TestValueCountCountsDistinctValues(t *testing.T) {
	rs := load(t, `
title: Failed login
name: failed
detection: {selection: {x: y}, condition: selection}
---
title: Spraying
name: spray
correlation:
  type: value_count
  rules: [failed]
  group-by: [Source_IP]
  timespan: 10m
  condition: {gte: 3, field: Target_User}
`, failedDet)
	e := newEngine(t, rs, Options{})
	f := func(n int, user string) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: time.Duration(n) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.9"}, users: []string{user}})
	}
	if out := run(t, e, f(1, "alice"), f(2, "alice"), f(3, "bob"), f(4, "bob")); len(out) != 0 {
		t.Fatal("fired with two distinct users")
	}
	out := run(t, e, f(5, "carol"))
	if len(out) != 1 || info(t, out[0]).Value != 3 || len(out[0].CorrelID) != 5 {
		t.Fatalf("got %v", out)
	}
}

const sequence = `
title: Failed login
name: failed
detection: {selection: {x: y}, condition: selection}
---
title: Granted login
name: granted
detection: {selection: {x: y}, condition: selection}
---
title: Success after failure
name: seq
correlation:
  type: TYPE
  rules: [failed, granted]
  group-by: [Target_User]
  timespan: 10m
`

func TestTemporalOrderedNeedsTheOrder(t *testing.T) {
	rs := load(t, replace(sequence, "TYPE", "temporal_ordered"), failedDet)
	fail := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessUnauthorized, users: []string{"bob"}})
	}
	ok := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessAuthorized, users: []string{"bob"}})
	}
	e := newEngine(t, rs, Options{})
	if out := run(t, e, ok(1, 0), fail(2, time.Minute)); len(out) != 0 {
		t.Fatal("temporal_ordered fired on success then failure")
	}
	out := run(t, e, ok(3, 2*time.Minute))
	if len(out) != 1 || !slices.Equal(out[0].CorrelID, ids(fail(2, 0), ok(3, 0))) {
		t.Fatalf("got %v, want the failure and the later success", out)
	}
	if !slices.Contains(out[0].Analyzer.Method, idmefv2.AnalyzerMethodSequence) {
		t.Errorf("method %v", out[0].Analyzer.Method)
	}
	// temporal (unordered) fires on success then failure.
	e2 := newEngine(t, load(t, replace(sequence, "TYPE", "temporal"), failedDet), Options{})
	if out := run(t, e2, ok(1, 0), fail(2, time.Minute)); len(out) != 1 {
		t.Fatalf("temporal: %d alerts, want 1", len(out))
	}
	// Too far apart: nothing.
	e3 := newEngine(t, rs, Options{})
	if out := run(t, e3, fail(1, 0), ok(2, 11*time.Minute)); len(out) != 0 {
		t.Fatal("fired across more than the timespan")
	}
}

func replace(s, old, new string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}

const volume = `
title: Transfer
name: transfer
detection: {selection: {x: y}, condition: selection}
---
title: Exfiltration volume
name: vol
correlation:
  type: TYPE
  rules: [transfer]
  group-by: [Source.IP]
  timespan: 1h
  condition: COND
`

func transfer(n int, at time.Duration, bytes string) *idmefv2.Alert {
	return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryTheftData, src: []string{"10.1.1.1"}, bytes: bytes})
}

func TestValueSumFiresOnCrossing(t *testing.T) {
	rs := load(t, replace(replace(volume, "TYPE", "value_sum"), "COND", "{field: Target.Note, gte: 1000}"), map[string]Detector{"transfer": byCategory(idmefv2.CategoryTheftData)})
	e := newEngine(t, rs, Options{})
	if out := run(t, e, transfer(1, 0, "400"), transfer(2, time.Minute, "not a number"), transfer(3, 2*time.Minute, "500")); len(out) != 0 {
		t.Fatal("fired below the sum")
	}
	out := run(t, e, transfer(4, 3*time.Minute, "100"))
	if len(out) != 1 || info(t, out[0]).Value != 1000 {
		t.Fatalf("got %v", out)
	}
}

func TestValueAvgAndPercentileDecideAtWindowEnd(t *testing.T) {
	dets := map[string]Detector{"transfer": byCategory(idmefv2.CategoryTheftData)}
	e := newEngine(t, load(t, replace(replace(volume, "TYPE", "value_avg"), "COND", "{field: Target.Note, gt: 100}"), dets), Options{AllowedLateness: time.Second})
	if out := run(t, e, transfer(1, 0, "300"), transfer(2, time.Minute, "30")); len(out) != 0 {
		t.Fatal("an average decided before the window ended")
	}
	if out := e.Advance(t0.Add(time.Hour)); len(out) != 0 {
		t.Fatal("decided before the allowed lateness passed")
	}
	out := e.Advance(t0.Add(time.Hour + time.Second))
	if len(out) != 1 || info(t, out[0]).Value != 165 {
		t.Fatalf("got %v, want one alert with average 165", out)
	}
	mustValid(t, out[0])
	if out[0].EndTime != idmefv2.FormatTime(t0.Add(time.Hour)) {
		t.Errorf("EndTime %s, want the window's end", out[0].EndTime)
	}

	p := newEngine(t, load(t, replace(replace(volume, "TYPE", "value_percentile"), "COND", "{field: Target.Note, percentile: 90, gte: 900}"), dets), Options{})
	var in []*idmefv2.Alert
	for i := 1; i <= 10; i++ {
		in = append(in, transfer(i, time.Duration(i)*time.Second, []string{"1", "2", "3", "4", "5", "6", "7", "8", "900", "1000"}[i-1]))
	}
	run(t, p, in...)
	out = p.Advance(t0.Add(3 * time.Hour))
	if len(out) != 1 || info(t, out[0]).Value != 900 {
		t.Fatalf("percentile: got %v", out)
	}
}

func TestUpperBoundDecidedByTheNextWindowEvent(t *testing.T) {
	// A range (gte 2, lte 3) needs the window's end. An event past the
	// end decides the window in event time, without Advance.
	rs := load(t, replace(bruteforce, "condition: {gte: 3}", "condition: {gte: 2, lte: 3}"), failedDet)
	e := newEngine(t, rs, Options{AllowedLateness: time.Second})
	f := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
	}
	if out := run(t, e, f(1, 0), f(2, time.Minute), f(3, 2*time.Minute)); len(out) != 0 {
		t.Fatal("a range decided before the window ended")
	}
	out := run(t, e, f(4, 6*time.Minute))
	if len(out) != 1 || len(out[0].CorrelID) != 3 {
		t.Fatalf("got %v, want the first window's 3 alerts", out)
	}
	// The second window holds one alert: below the range, nothing.
	if out := e.Advance(t0.Add(time.Hour)); len(out) != 0 {
		t.Fatalf("second window fired: %v", out)
	}
}

func TestLateEventsAreDroppedAndCounted(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{AllowedLateness: time.Minute})
	f := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
	}
	run(t, e, f(1, 10*time.Minute), f(2, 10*time.Minute))
	// Two minutes late: dropped.
	if out := run(t, e, f(3, 8*time.Minute)); len(out) != 0 {
		t.Fatal("a too-late event fired")
	}
	if got := counterValue(t, e.m.late); got != 1 {
		t.Errorf("late events counted %v, want 1", got)
	}
	// Thirty seconds late: counts.
	out := run(t, e, f(4, 9*time.Minute+30*time.Second))
	if len(out) != 1 || out[0].StartTime != idmefv2.FormatTime(t0.Add(9*time.Minute+30*time.Second)) {
		t.Fatalf("got %v, want a firing whose window starts at the late event", out)
	}
}

func TestSnapshotRestoreKeepsOpenWindows(t *testing.T) {
	rs := load(t, bruteforce, failedDet)
	e := newEngine(t, rs, Options{})
	f := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})
	}
	run(t, e, f(1, 0), f(2, time.Minute))
	// A restart: a new engine from the snapshot.
	e2 := restart(t, e, bruteforce)
	out := run(t, e2, f(3, 2*time.Minute))
	if len(out) != 1 || !slices.Equal(out[0].CorrelID, ids(f(1, 0), f(2, 0), f(3, 0))) {
		t.Fatalf("after restore: %v, want a firing with the two alerts from before the restart", out)
	}
	// The same firing from the original engine has the same ID: a
	// redelivery after a crash does not duplicate.
	again := run(t, e, f(3, 2*time.Minute))
	if len(again) != 1 || again[0].ID != out[0].ID {
		t.Fatalf("IDs differ: %v vs %v", ids(again...), ids(out...))
	}
	// A changed rule does not inherit the old windows.
	run(t, e, f(5, 3*time.Minute))
	e3 := restart(t, e, replace(bruteforce, "5m", "6m"))
	if st := e3.Status(); st[1].Groups != 0 {
		t.Errorf("a changed rule kept %d groups", st[1].Groups)
	}
}

const chained = bruteforce + `
---
title: Granted login
name: granted
detection: {selection: {x: y}, condition: selection}
---
title: Brute force then success
name: bf_success
correlation:
  type: temporal_ordered
  rules: [brute, granted]
  group-by: [Source(*).IP]
  timespan: 10m
`

func TestChainedCorrelationAndLoopProtection(t *testing.T) {
	e := newEngine(t, load(t, chained, failedDet), Options{})
	var in []*idmefv2.Alert
	for i := range 3 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}}))
	}
	out := run(t, e, in...)
	if len(out) != 0 {
		t.Fatalf("the inner correlation of a chain emitted on its own: %v", out)
	}
	ok := mk(alertSpec{n: 10, at: time.Minute, cat: idmefv2.CategoryAccessAuthorized, src: []string{"10.0.0.1"}})
	out = run(t, e, ok)
	if len(out) != 1 {
		t.Fatalf("got %d alerts, want the chained firing", len(out))
	}
	got := info(t, out[0])
	if got.Rule != "bf_success" || got.Depth != 2 || len(out[0].CorrelID) != 2 || out[0].CorrelID[1] != ok.ID {
		t.Fatalf("info %+v CorrelID %v", got, out[0].CorrelID)
	}
	// The emitted alert comes back through the pipeline: it triggers
	// nothing, and is not late.
	if again := run(t, e, out[0]); len(again) != 0 {
		t.Fatalf("a correlation alert re-triggered: %v", again)
	}
	if counterValue(t, e.m.late) != 0 {
		t.Error("the returning correlation alert was counted late")
	}
}

// TestFedOnlyInnerCorrelation: the inner correlation of a chain skips its
// alerts' CorrelID and attachment unless a consumer's field reads them;
// here bf_success groups by the attachments' names, so brute's alerts keep
// their "correlation" attachment and the chain fires.
func TestFedOnlyInnerCorrelation(t *testing.T) {
	const brute = "5b0c7d7e-0000-4000-8000-000000000001"
	if c := load(t, chained, failedDet).corByKey[brute]; c == nil || !c.fedOnly {
		t.Error("brute, only fed to bf_success, is not fedOnly")
	}
	i := strings.LastIndex(chained, "group-by: [Source(*).IP]") // bf_success's
	src := chained[:i] + "group-by: [Attachment(*).Name]" + chained[i+len("group-by: [Source(*).IP]"):]
	rs := load(t, src, failedDet)
	if rs.corByKey[brute].fedOnly {
		t.Fatal("brute is fedOnly, yet bf_success reads its attachments")
	}
	e := newEngine(t, rs, Options{})
	var in []*idmefv2.Alert
	for i := range 3 {
		in = append(in, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}}))
	}
	ok := mk(alertSpec{n: 10, at: time.Minute, cat: idmefv2.CategoryAccessAuthorized, src: []string{"10.0.0.1"}})
	ok.Attachment = []idmefv2.Attachment{{Name: InfoAttachment, ContentType: "text/plain", Content: []byte(`"x"`)}}
	out := run(t, e, append(in, ok)...)
	if len(out) != 1 || info(t, out[0]).Rule != "bf_success" {
		t.Fatalf("got %d alerts, want the chained firing", len(out))
	}
}

func TestCorrelationAlertNeverRetriggersItsRule(t *testing.T) {
	// A rule whose detection would match its own alerts (any category).
	rs := load(t, `
title: Anything high
name: high
detection: {selection: {x: y}, condition: selection}
---
title: Many high alerts
name: many
idmefv2: {Priority: High}
correlation: {type: event_count, rules: [high], timespan: 1m, condition: {gte: 2}}
`, map[string]Detector{"high": DetectorFunc(func(a *idmefv2.Alert) bool { return a.Priority == idmefv2.PriorityHigh })})
	e := newEngine(t, rs, Options{})
	h := func(n int) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: time.Duration(n) * time.Second, priority: idmefv2.PriorityHigh})
	}
	out := run(t, e, h(1), h(2))
	if len(out) != 1 {
		t.Fatalf("got %d", len(out))
	}
	// Its own alert, however often it comes back, plus one genuine high
	// alert: still below the threshold of two.
	if again := run(t, e, out[0], out[0], h(3), out[0]); len(again) != 0 {
		t.Fatalf("own alert re-triggered the rule: %v", again)
	}
}

func TestDepthLimit(t *testing.T) {
	e := newEngine(t, load(t, chained, failedDet), Options{MaxDepth: 1})
	for i := range 3 {
		run(t, e, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}}))
	}
	if out := run(t, e, mk(alertSpec{n: 10, at: time.Minute, cat: idmefv2.CategoryAccessAuthorized, src: []string{"10.0.0.1"}})); len(out) != 0 {
		t.Fatalf("depth 2 emitted with MaxDepth 1")
	}
	if counterValue(t, e.m.depthLimited) != 1 {
		t.Error("depth limit not counted")
	}
}

func TestSuppressByFieldAndTime(t *testing.T) {
	rs := load(t, replace(bruteforce, "level: high", "level: high\nsuppress: {by: [Source.IP], for: 10m}"), failedDet)
	e := newEngine(t, rs, Options{})
	var fired int
	for i := range 12 {
		fired += len(run(t, e, mk(alertSpec{n: i, at: time.Duration(i) * 30 * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})))
	}
	if fired != 1 {
		t.Fatalf("fired %d times within 6 minutes, want 1 (suppressed for 10m)", fired)
	}
	if got := counterValue(t, e.m.suppressed.WithLabelValues("5b0c7d7e-0000-4000-8000-000000000001")); got != 3 {
		t.Errorf("suppressed %v, want 3", got)
	}
	// Another source is not suppressed.
	var other int
	for i := range 3 {
		other += len(run(t, e, mk(alertSpec{n: 100 + i, at: 6 * time.Minute, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.2"}})))
	}
	if other != 1 {
		t.Errorf("other source fired %d times", other)
	}
}

// Suppression keys are alert values (source addresses...): their number
// within a suppression period is bounded like the groups (MaxGroups).
func TestSuppressionStateIsBounded(t *testing.T) {
	rule := replace(replace(bruteforce, "level: high", "level: high\nsuppress: {by: [Source.IP], for: 1h}"), "{gte: 3}", "{gte: 1}")
	e := newEngine(t, load(t, rule, failedDet), Options{MaxGroups: 5})
	fired := 0
	for i := range 50 {
		fired += len(run(t, e, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{fmt.Sprintf("10.0.1.%d", i)}})))
	}
	if fired != 50 {
		t.Errorf("fired %d times for 50 sources, want 50", fired)
	}
	if n := len(e.suppress["5b0c7d7e-0000-4000-8000-000000000001"]); n > 5 {
		t.Errorf("%d suppression keys kept, want at most MaxGroups (5)", n)
	}
}

func TestDedupSummarisesDuplicates(t *testing.T) {
	e := newEngine(t, nil, Options{Dedup: 2 * time.Minute, AllowedLateness: time.Second})
	dup := func(n int, at time.Duration) *idmefv2.Alert {
		return mk(alertSpec{n: n, at: at, cat: idmefv2.CategoryReconNetwork, src: []string{"1.2.3.4"}, tgt: []string{"10.0.0.5"}})
	}
	other := mk(alertSpec{n: 50, at: time.Second, cat: idmefv2.CategoryReconNetwork, src: []string{"1.2.3.4"}, tgt: []string{"10.0.0.6"}})
	run(t, e, dup(1, 0), dup(2, 10*time.Second), other, dup(3, time.Minute))
	out := e.Advance(t0.Add(10 * time.Minute))
	if len(out) != 1 {
		t.Fatalf("got %d summaries, want 1", len(out))
	}
	mustValid(t, out[0])
	in := info(t, out[0])
	if in.Type != "dedup" || in.Count != 3 || len(out[0].CorrelID) != 3 {
		t.Fatalf("summary %+v", in)
	}
	if !slices.Equal(out[0].AggrCondition, []string{"Category", "Source(*).IP", "Target(*).IP"}) {
		t.Errorf("AggrCondition %v", out[0].AggrCondition)
	}
	if st := e.Status(); len(st) != 1 || st[0].Rule.Key() != dedupKey || st[0].Firings != 1 {
		t.Errorf("status %+v, want the duplicate summaries with one firing", st)
	}
}

func TestGroupLimitEvicts(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{MaxGroups: 2})
	for i := range 5 {
		run(t, e, mk(alertSpec{n: i, at: time.Duration(i) * time.Second, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0." + string(rune('1'+i))}}))
	}
	if got := counterValue(t, e.m.evictedGroups); got != 3 {
		t.Errorf("evicted %v groups, want 3", got)
	}
	if st := e.Status(); st[1].Groups != 2 {
		t.Errorf("%d groups kept, want 2", st[1].Groups)
	}
}

func TestDisabledRuleDoesNotFire(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	if !e.SetEnabled("5b0c7d7e-0000-4000-8000-000000000001", false) {
		t.Fatal("SetEnabled: rule not found")
	}
	for i := range 5 {
		if out := run(t, e, mk(alertSpec{n: i, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}})); len(out) != 0 {
			t.Fatal("a disabled rule fired")
		}
	}
}

func TestSnapshotKeepsUnpublishedAlerts(t *testing.T) {
	e := newEngine(t, load(t, bruteforce, failedDet), Options{})
	var out []*idmefv2.Alert
	for i := range 3 {
		out = append(out, run(t, e, mk(alertSpec{n: i, cat: idmefv2.CategoryAccessUnauthorized, src: []string{"10.0.0.1"}}))...)
	}
	e.SetPending(out)
	e2 := restart(t, e, bruteforce)
	got := e2.TakePending()
	if len(got) != 1 || got[0].ID != out[0].ID {
		t.Fatalf("pending after restore: %v, want %v", ids(got...), ids(out...))
	}
	if st := e2.Status(); st[1].Firings != 1 {
		t.Errorf("firing count %d after restore, want 1", st[1].Firings)
	}
	if len(e2.TakePending()) != 0 {
		t.Error("TakePending did not forget")
	}
}

func TestTickFollowsTheStreamClock(t *testing.T) {
	// Sensors two hours behind the server: the windows still close one
	// timespan after their alerts, by the time elapsed since they arrived.
	wall := t0.Add(2 * time.Hour)
	rs := load(t, replace(replace(volume, "TYPE", "value_avg"), "COND", "{field: Target.Note, gt: 100}"), map[string]Detector{"transfer": byCategory(idmefv2.CategoryTheftData)})
	e := newEngine(t, rs, Options{AllowedLateness: time.Second, Now: func() time.Time { return wall }})
	run(t, e, transfer(1, 0, "300"))
	if out := e.Tick(wall.Add(30 * time.Minute)); len(out) != 0 {
		t.Fatalf("closed after 30 minutes of a 1h window: %v", out)
	}
	if out := e.Tick(wall.Add(time.Hour + 2*time.Second)); len(out) != 1 {
		t.Fatalf("got %d alerts one timespan after the alert arrived, want 1", len(out))
	}
}

// restart snapshots e and restores the state into a new engine loaded
// with rules src, as a restart of the process does.
func restart(t *testing.T, e *Engine, src string) *Engine {
	t.Helper()
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, load(t, src, failedDet), Options{})
	if err := e2.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	return e2
}
