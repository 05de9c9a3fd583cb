// Package sigma parses Sigma detection rules and evaluates them against
// IDMEFv2 alerts.
//
// Field names in rules are IDMEF paths ("Source.IP", "Target(*).User",
// "Analyzer.Name", "Category") or the flat aliases the Concerto and REE rule
// repositories use ("Source_IP", "Target_Service"). A path that does not
// index a list of classes selects every element: "Source.IP" matches when
// any source has a matching address, as a list attribute matches when any
// of its values matches.
//
// ParseFile splits a multi-document YAML file into detection rules (parsed)
// and correlation or filter documents (kept as YAML nodes for the correlate
// package). Compile turns a parsed rule into a Rule whose Match is
// allocation-free on the common paths and safe for concurrent use; a
// RuleSet indexes many rules by literal values (Category, Analyzer.Name…)
// so an alert is only tested against rules that can match it. Lint reports
// what deviates from the Sigma specification.
//
// docs/SIGMA.md lists the supported fields, aliases, modifiers, the
// condition grammar and the deviations from the specification.
package sigma
