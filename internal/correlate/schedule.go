package correlate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is the "vigie: {time: …}" extension of a detection rule: the
// rule matches only alerts whose event time is inside (or outside) a
// weekly schedule, e.g. business hours. Sigma detection has no
// time-of-day condition; this keeps the rule's detection standard.
//
//	vigie:
//	  time:
//	    outside: "Mon-Fri 08:00-18:00"   # or inside: …
//	    timezone: Europe/Paris          # default UTC
type Schedule struct {
	Outside  bool
	Days     [7]bool // by time.Weekday
	From, To int     // minutes since midnight; To > From
	Location *time.Location
	Spec     string // as written
}

// Contains reports whether t is within the schedule's days and hours.
func (s *Schedule) Contains(t time.Time) bool {
	t = t.In(s.Location)
	m := t.Hour()*60 + t.Minute()
	return s.Days[t.Weekday()] && m >= s.From && m < s.To
}

// Admits reports whether an alert at t passes the schedule.
func (s *Schedule) Admits(t time.Time) bool { return s.Contains(t) != s.Outside }

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseSchedule reads "Mon-Fri 08:00-18:00" (days: a name, a range or a
// comma list; hours: HH:MM-HH:MM).
func parseSchedule(spec string, outside bool, tz string) (*Schedule, error) {
	s := &Schedule{Outside: outside, Spec: spec, Location: time.UTC}
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %v", tz, err)
		}
		s.Location = loc
	}
	days, hours, ok := strings.Cut(strings.TrimSpace(spec), " ")
	if !ok {
		return nil, fmt.Errorf("%q: want days and hours, e.g. \"Mon-Fri 08:00-18:00\"", spec)
	}
	for _, part := range strings.Split(days, ",") {
		from, to, isRange := strings.Cut(strings.ToLower(part), "-")
		a, ok1 := dayNames[from]
		b, ok2 := a, true
		if isRange {
			b, ok2 = dayNames[to]
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%q: unknown day in %q: want Mon, Tue, Wed, Thu, Fri, Sat, Sun", spec, part)
		}
		for d := a; ; d = (d + 1) % 7 {
			s.Days[d] = true
			if d == b {
				break
			}
		}
	}
	from, to, ok := strings.Cut(strings.TrimSpace(hours), "-")
	if !ok {
		return nil, fmt.Errorf("%q: hours must be HH:MM-HH:MM", spec)
	}
	var err error
	if s.From, err = clock(from); err != nil {
		return nil, fmt.Errorf("%q: %v", spec, err)
	}
	if s.To, err = clock(to); err != nil {
		return nil, fmt.Errorf("%q: %v", spec, err)
	}
	if s.To <= s.From {
		return nil, fmt.Errorf("%q: the hours must end after they start (same day)", spec)
	}
	return s, nil
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	return hh*60 + mm, nil
}
