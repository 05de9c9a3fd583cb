package nats

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/internal/bus"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // substring; empty means valid
	}{
		{"Embedded", Options{DataDir: "/tmp/x"}, ""},
		{"External", Options{URL: "nats://127.0.0.1:4222"}, ""},
		{"NoDataDirNoURL", Options{}, "DataDir"},
		{"BadPrefix", Options{DataDir: "d", Prefix: "a.*"}, "Prefix"},
		{"DuplicateStream", Options{DataDir: "d", Streams: []bus.Stream{{Subject: "a"}, {Subject: "a"}}}, "declared twice"},
		{"BadStreamSubject", Options{DataDir: "d", Streams: []bus.Stream{{Subject: "a b"}}}, "Streams[0]"},
		{"Replicas", Options{DataDir: "d", Replicas: 7}, "Replicas"},
		{"NoStreams", Options{DataDir: "d", Streams: []bus.Stream{}}, "at least one stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.withDefaults().validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("validate = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestOptionsWithDefaultsKeepsCallerStreams(t *testing.T) {
	streams := []bus.Stream{{Subject: "a"}}
	_ = Options{Streams: streams}.withDefaults()
	if streams[0].MaxBytes != 0 {
		t.Errorf("withDefaults modified the caller's Streams slice: %+v", streams[0])
	}
}

func TestOptionsLogValueRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("open", "options", Options{
		URL:   "nats://alice:s3cret@n1:4222,nats://bob:hunter2@n2:4222",
		Token: "tok-abcdef",
	})
	out := buf.String()
	for _, secret := range []string{"s3cret", "hunter2", "tok-abcdef", "alice"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "n1:4222") || !strings.Contains(out, "n2:4222") {
		t.Errorf("log line lost the server addresses: %s", out)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		prefix, logical, subject, stream string
	}{
		{"", bus.SubjectIn, "alerts.in", "ALERTS_IN"},
		{"tenant-a", bus.SubjectDead, "tenant-a.alerts.dead", "TENANT-A_ALERTS_DEAD"},
	}
	for _, tt := range tests {
		n := names{prefix: tt.prefix}
		if got := n.subject(tt.logical); got != tt.subject {
			t.Errorf("subject(%q, %q) = %q, want %q", tt.prefix, tt.logical, got, tt.subject)
		}
		if got := n.stream(tt.logical); got != tt.stream {
			t.Errorf("stream(%q, %q) = %q, want %q", tt.prefix, tt.logical, got, tt.stream)
		}
	}
}
