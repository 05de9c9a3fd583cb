package correlate

import (
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Duplicate aggregation. Every alert still reaches the store (the store
// stage consumes alerts.enriched on its own); what the correlator adds is
// a summary: alerts with the same categories, the same source IPs and the
// same target IPs within a window form one group, and when the window ends
// with two or more of them, one "dedup" alert is emitted with the count
// (Info.Count, and the Description), every duplicate in CorrelID and the
// fields compared in AggrCondition. Notification and the UI can then show
// one line instead of a flood. Alerts emitted by the correlator are left
// out.

const dedupKey = "vigie-dedup"

// dedupRule is the built-in duplicate-aggregation rule.
func dedupRule(window time.Duration, analyzer string) *corRule {
	r := &Rule{
		ID: dedupKey, Name: "duplicate_alerts", Title: "Duplicate alerts",
		Description: "Alerts with the same categories, source IPs and target IPs within the window.",
		Detector:    DetectorFunc(func(a *idmefv2.Alert) bool { return a.Analyzer.Name != analyzer }),
		Correlation: &Correlation{
			Type:      EventCount,
			Rules:     []string{"*"},
			GroupBy:   []string{"Category", "Source(*).IP", "Target(*).IP"},
			Timespan:  window,
			Condition: Condition{Comparisons: []Comparison{{OpGTE, 2}}},
		},
		File: "(built in)",
	}
	c := &corRule{rule: r, atEnd: true, whole: true, emit: true, refKeys: []string{"*"}, condition: r.Correlation.Condition.String()}
	for _, g := range r.Correlation.GroupBy {
		f, err := parseField(g)
		if err != nil {
			panic(err) // constant paths
		}
		c.groupBy = append(c.groupBy, nil)
		c.groupBy[0] = append(c.groupBy[0], f)
		c.aggr = append(c.aggr, f.path.String())
	}
	c.groupBy = c.groupBy[:1]
	return c
}

func dedupDescription(evs []event) string {
	d := evs[0].Alert.Desc
	if d == "" {
		d = "alert"
	}
	return fmt.Sprintf("%d duplicates: %s", len(evs), d)
}
