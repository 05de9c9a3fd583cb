// Package correlate is Vigie's streaming correlation engine: Sigma
// correlation rules (event_count, value_count, temporal, temporal_ordered,
// value_sum, value_avg, value_percentile) evaluated in event time over
// IDMEFv2 alerts, with group-by on IDMEF paths that have list semantics
// (Source(*).IP contributes every source), chained correlations, rule-level
// suppression, duplicate aggregation, bounded memory and snapshots.
//
// Detection (does one alert match a Sigma detection rule?) is not done
// here: the engine takes a CompileFunc that turns a detection document into
// a Detector (package internal/correlate/sigma provides one). The engine
// reads only the rule metadata (id, name, title, level, the Concerto
// idmefv2 attribute and the Vigie extensions) from detection documents.
//
// An Engine is fed alerts with Process and emits correlation alerts: valid
// IDMEFv2 (2.D.V08) with every contributing alert in CorrelID, the group-by
// paths in AggrCondition, the window in StartTime/EndTime, merged sources
// and targets, and a "correlation" attachment with the rule, the group-by
// values and the aggregate. Conditions that need the end of a window
// (lt, lte, eq, neq, averages, percentiles) are evaluated when Advance
// moves the clock past it. See docs/CORRELATION.md.
package correlate
