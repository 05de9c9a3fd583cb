package config

import (
	"strings"
	"testing"
)

func TestValidateInputs(t *testing.T) {
	c := Default()
	c.Inputs.Syslog.TCPAddr = c.Ingest.Addr
	c.Inputs.Syslog.Timezone = "Mars/Olympus"
	c.Inputs.Syslog.MaxMessageBytes = 10
	c.Inputs.Files = []FileInput{{Path: "relative.log", Format: "text"}, {Path: "/var/log/[", Format: "xml", TimeField: "ts"}}
	c.Events.Retention.MaxAge = -1
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid inputs accepted")
	}
	for _, want := range []string{
		"inputs.syslog.tcp_addr", "inputs.syslog.timezone", "inputs.syslog.max_message_bytes",
		"inputs.files[0].path", "inputs.files[1].path", "inputs.files[1].format", "inputs.files[1].time_field",
		"events.retention.max_age",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	ok := Default()
	ok.Inputs.Files = []FileInput{{Path: "/var/log/suricata/eve.json", Format: "jsonl", Tool: "suricata", TimeField: "timestamp"}}
	ok.Inputs.Syslog.Enabled = false
	ok.Inputs.Syslog.TCPAddr = ""
	if err := ok.Validate(); err != nil {
		t.Errorf("valid inputs refused: %v", err)
	}
}
