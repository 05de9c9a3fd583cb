package api

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "", want: time.Time{}},
		{in: "now", want: now},
		{in: "-24h", want: now.Add(-24 * time.Hour)},
		{in: "now-7d", want: now.Add(-7 * 24 * time.Hour)},
		{in: "now+30m", want: now.Add(30 * time.Minute)},
		{in: "-2w", want: now.Add(-14 * 24 * time.Hour)},
		{in: "2026-02-28T10:00:00Z", want: time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)},
		{in: "2026-02-28T10:00:00.5+01:00", want: time.Date(2026, 2, 28, 9, 0, 0, 5e8, time.UTC)},
		{in: "yesterday", wantErr: true},
		{in: "now-", wantErr: true},
		{in: "-1x", wantErr: true},
		{in: "--1h", wantErr: true},
		{in: "-99999999d", wantErr: true},
		{in: "2026-02-28", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTime("from", tt.in, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if err != nil {
				if e := toPublic(err); e.Status != 400 || e.Code != CodeBadRequest {
					t.Errorf("error %+v is not a 400 bad_request", e)
				}
			}
		})
	}
}
