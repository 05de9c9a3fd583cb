package syslog

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigie-siem/vigie/internal/logevent"
)

func TestParse(t *testing.T) {
	year := time.Now().Year()
	for _, tc := range []struct {
		name, line string
		want       logevent.Event
		unparsed   bool
	}{
		{
			name: "rfc5424 with structured data",
			line: `<34>1 2026-11-23T10:00:00.5Z web01 sshd 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] Failed password for root from 192.0.2.7 port 22 ssh2`,
			want: logevent.Event{Facility: 4, Severity: 2, Hostname: "web01", AppName: "sshd", ProcID: "1234", MsgID: "ID47",
				Time:       time.Date(2026, 11, 23, 10, 0, 0, 5e8, time.UTC),
				Message:    "Failed password for root from 192.0.2.7 port 22 ssh2",
				Structured: map[string]map[string]string{"exampleSDID@32473": {"iut": "3", "eventSource": "Application"}}},
		},
		{
			name: "rfc5424 nil values",
			line: `<165>1 - - - - - - hello`,
			want: logevent.Event{Facility: 20, Severity: 5, Message: "hello"},
		},
		{
			name: "rfc3164",
			line: `<38>Nov 23 10:00:01 fw01 sshd[999]: Accepted publickey for alice`,
			want: logevent.Event{Facility: 4, Severity: 6, Hostname: "fw01", AppName: "sshd", ProcID: "999",
				Time: time.Date(year, 11, 23, 10, 0, 1, 0, time.UTC), Message: "Accepted publickey for alice"},
		},
		{
			name: "rfc3164 with an RFC 3339 timestamp (rsyslog)",
			line: `<86>2026-11-23T10:00:02+01:00 host2 CRON[5]: session opened`,
			want: logevent.Event{Facility: 10, Severity: 6, Hostname: "host2", AppName: "CRON", ProcID: "5",
				Time: time.Date(2026, 11, 23, 9, 0, 2, 0, time.UTC), Message: "session opened"},
		},
		{
			name: "rfc3164 without a tag",
			line: `<13>Nov  3 01:02:03 host3 just a message`,
			want: logevent.Event{Facility: 1, Severity: 5, Hostname: "host3", Time: time.Date(year, 11, 3, 1, 2, 3, 0, time.UTC)},
		},
		{name: "no priority", line: `hello world`, unparsed: true},
		{name: "broken rfc5424 falls back", line: `<34>1 notatime host app - - - msg`, want: logevent.Event{Facility: 4, Severity: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := logevent.New("syslog/tcp", time.Now(), []byte(tc.line))
			reason := NewParser(nil).Parse(ev.Raw, &ev)
			if tc.unparsed {
				if reason == "" {
					t.Fatalf("parsed %+v, want unparsed", ev)
				}
				if ev.Message != tc.line || ev.Structured[ParseErrorSDID][ParseErrorParam] != reason {
					t.Errorf("unparsed event = %+v, want the raw line and the reason", ev)
				}
				return
			}
			if reason != "" {
				t.Fatalf("unparsed: %s", reason)
			}
			if ev.Facility != tc.want.Facility || ev.Severity != tc.want.Severity {
				t.Errorf("facility/severity = %d/%d, want %d/%d", ev.Facility, ev.Severity, tc.want.Facility, tc.want.Severity)
			}
			if tc.want.Hostname == "" && tc.want.Message == "" {
				return // only the priority is asserted
			}
			if ev.Hostname != tc.want.Hostname || ev.AppName != tc.want.AppName || ev.ProcID != tc.want.ProcID || ev.MsgID != tc.want.MsgID {
				t.Errorf("header = %q %q %q %q, want %q %q %q %q", ev.Hostname, ev.AppName, ev.ProcID, ev.MsgID, tc.want.Hostname, tc.want.AppName, tc.want.ProcID, tc.want.MsgID)
			}
			if tc.want.Message != "" && ev.Message != tc.want.Message {
				t.Errorf("message = %q, want %q", ev.Message, tc.want.Message)
			}
			if !ev.Time.Equal(tc.want.Time) {
				t.Errorf("time = %v, want %v", ev.Time, tc.want.Time)
			}
			for id, params := range tc.want.Structured {
				for k, v := range params {
					if ev.Structured[id][k] != v {
						t.Errorf("structured %s %s = %q, want %q", id, k, ev.Structured[id][k], v)
					}
				}
			}
		})
	}
}

// FuzzParse: any frame gives an event, parsed or kept raw with a reason,
// without panic; facility and severity stay in range.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<34>1 2026-11-23T10:00:00Z h a p m [x@1 a="b"] msg`,
		`<38>Nov 23 10:00:01 fw01 sshd[999]: hi`,
		`<13>2026-11-23T10:00:02+01:00 h t: m`,
		`<999>1 - - - - - -`, `<`, `<1>`, "<34>1 - - - - - [a@1 b=\"\\\"\"] \xff",
	} {
		f.Add([]byte(s))
	}
	p := NewParser(nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := logevent.New("syslog/udp", time.Now(), raw)
		reason := p.Parse(raw, &ev)
		if reason != "" && ev.Message != string(raw) {
			t.Fatalf("unparsed event lost its raw line: %q", ev.Message)
		}
		if ev.Facility < -1 || ev.Facility > 23 || ev.Severity < -1 || ev.Severity > 7 {
			t.Fatalf("facility/severity out of range: %d/%d", ev.Facility, ev.Severity)
		}
		if reason != "" && !utf8.ValidString(reason) {
			t.Fatalf("reason is not UTF-8: %q", reason)
		}
	})
}
