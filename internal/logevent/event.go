// Package logevent defines the log event that Vigie's log inputs (syslog,
// followed files, stdin) produce and its parsing rules consume. It holds the
// type only, so that inputs and the rule engine do not import each other.
package logevent

import "time"

// Event is one log line (or one JSON object of a JSON-lines input) with what
// its transport told about it. Inputs fill what they know and leave the rest
// zero; Facility and Severity are -1 when unknown.
type Event struct {
	// Received is when Vigie read the event.
	Received time.Time
	// Time is the timestamp the event carries (syslog header, JSON field);
	// zero when it has none.
	Time time.Time
	// Input names where the event came from, e.g. "syslog/tcp",
	// "syslog/udp", "file:/var/log/auth.log", "stdin".
	Input string
	// Peer is the sender's address for network inputs.
	Peer string
	// Hostname, AppName (the program or tag, e.g. "sshd"), ProcID and MsgID
	// come from the syslog header.
	Hostname string
	AppName  string
	ProcID   string
	MsgID    string
	// Facility (0–23) and Severity (0–7) are syslog's; -1 when unknown.
	Facility int
	Severity int
	// Message is the free-text part, after any header.
	Message string
	// Structured is RFC 5424 structured data: SD-ID → param → value.
	Structured map[string]map[string]string
	// Fields is the decoded object of a JSON-lines input (nil otherwise).
	Fields map[string]any
	// Raw is the event exactly as received.
	Raw []byte
}

// New returns an Event for a line read by input at received, with Facility
// and Severity unknown.
func New(input string, received time.Time, raw []byte) Event {
	return Event{Input: input, Received: received, Raw: raw, Message: string(raw), Facility: -1, Severity: -1}
}
