// Package query parses Vigie's alert query language into an AST that store
// engines compile to their own query language.
//
// A query is a boolean combination of terms:
//
//	Source(*).IP = 10.0.0.0/8 and Priority >= High
//	Category ~ "Recon.*" or Target.Hostname in (web-01, web-02)
//	not exists Target.User and "brute force"
//	state = new and tag = phishing
//
// Terms are PATH OP VALUE comparisons with OP one of = != < <= > >= ~
// (wildcards * and ?), PATH in (V, …), PATH not in (…), exists PATH, and free
// text: a bare word (ending in * for a prefix) or a "quoted phrase". Terms
// joined without an operator are and-ed; and binds tighter than or; not and
// parentheses work as usual. Keywords are case-insensitive.
//
// A PATH is an IDMEF path (see idmefv2.Path) or a lifecycle field: state,
// assignee, tag, superseded. In a query, a class list without an index
// means any element: Source.IP is Source(*).IP. Values are bare words or
// double-quoted strings (with \" and \\ escapes); the engine interprets
// them for the path (addresses and CIDR blocks, ports, priorities, RFC 3339
// times or now-1h).
//
// Every syntax error is an *Error with the byte offset of the problem and
// what was expected. See docs/QUERY.md for the full description.
package query
