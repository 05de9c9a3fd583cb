package api

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// maxQueryLen bounds the q parameter: a filter longer than this is a
// mistake or an attack, and the parser's work grows with it.
const maxQueryLen = 8 << 10

// parseTime reads a time parameter: RFC 3339, "now", or an offset from now
// such as "-24h", "now-7d" or "+30m" (units of time.ParseDuration plus d
// for days and w for weeks). Empty gives the zero time.
func parseTime(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	rel := strings.TrimPrefix(s, "now")
	if rel == "" {
		return now, nil
	}
	if rel[0] != '-' && rel[0] != '+' {
		return time.Time{}, paramError(name, "%q is neither an RFC 3339 time nor relative to now (like -24h or now-7d)", s)
	}
	d, err := parseDuration(rel[1:])
	if err != nil {
		return time.Time{}, paramError(name, "%q: %v", s, err)
	}
	if rel[0] == '-' {
		d = -d
	}
	return now.Add(d), nil
}

// parseDuration is time.ParseDuration plus whole days (d) and weeks (w).
func parseDuration(s string) (time.Duration, error) {
	for unit, size := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			v, err := strconv.ParseUint(n, 10, 16)
			if err != nil {
				return 0, errBadDuration
			}
			return time.Duration(v) * size, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errBadDuration
	}
	return d, nil
}

var errBadDuration = errors.New("want a duration such as 90s, 15m, 24h, 7d or 2w")

// parseInt reads an integer parameter in [lo, hi]; empty gives def.
func parseInt(name, s string, lo, hi, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, paramError(name, "%q: want an integer from %d to %d", s, lo, hi)
	}
	return n, nil
}

// parseBool reads a boolean parameter; empty gives false.
func parseBool(name, s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, paramError(name, "%q: want true or false", s)
	}
	return b, nil
}

// parseFilter reads q, from and to.
func parseFilter(v url.Values, now time.Time) (store.Filter, error) {
	var f store.Filter
	f.Query = v.Get("q")
	if len(f.Query) > maxQueryLen {
		return f, paramError("q", "longer than %d bytes", maxQueryLen)
	}
	var err error
	if f.From, err = parseTime("from", v.Get("from"), now); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", v.Get("to"), now); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, paramError("from", "must be before to")
	}
	return f, nil
}

// checkParams refuses parameters a route does not know, so that a typo
// (qurey=…) is an error rather than a silently broader search.
func checkParams(v url.Values, known ...string) error {
	for k := range v {
		if !slices.Contains(known, k) {
			return paramError(k, "unknown parameter (this route takes %s)", strings.Join(known, ", "))
		}
	}
	return nil
}
