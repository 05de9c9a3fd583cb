package idmefv2

import (
	"testing"
	"time"
)

// TestParseTimeFraction checks fractions of every length against
// time.Parse: up to nine digits are nanoseconds, further ones are dropped.
func TestParseTimeFraction(t *testing.T) {
	for _, f := range []string{"", ".1", ".12", ".120", ".123456789", ".1234567891", ".000000001", ".9999999999999", ".5"} {
		s := "2026-05-10T08:00:00" + f + "+02:00"
		got, err := ParseTime(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("%s: time.Parse: %v", s, err)
		}
		if !got.Equal(want) {
			t.Errorf("ParseTime(%s) = %v, want %v", s, got, want)
		}
	}
}
