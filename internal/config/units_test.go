package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"30s", 30 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"7d", 7 * day, ""},
		{"1w2d12h", week + 2*day + 12*time.Hour, ""},
		{"0s", 0, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"-5s", 0, "negative"},
		{"1d-5s", 0, "invalid duration"},
		{"12 hours", 0, "invalid duration"},
		{"30", 0, "invalid duration"},
		{"", 0, "empty"},
		{"99999999999999999w", 0, "too large"},
		{"d", 0, "invalid duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got.Std() != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 12 * time.Hour: "12h", 90 * time.Minute: "1h30m", 90 * day: "90d",
		200 * time.Millisecond: "200ms", 25 * time.Hour: "25h", time.Hour + time.Second: "1h0m1s",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		err  string
	}{
		{"1024", 1024, ""},
		{"64MiB", 64 * MiB, ""},
		{"64 mib", 64 * MiB, ""},
		{"2GB", 2e9, ""},
		{"10kB", 10e3, ""},
		{"3TiB", 3 * TiB, ""},
		{"12B", 12, ""},
		{"1.5GiB", 0, "whole number"},
		{"-1", 0, "whole number"},
		{"MiB", 0, "whole number"},
		{"4 gigs", 0, "whole number"},
		{"9999999999TiB", 0, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteSize(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseByteSize(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseByteSize(%q) = %v, %v; want %v", tt.in, int64(got), err, int64(tt.want))
			}
		})
	}
}

func TestByteSizeString(t *testing.T) {
	for b, want := range map[ByteSize]string{0: "0", 1000: "1000", KiB: "1KiB", 1536 * MiB: "1536MiB", 4 * GiB: "4GiB", TiB: "1TiB"} {
		if got := b.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(b), got, want)
		}
	}
}
