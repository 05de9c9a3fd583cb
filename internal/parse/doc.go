// Package parse is Vigie's log parsing rules engine. It loads rule sets from
// YAML files (see docs/PARSING-RULES.md), matches each log event against
// them — a literal pre-filter first, then a Grok pattern, a regular
// expression or field conditions — and maps the fields a rule extracts to an
// IDMEFv2 V08 alert.
//
// Grok patterns made only of literals and simple Logstash patterns (WORD,
// NOTSPACE, INT, IP, DATA, GREEDYDATA…) are run by a hand-written
// backtracking scanner with the same leftmost-first semantics as the regular
// expression; any other pattern, and any line the scanner cannot decide, goes
// to the go-grok regular expression.
package parse
