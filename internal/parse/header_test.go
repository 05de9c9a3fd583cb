package parse

import (
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
)

func TestSyslogFileHeader(t *testing.T) {
	cases := []struct {
		line                 string
		ok                   bool
		host, prog, pid, msg string
		time                 string // RFC 3339, "" for unchanged
	}{
		{"Nov 23 10:00:00 bastion sshd[4242]: Failed password", true, "bastion", "sshd", "4242", "Failed password", ""},
		{"Nov  3 10:00:00 fw kernel: [UFW BLOCK] IN=eth0", true, "fw", "kernel", "", "[UFW BLOCK] IN=eth0", ""},
		{"Nov 23 10:00:00 mx postfix/smtpd[77]: connect from x", true, "mx", "postfix/smtpd", "77", "connect from x", ""},
		{"2026-11-23T10:00:00.123456+01:00 web1 nginx: GET /", true, "web1", "nginx", "", "GET /", "2026-11-23T10:00:00.123456+01:00"},
		{"Nov 23 10:00:00 fw1 %ASA-4-106023: Deny tcp", true, "fw1", "%ASA-4-106023", "", "Deny tcp", ""},
		{`203.0.113.5 - - [23/Nov/2026:10:00:00 +0100] "GET / HTTP/1.1" 200 1 "-" "-"`, false, "", "", "", "", ""},
		{"type=USER_LOGIN msg=audit(1795428000.123:4567): pid=1", false, "", "", "", "", ""},
		{"Nov 23 10:00:00 host no colon here", false, "", "", "", "", ""},
		{"Nox 23 10:00:00 host p: m", false, "", "", "", "", ""},
		{"2026-13-23T10:00:00Z host p: m", false, "", "", "", "", ""},
		{"Nov 23 10:00:00 host p[1: m", false, "", "", "", "", ""},
	}
	for _, c := range cases {
		ev := logevent.New("file:/var/log/x", time.Now(), []byte(c.line))
		ok := SyslogFileHeader(&ev)
		if ok != c.ok {
			t.Errorf("%q: ok %v", c.line, ok)
			continue
		}
		if !ok {
			if ev.Message != c.line || ev.AppName != "" || !ev.Time.IsZero() {
				t.Errorf("%q: changed without a header: %+v", c.line, ev)
			}
			continue
		}
		if ev.Hostname != c.host || ev.AppName != c.prog || ev.ProcID != c.pid || ev.Message != c.msg {
			t.Errorf("%q: got %q %q %q %q", c.line, ev.Hostname, ev.AppName, ev.ProcID, ev.Message)
		}
		if c.time != "" && ev.Time.Format(time.RFC3339Nano) != c.time {
			t.Errorf("%q: time %v", c.line, ev.Time)
		}
	}
}

// TestProcessFileLine: a line of /var/log/auth.log read by a file input
// (no program) is split and reaches the sshd rules; the caller's event is
// left as received.
func TestProcessFileLine(t *testing.T) {
	e := builtin(t)
	line := "2026-11-23T11:00:00+01:00 bastion sshd[4242]: Failed password for root from 203.0.113.7 port 52144 ssh2"
	ev := logevent.New("file:/var/log/auth.log", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), []byte(line))
	alerts, id, err := e.Process(&ev)
	if err != nil || id != "sshd.failed-password" {
		t.Fatalf("%q %v", id, err)
	}
	if a := alerts[0]; a.Analyzer.Hostname != "bastion" || a.CreateTime != "2026-11-23T11:00:00+01:00" {
		t.Errorf("analyzer %+v, CreateTime %s", a.Analyzer, a.CreateTime)
	}
	if ev.AppName != "" || ev.Message != line {
		t.Errorf("the caller's event changed: %+v", ev)
	}
}

// FuzzSyslogFileHeader: no panic; a split keeps the message a suffix of
// the line.
func FuzzSyslogFileHeader(f *testing.F) {
	f.Add("Nov 23 10:00:00 bastion sshd[4242]: Failed password")
	f.Add("2026-11-23T10:00:00.123456+01:00 web1 nginx: GET /")
	f.Add("Nov 23 10:00:00 h p[: m")
	f.Fuzz(func(t *testing.T, line string) {
		ev := logevent.New("f", time.Time{}, []byte(line))
		if SyslogFileHeader(&ev) && len(ev.Message) > len(line) {
			t.Fatalf("message %q longer than the line %q", ev.Message, line)
		}
	})
}
