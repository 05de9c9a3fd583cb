package sqlite

import "strconv"

// Value sets (migration 00009). The postings (postings.go) list the
// alerts of a value. The reads that go the other way, from an alert to its
// values (probes of values, CIDR blocks, ranges and wildcards, group-by
// keys joined to alerts, rollups, finding the postings an alert leaves),
// read the alert's row of alert_value_sets instead: all its indexed values
// in one JSON object (encodeValueSet), unnested with json_each. The writer
// appends that row (rowid = seq).

// valueSetItems returns FROM items listing the values of field code of
// the alert whose seq is seqExpr: a join of alert_value_sets (alias set)
// and json_each over its field (alias each), to follow "FROM x" or a
// previous join.
func valueSetItems(seqExpr, set, each string, code int64) string {
	return " JOIN alert_value_sets " + set + " ON " + set + ".seq = " + seqExpr +
		" JOIN json_each(" + set + ".vals, " + fieldPath(code) + ") " + each
}

// fieldPath is the JSON path (an SQL literal) of a field's values in
// alert_value_sets.vals.
func fieldPath(code int64) string {
	return "'$.f" + strconv.FormatInt(code, 10) + "'"
}

// valueExpr is the value of json_each row each as a posting stores it:
// addresses are one-element arrays of their key in hex (JSON has no
// BLOB), everything else is the JSON string or integer itself.
func valueExpr(each string, kind valueKind) string {
	if kind == kindIP {
		return anyValueExpr(each)
	}
	return each + ".value"
}

// anyValueExpr is valueExpr for a field of any kind.
func anyValueExpr(each string) string {
	return "iif(" + each + ".type = 'array', unhex(" + each + ".value ->> 0), " + each + ".value)"
}
