package syslog

import (
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// ParseErrorSDID and ParseErrorParam name where an unparsed message's
// reason goes in Event.Structured. "vigie" has no "@": RFC 5424 reserves
// such IDs for IANA, so a sender cannot legitimately use it.
const (
	ParseErrorSDID  = "vigie"
	ParseErrorParam = "parse_error"
)

// Parser turns one frame into an Event. It is not safe for concurrent
// use: each connection has its own.
type Parser struct {
	p5424 gosyslog.Machine
	p3164 gosyslog.Machine
}

// NewParser returns a Parser reading RFC 3164 timestamps (which carry no
// year or zone) in loc and the current year; nil loc means UTC.
func NewParser(loc *time.Location) *Parser {
	if loc == nil {
		loc = time.UTC
	}
	return &Parser{
		p5424: rfc5424.NewParser(),
		p3164: rfc3164.NewParser(
			rfc3164.WithBestEffort(),
			rfc3164.WithYear(rfc3164.CurrentYear{}),
			rfc3164.WithTimezone(loc),
			rfc3164.WithRFC3339(),
			rfc3164.WithSecondFractions(),
		),
	}
}

// Parse fills ev (which New initialised with the raw frame) from raw. It
// returns "" when the message parsed, else the reason it did not; the
// Event then keeps the raw line as its Message and the reason under
// ParseErrorSDID.
func (p *Parser) Parse(raw []byte, ev *logevent.Event) (reason string) {
	if isRFC5424(raw) {
		m, err := p.p5424.Parse(raw)
		if err == nil && m != nil && m.Valid() {
			fill5424(m.(*rfc5424.SyslogMessage), ev)
			return ""
		}
		reason = "rfc5424: " + errText(err)
	}
	m, err := p.p3164.Parse(raw)
	if m != nil && m.Valid() {
		fill3164(m.(*rfc3164.SyslogMessage), ev)
		return ""
	}
	if reason == "" {
		reason = "rfc3164: " + errText(err)
	}
	ev.Structured = map[string]map[string]string{ParseErrorSDID: {ParseErrorParam: reason}}
	return reason
}

func errText(err error) string {
	if err == nil {
		return "not a syslog message"
	}
	return err.Error()
}

// isRFC5424 reports whether raw starts with "<PRI>1 ", RFC 5424's header.
func isRFC5424(raw []byte) bool {
	if len(raw) < 5 || raw[0] != '<' {
		return false
	}
	i := 1
	for i < len(raw) && i <= 4 && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	return i > 1 && i+2 < len(raw) && raw[i] == '>' && raw[i+1] == '1' && raw[i+2] == ' '
}

func fill5424(m *rfc5424.SyslogMessage, ev *logevent.Event) {
	fillBase(&m.Base, ev)
	if m.StructuredData != nil && len(*m.StructuredData) > 0 {
		ev.Structured = *m.StructuredData
	}
}

func fill3164(m *rfc3164.SyslogMessage, ev *logevent.Event) { fillBase(&m.Base, ev) }

func fillBase(b *gosyslog.Base, ev *logevent.Event) {
	if b.Facility != nil {
		ev.Facility = int(*b.Facility)
	}
	if b.Severity != nil {
		ev.Severity = int(*b.Severity)
	}
	if b.Timestamp != nil {
		ev.Time = *b.Timestamp
	}
	ev.Hostname = deref(b.Hostname)
	ev.AppName = deref(b.Appname)
	ev.ProcID = deref(b.ProcID)
	ev.MsgID = deref(b.MsgID)
	ev.Message = deref(b.Message)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
