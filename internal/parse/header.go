package parse

import (
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// SyslogFileHeader splits a line of a syslog-written file held in
// ev.Message — "Nov 23 10:00:00 host sshd[42]: message", or with an RFC 3339
// timestamp as rsyslog writes in high precision — into Hostname, AppName,
// ProcID and Message. An RFC 3339 timestamp also sets Time; the traditional
// one, without year or zone, leaves Time as it was. It reports whether the
// line had such a header; ev is unchanged otherwise.
func SyslogFileHeader(ev *logevent.Event) bool {
	s := ev.Message
	var rest string
	var at time.Time
	switch {
	case len(s) > 16 && bsdStamp(s[:15]) && s[15] == ' ':
		rest = s[16:]
	case len(s) > 20 && isDigit(s[0]) && s[4] == '-' && s[10] == 'T':
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s[:sp])
		if err != nil {
			return false
		}
		at, rest = t, s[sp+1:]
	default:
		return false
	}
	host, rest, ok := strings.Cut(rest, " ")
	if !ok || host == "" {
		return false
	}
	i := strings.IndexAny(rest, "[: ")
	if i <= 0 || rest[i] == ' ' {
		return false
	}
	tag, pid := rest[:i], ""
	rest = rest[i:]
	if rest[0] == '[' {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return false
		}
		pid, rest = rest[1:j], rest[j+1:]
	}
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	ev.Hostname, ev.AppName, ev.ProcID = host, tag, pid
	ev.Message = strings.TrimPrefix(rest[1:], " ")
	if !at.IsZero() {
		ev.Time = at
	}
	return true
}

// bsdStamp reports whether s is "Mmm dd hh:mm:ss" (day space-padded).
func bsdStamp(s string) bool {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(s) != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return false
	}
	m := strings.Index(months, s[:3])
	if m < 0 || m%3 != 0 {
		return false
	}
	if s[4] != ' ' && !isDigit(s[4]) || !isDigit(s[5]) {
		return false
	}
	for _, i := range []int{7, 8, 10, 11, 13, 14} {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
