package idmefv2

import (
	"errors"
	"fmt"
	"time"
)

// FormatTime formats t as an IDMEFv2 timestamp: RFC 3339 with the zone of t
// ("Z" for UTC) and fractional seconds only when t has them.
func FormatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// ParseTime parses an IDMEFv2 timestamp, which must be a real RFC 3339
// date-time with a zone ("Z" or ±hh:mm). A leap second (23:59:60 UTC on the
// last day of a month) is accepted and read as the next second.
func ParseTime(s string) (time.Time, error) {
	st, err := parseStamp(s)
	if err != nil {
		return time.Time{}, err
	}
	if !st.zoned {
		return time.Time{}, fmt.Errorf("idmefv2: timestamp %s has no time zone", quoteValue(s))
	}
	return st.time(nil), nil
}

// ParseLocalTime is ParseTime that also accepts a timestamp without a zone
// (which the schema allows and the spec discourages), reading it in loc (UTC
// when nil).
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	st, err := parseStamp(s)
	if err != nil {
		return time.Time{}, err
	}
	return st.time(loc), nil
}

// stamp is a parsed timestamp. unix and offset are computed without
// allocating, so that the validation hot path can compare times.
type stamp struct {
	year, month, day, hour, min, sec int
	nanos                            int
	zoned                            bool
	offset                           int   // seconds east of UTC
	unix                             int64 // seconds since the epoch, offset applied (UTC when not zoned)
}

func (st stamp) time(loc *time.Location) time.Time {
	t := time.Unix(st.unix, int64(st.nanos))
	switch {
	case st.zoned && st.offset == 0:
		return t.UTC()
	case st.zoned:
		return t.In(time.FixedZone("", st.offset))
	case loc != nil:
		return time.Date(st.year, time.Month(st.month), st.day, st.hour, st.min, st.sec, st.nanos, loc)
	}
	return t.UTC()
}

var errNotTimestamp = errors.New("not an RFC 3339 timestamp (YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm))")

// parseStamp checks the schema pattern, then that the date and time exist.
func parseStamp(s string) (stamp, error) {
	if !matchTimestamp(s) {
		return stamp{}, fmt.Errorf("idmefv2: %s is %w", quoteValue(s), errNotTimestamp)
	}
	return parseMatched(s)
}

// parseMatched is parseStamp for s that matchTimestamp accepts.
func parseMatched(s string) (stamp, error) {
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	st := stamp{year: num(0, 4), month: num(5, 2), day: num(8, 2), hour: num(11, 2), min: num(14, 2), sec: num(17, 2)}
	rest := s[19:]
	if rest != "" && rest[0] == '.' {
		// Nanoseconds: the first nine digits, padded with zeros.
		i := 1
		for ; i < len(rest) && isDigit(rest[i]); i++ {
			if i <= 9 {
				st.nanos = st.nanos*10 + int(rest[i]-'0')
			}
		}
		for n := min(i, 10); n <= 9; n++ {
			st.nanos *= 10
		}
		rest = rest[i:]
	}
	if rest != "" {
		st.zoned = true
		if rest != "Z" {
			st.offset = (num(len(s)-5, 2)*60 + num(len(s)-2, 2)) * 60
			if rest[0] == '-' {
				st.offset = -st.offset
			}
		}
	}
	if st.month < 1 {
		return stamp{}, fmt.Errorf("idmefv2: %s: month 00 does not exist", quoteValue(s))
	}
	if dim := daysIn(st.year, st.month); st.day < 1 || st.day > dim {
		return stamp{}, fmt.Errorf("idmefv2: %s: %s %d has %d days", quoteValue(s), time.Month(st.month), st.year, dim)
	}
	st.unix = daysSinceEpoch(st.year, st.month, st.day)*86400 +
		int64(st.hour*3600+st.min*60+st.sec) - int64(st.offset)
	if st.sec == 60 && !leapSecondSlot(st.unix) {
		return stamp{}, fmt.Errorf("idmefv2: %s: second 60 is only valid for a leap second (23:59:60 UTC on the last day of a month)", quoteValue(s))
	}
	return st, nil
}

// leapSecondSlot reports whether unix (computed with second 60, so it is
// the first second of the next UTC day) follows 23:59:59 UTC on the last day
// of a month.
func leapSecondSlot(unix int64) bool {
	next := time.Unix(unix, 0).UTC()
	return next.Day() == 1 && next.Hour() == 0 && next.Minute() == 0 && next.Second() == 0
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch converts a proleptic Gregorian date to days since
// 1970-01-01 (the "days from civil" algorithm of H. Hinnant).
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
