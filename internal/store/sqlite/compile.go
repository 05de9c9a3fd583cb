package sqlite

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// where is a SQL condition on alerts a with its bound arguments.
type where struct {
	sql  strings.Builder
	args []any
	now  time.Time
	// probe compiles indexed terms (probeValues) and free text
	// (probeText) as correlated EXISTS lookups keyed by the current alert
	// instead of IN-lists: right when the plan tests few rows (see
	// plan.go), wrong when SQLite should drive from the term's matches.
	probe probeMode
	// text: the condition has free text, so its search waits for the
	// free-text index (syncText).
	text bool
}

// probeMode selects which terms compile to per-alert probes.
type probeMode int

const (
	probeNone   probeMode = 0
	probeValues probeMode = 1 << iota
	probeText
	probeAll = probeValues | probeText
)

func (w *where) add(sql string, args ...any) {
	w.sql.WriteString(sql)
	w.args = append(w.args, args...)
}

// compileFilter turns a store.Filter into a condition on alerts a. An
// empty filter gives "1".
func compileFilter(f store.Filter, now time.Time) (*where, error) {
	e, err := query.Parse(f.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalidQuery, err)
	}
	return compileExpr(e, f, now, probeNone)
}

// compileExpr compiles a parsed filter; probe selects the EXISTS form of
// indexed terms (see where.probe).
func compileExpr(e query.Expr, f store.Filter, now time.Time, probe probeMode) (*where, error) {
	w := &where{now: now, probe: probe}
	w.add("(")
	if e == nil {
		w.add("1")
	} else if err := w.expr(e); err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalidQuery, err)
	}
	w.add(")")
	if !f.From.IsZero() {
		w.add(" AND a.create_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		w.add(" AND a.create_ns < ?", f.To.UnixNano())
	}
	return w, nil
}

func (w *where) expr(e query.Expr) error {
	switch e := e.(type) {
	case *query.And:
		return w.binary(e.X, " AND ", e.Y)
	case *query.Or:
		return w.binary(e.X, " OR ", e.Y)
	case *query.Not:
		w.add("NOT (")
		if err := w.expr(e.X); err != nil {
			return err
		}
		w.add(")")
		return nil
	case *query.Text:
		w.text = true
		if w.probe&probeText != 0 {
			w.add("EXISTS (SELECT 1 FROM alert_text WHERE alert_text MATCH ? AND rowid = a.seq)", ftsQuery(e))
			return nil
		}
		w.add("a.seq IN (SELECT rowid FROM alert_text WHERE alert_text MATCH ?)", ftsQuery(e))
		return nil
	case *query.Exists:
		return w.exists(e.Field)
	case *query.Compare:
		return w.compare(e)
	}
	return fmt.Errorf("unknown query node %T", e)
}

func (w *where) binary(x query.Expr, op string, y query.Expr) error {
	w.add("(")
	if err := w.expr(x); err != nil {
		return err
	}
	w.add(op)
	if err := w.expr(y); err != nil {
		return err
	}
	w.add(")")
	return nil
}

// ftsQuery quotes free text for FTS5 MATCH: the text is always a quoted
// string, so FTS5 operators in it are just words.
// A NUL ends an FTS5 string early ("unterminated string"); the tokenizer
// separates words on it anyway, so it becomes a space. So does
// priorityMark, which only the synthetic priority tokens may contain
// (priotext.go).
func ftsQuery(t *query.Text) string {
	text := withoutMark(strings.ReplaceAll(t.Text, "\x00", " "))
	q := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	if t.Prefix {
		q += " *"
	}
	return q
}

func (w *where) exists(f query.Field) error {
	if c, ok := lookupColumn(f.Name); ok {
		w.add(c.expr + " IS NOT NULL")
		return nil
	}
	if f.Name == query.FieldTag {
		w.add("a.seq IN (SELECT seq FROM alert_tags)")
		return nil
	}
	if p, ok := lookupIndexed(f.Name); ok {
		w.add("a.seq IN (SELECT j.value FROM alert_postings p JOIN json_each(p.seqs) j WHERE p.field = ?)", p.code)
		return nil
	}
	from, src, err := jsonSource(f)
	if err != nil {
		return err
	}
	w.add("EXISTS (SELECT 1 FROM "+from+")", src.args...)
	return nil
}

func (w *where) compare(c *query.Compare) error {
	if c.Op == query.Ne {
		// != is "no value equals", the negation of =, for lists and
		// single values alike.
		eq := *c
		eq.Op = query.Eq
		w.add("NOT (")
		if err := w.compare(&eq); err != nil {
			return err
		}
		w.add(")")
		return nil
	}
	if col, ok := lookupColumn(c.Field.Name); ok {
		return w.compareColumn(col, c)
	}
	if c.Field.Name == query.FieldTag {
		return w.compareSet("a.seq IN (SELECT seq FROM alert_tags WHERE ", "tag", "", c, kindText)
	}
	if p, ok := lookupIndexed(c.Field.Name); ok {
		field := strconv.FormatInt(p.code, 10)
		if w.probe&probeValues != 0 {
			return w.probeValues(field, c, p.kind)
		}
		return w.compareSet("a.seq IN (SELECT j.value FROM alert_postings p JOIN json_each(p.seqs) j WHERE p.field = "+field+" AND (", "p.v", ")", c, p.kind)
	}
	return w.compareJSON(c)
}

// probeValues writes an indexed term as a test of the current alert's
// values of the field, read from its value set (valueset.go): one seek by
// seq and the few values of the field.
func (w *where) probeValues(field string, c *query.Compare, kind valueKind) error {
	return w.compareSet("EXISTS (SELECT 1 FROM alert_value_sets vs JOIN json_each(vs.vals, '$.f"+field+"') ve WHERE vs.seq = a.seq AND (",
		valueExpr("ve", kind), ")", c, kind)
}

// exactValues reports whether c is equality with exact values (no CIDR
// block), which a posting's key finds directly.
func exactValues(c *query.Compare, kind valueKind) bool {
	if c.Op != query.Eq && c.Op != query.In {
		return false
	}
	if kind == kindIP {
		for _, v := range c.Values {
			if strings.Contains(v.Text, "/") {
				return false
			}
		}
	}
	return true
}

// compareSet writes "prefix <cond on col> suffix)" where cond is the
// disjunction of the value conditions.
func (w *where) compareSet(prefix, col, suffix string, c *query.Compare, kind valueKind) error {
	w.add(prefix)
	for i, v := range c.Values {
		if i > 0 {
			w.add(" OR ")
		}
		if err := w.valueCond(col, c.Op, v, kind); err != nil {
			return err
		}
	}
	w.add(suffix + ")")
	return nil
}

func (w *where) valueCond(col string, op query.Op, v query.Value, kind valueKind) error {
	switch kind {
	case kindIP:
		return w.ipCond(col, op, v)
	case kindInt:
		n, err := strconv.ParseInt(v.Text, 10, 64)
		if err != nil {
			return query.Errorf(v.At, fmt.Sprintf("expected an integer, found %q", v.Text))
		}
		return w.opCond(col, op, n, v)
	}
	return w.opCond(col, op, v.Text, v)
}

// opCond writes "col OP ?"; In and Eq are equality, Like is GLOB.
func (w *where) opCond(col string, op query.Op, arg any, v query.Value) error {
	switch op {
	case query.Eq, query.In:
		w.add(col+" = ?", arg)
	case query.Lt, query.Le, query.Gt, query.Ge:
		w.add(col+" "+string(op)+" ?", arg)
	case query.Like:
		s, ok := arg.(string)
		if !ok {
			return query.Errorf(v.At, "~ (wildcards) needs a text path")
		}
		w.add(col+" GLOB ?", globPattern(s))
	default:
		return query.Errorf(v.At, fmt.Sprintf("operator %s is not supported here", op))
	}
	return nil
}

// globPattern turns * and ? wildcards into a GLOB pattern, escaping [.
func globPattern(s string) string {
	return strings.ReplaceAll(s, "[", "[[]")
}

func (w *where) ipCond(col string, op query.Op, v query.Value) error {
	if strings.Contains(v.Text, "/") {
		p, err := netip.ParsePrefix(v.Text)
		if err != nil {
			return query.Errorf(v.At, fmt.Sprintf("expected an IP address or CIDR block, found %q", v.Text))
		}
		if op != query.Eq && op != query.In {
			return query.Errorf(v.At, "a CIDR block goes with = or in")
		}
		lo, hi := prefixRange(p)
		w.add(col+" BETWEEN ? AND ?", lo, hi)
		return nil
	}
	a, err := netip.ParseAddr(v.Text)
	if err != nil {
		return query.Errorf(v.At, fmt.Sprintf("expected an IP address or CIDR block, found %q", v.Text))
	}
	if op == query.Like {
		return query.Errorf(v.At, "~ does not apply to addresses; use a CIDR block such as 10.0.0.0/8")
	}
	return w.opCond(col, op, ipKey(a), v)
}

// compareColumn compares a column of alerts a; each condition is false,
// never NULL, when the column is NULL, so that not works as expected.
func (w *where) compareColumn(col column, c *query.Compare) error {
	if col.kind == colBool {
		return w.compareBool(col, c)
	}
	w.add("(" + col.expr + " IS NOT NULL AND (")
	for i, v := range c.Values {
		if i > 0 {
			w.add(" OR ")
		}
		arg, err := w.columnValue(col, c.Op, v)
		if err != nil {
			return err
		}
		if col.name == "ID" && (c.Op == query.Eq || c.Op == query.In) {
			// The ID index is keyed by bucket first (migration 00007).
			w.add("("+idMatch+" = ?)", arg)
			continue
		}
		if err := w.opCond(col.expr, c.Op, arg, v); err != nil {
			return err
		}
	}
	w.add("))")
	return nil
}

// compareBool handles superseded = true|false (the column holds the
// successor's ID, NULL when not superseded).
func (w *where) compareBool(col column, c *query.Compare) error {
	want := map[bool]bool{}
	for _, v := range c.Values {
		b, err := strconv.ParseBool(v.Text)
		if err != nil || (c.Op != query.Eq && c.Op != query.In) {
			return query.Errorf(v.At, col.name+" takes = true or = false")
		}
		want[b] = true
	}
	switch {
	case want[true] && want[false]:
		w.add("1")
	case want[true]:
		w.add(col.expr + " IS NOT NULL")
	default:
		w.add(col.expr + " IS NULL")
	}
	return nil
}

func (w *where) columnValue(col column, op query.Op, v query.Value) (any, error) {
	switch col.kind {
	case colTime:
		t, err := parseTimeValue(v.Text, w.now)
		if err != nil {
			return nil, query.Errorf(v.At, err.Error())
		}
		if op == query.Like {
			return nil, query.Errorf(v.At, "~ does not apply to times")
		}
		return t.UnixNano(), nil
	case colPriority:
		r, ok := parsePriority(v.Text)
		if !ok {
			return nil, query.Errorf(v.At, fmt.Sprintf("expected a Priority (Unknown, Info, Low, Medium, High), found %q", v.Text))
		}
		if op == query.Like {
			return nil, query.Errorf(v.At, "~ does not apply to Priority")
		}
		return r, nil
	case colState:
		if op != query.Like && !store.State(v.Text).Valid() {
			return nil, query.Errorf(v.At, fmt.Sprintf("expected a state (%v), found %q", store.States(), v.Text))
		}
	}
	return v.Text, nil
}

// parseTimeValue reads RFC 3339 or now, now-1h, now+30m (Go durations,
// plus d for days).
func parseTimeValue(s string, now time.Time) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		if rest == "" {
			return now, nil
		}
		sign := time.Duration(1)
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, fmt.Errorf("expected now-DURATION or now+DURATION, found %q", s)
		}
		d, err := parseDuration(rest[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("bad duration in %q: %w", s, err)
		}
		return now.Add(sign * d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 time (2026-01-31T08:00:00Z) or now-1h, found %q", s)
	}
	return t, nil
}

// parseDuration is time.ParseDuration plus a "d" (24 h) suffix.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
