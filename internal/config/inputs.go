package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// Inputs configures the log inputs: the syslog listener and followed
// files (see docs/INPUTS.md).
type Inputs struct {
	Syslog SyslogInput `yaml:"syslog"`
	// Files are followed files; empty: none.
	Files []FileInput `yaml:"files"`
	// FilePoll is how often followed files are checked for new lines,
	// rotation and new matches.
	FilePoll Duration `yaml:"file_poll"`
	// BatchSize is the most events handed to parsing and the event store
	// at once.
	BatchSize int `yaml:"batch_size"`
	// Parsing selects the parsing rules log events go through.
	Parsing Parsing `yaml:"parsing"`
}

// Parsing configures the log parsing rules (docs/PARSING-RULES.md).
type Parsing struct {
	// Builtin loads the rule sets shipped with Vigie (sshd, sudo, web
	// servers, firewalls, mail, auditd, Windows, Cisco ASA).
	Builtin bool `yaml:"builtin"`
	// RulesDir holds more rule sets (*.yaml, *.yml); empty means
	// <data_dir>/parsing, read when it exists.
	RulesDir string `yaml:"rules_dir" vigie:"path"`
}

// SyslogInput configures the syslog receiver (RFC 5424, RFC 3164, RFC
// 6587 framing, RFC 5425 TLS).
type SyslogInput struct {
	Enabled bool `yaml:"enabled"`
	// TCPAddr and UDPAddr are listen addresses; empty disables one.
	TCPAddr string `yaml:"tcp_addr"`
	UDPAddr string `yaml:"udp_addr"`
	// TLS makes the TCP listener speak TLS (RFC 5425); with client_ca,
	// senders must present a certificate (mutual TLS).
	TLS TLS `yaml:"tls"`
	// MaxMessageBytes cuts longer messages (counted).
	MaxMessageBytes ByteSize `yaml:"max_message_bytes"`
	// MaxConnections bounds concurrent TCP connections.
	MaxConnections int `yaml:"max_connections"`
	// IdleTimeout closes a silent TCP connection.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// QueueSize is the events buffered before TCP senders are slowed down
	// and UDP datagrams counted as overflow.
	QueueSize int `yaml:"queue_size"`
	// Timezone is the IANA zone of RFC 3164 timestamps, which carry none.
	Timezone string `yaml:"timezone"`
}

// FileInput is one followed path or glob.
type FileInput struct {
	// Path is an absolute file name or glob.
	Path string `yaml:"path"`
	// Format is text or jsonl.
	Format string `yaml:"format"`
	// Tool names a connector (suricata, wazuh…): each line is converted
	// to an alert instead of going through the parsing rules.
	Tool string `yaml:"tool"`
	// TimeField is the JSON field with the event time (jsonl).
	TimeField string `yaml:"time_field"`
}

// Events configures the raw-event store.
type Events struct {
	Retention EventRetention `yaml:"retention"`
}

// EventRetention removes the oldest raw events, in the store's
// maintenance pass (store.retention.interval). 0 disables a limit.
type EventRetention struct {
	MaxAge  Duration `yaml:"max_age"`
	MaxSize ByteSize `yaml:"max_size"`
}

// Values of inputs.files[].format.
const (
	FileFormatText  = "text"
	FileFormatJSONL = "jsonl"
)

func defaultInputs() Inputs {
	return Inputs{
		Syslog: SyslogInput{
			Enabled: true, TCPAddr: ":6514", UDPAddr: ":6514",
			MaxMessageBytes: 64 * KiB, MaxConnections: 1024, IdleTimeout: Duration(5 * time.Minute),
			QueueSize: 8192, Timezone: "UTC",
		},
		FilePoll:  Duration(time.Second),
		BatchSize: 500,
		Parsing:   Parsing{Builtin: true},
	}
}

// ParsingRulesDir is inputs.parsing.rules_dir, else <data_dir>/parsing.
func (c *Config) ParsingRulesDir() string {
	if c.Inputs.Parsing.RulesDir != "" {
		return c.Inputs.Parsing.RulesDir
	}
	return filepath.Join(c.DataDir, "parsing")
}

func defaultEvents() Events {
	return Events{Retention: EventRetention{MaxAge: Duration(30 * 24 * time.Hour)}}
}

func (c *Config) validateInputs(v *validator) {
	s := c.Inputs.Syslog
	if s.Enabled {
		if s.TCPAddr == "" && s.UDPAddr == "" {
			v.add("inputs.syslog.tcp_addr", "", "set tcp_addr or udp_addr, or turn inputs.syslog.enabled off")
		}
		if s.TCPAddr != "" {
			v.addr("inputs.syslog.tcp_addr", s.TCPAddr)
		}
		if s.UDPAddr != "" {
			v.addr("inputs.syslog.udp_addr", s.UDPAddr)
		}
	}
	v.tls("inputs.syslog.tls", s.TLS)
	v.atLeast("inputs.syslog.max_message_bytes", int64(s.MaxMessageBytes), 480) // RFC 5426 §3.2: receivers must take 480 bytes
	if s.MaxMessageBytes > 16*MiB {
		v.add("inputs.syslog.max_message_bytes", s.MaxMessageBytes, "must not exceed 16MiB")
	}
	v.atLeast("inputs.syslog.max_connections", s.MaxConnections, 1)
	v.positive("inputs.syslog.idle_timeout", s.IdleTimeout)
	v.atLeast("inputs.syslog.queue_size", s.QueueSize, 1)
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
		v.add("inputs.syslog.timezone", s.Timezone, "want an IANA time zone such as UTC or Europe/Paris")
	}
	for i, f := range c.Inputs.Files {
		p := fmt.Sprintf("inputs.files[%d]", i)
		if !filepath.IsAbs(f.Path) {
			v.add(p+".path", f.Path, "want an absolute file name or glob")
		} else if _, err := filepath.Match(f.Path, ""); err != nil {
			v.add(p+".path", f.Path, "bad glob: "+err.Error())
		}
		v.oneOf(p+".format", f.Format, FileFormatText, FileFormatJSONL)
		if f.TimeField != "" && f.Format != FileFormatJSONL {
			v.add(p+".time_field", f.TimeField, "only applies to format jsonl")
		}
	}
	v.positive("inputs.file_poll", c.Inputs.FilePoll)
	v.atLeast("inputs.batch_size", c.Inputs.BatchSize, 1)
	if c.Events.Retention.MaxAge < 0 {
		v.add("events.retention.max_age", c.Events.Retention.MaxAge, "must be 0 (keep forever) or more")
	}
	if c.Events.Retention.MaxSize < 0 {
		v.add("events.retention.max_size", c.Events.Retention.MaxSize, "must be 0 (no limit) or more")
	}
}

// syslogTCP is the syslog TCP address when that listener is on.
func (c *Config) syslogTCP() string {
	if !c.Inputs.Syslog.Enabled {
		return ""
	}
	return c.Inputs.Syslog.TCPAddr
}
