package bus

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPermanent(t *testing.T) {
	cause := errors.New("bad schema")
	err := fmt.Errorf("decode alert: %w", Permanent(cause))
	if !errors.Is(err, ErrPermanent) {
		t.Errorf("wrapped Permanent error does not match ErrPermanent")
	}
	if !errors.Is(err, cause) {
		t.Errorf("Permanent error does not unwrap to its cause")
	}
	if err.Error() != "decode alert: bad schema" {
		t.Errorf("message = %q", err.Error())
	}
	if Permanent(nil) != nil {
		t.Errorf("Permanent(nil) is not nil")
	}
	if errors.Is(cause, ErrPermanent) {
		t.Errorf("plain error matches ErrPermanent")
	}
}

func TestBatchError(t *testing.T) {
	other := errors.New("timeout")
	err := &BatchError{Errs: []error{nil, fmt.Errorf("x: %w", ErrBackpressure), nil, other}}
	if diff := cmp.Diff([]int{1, 3}, err.Failed()); diff != "" {
		t.Errorf("Failed (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ErrBackpressure) || !errors.Is(err, other) {
		t.Errorf("BatchError does not match its per-message errors")
	}
	if errors.Is(err, ErrTooLarge) {
		t.Errorf("BatchError matches an error none of its messages had")
	}
	want := "batch: 2 of 4 messages failed; first (#1): x: bus full: message not stored"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestConsumeOptions(t *testing.T) {
	d := ConsumeOptions{}.WithDefaults()
	want := ConsumeOptions{
		Concurrency: 1, MaxInFlight: 64, AckWait: 30 * time.Second, MaxDeliver: 5,
		Backoff: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}, DeadLetterSubject: SubjectDead,
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	if got := (ConsumeOptions{Concurrency: 100}).WithDefaults().MaxInFlight; got != 200 {
		t.Errorf("MaxInFlight for Concurrency 100 = %d, want 200", got)
	}
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 5 * time.Second, 3: 30 * time.Second, 9: 30 * time.Second} {
		if got := d.BackoffFor(attempt); got != want {
			t.Errorf("BackoffFor(%d) = %v, want %v", attempt, got, want)
		}
	}

	bad := []struct {
		name string
		o    ConsumeOptions
	}{
		{"Concurrency", ConsumeOptions{Concurrency: -2}},
		{"MaxInFlight", ConsumeOptions{Concurrency: 4, MaxInFlight: 3}},
		{"AckWait", ConsumeOptions{AckWait: time.Microsecond}},
		{"MaxDeliver", ConsumeOptions{MaxDeliver: -1}},
		{"Backoff", ConsumeOptions{Backoff: []time.Duration{time.Second, -time.Second}}},
		{"EmptyBackoff", ConsumeOptions{Backoff: []time.Duration{}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.WithDefaults().Validate(); err == nil {
				t.Errorf("Validate(%+v): no error", tt.o)
			}
		})
	}
}

func TestStreamDefaults(t *testing.T) {
	tests := []struct {
		name    string
		in, out Stream
	}{
		{"Zero", Stream{Subject: "s"}, Stream{Subject: "s", MaxMsgs: -1, MaxBytes: DefaultMaxBytes, MaxAge: DefaultMaxAge, DuplicateWindow: DefaultDuplicateWindow}},
		{"Unlimited", Stream{Subject: "s", MaxMsgs: -5, MaxBytes: -1, MaxAge: -time.Hour}, Stream{Subject: "s", MaxMsgs: -1, MaxBytes: -1, MaxAge: -1, DuplicateWindow: DefaultDuplicateWindow}},
		{"WindowCappedByAge", Stream{Subject: "s", MaxMsgs: 10, MaxBytes: 100, MaxAge: time.Minute}, Stream{Subject: "s", MaxMsgs: 10, MaxBytes: 100, MaxAge: time.Minute, DuplicateWindow: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.out, tt.in.WithDefaults()); diff != "" {
				t.Errorf("WithDefaults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSubjectAndName(t *testing.T) {
	tests := []struct {
		subject string
		ok      bool
	}{
		{"alerts.in", true},
		{"tenant-1.alerts_x", true},
		{"", false},
		{"alerts..in", false},
		{".alerts", false},
		{"alerts.", false},
		{"alerts.*", false},
		{"alerts.>", false},
		{"alerts in", false},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			if err := ValidateSubject(tt.subject); (err == nil) != tt.ok {
				t.Errorf("ValidateSubject(%q) = %v, want ok=%v", tt.subject, err, tt.ok)
			}
		})
	}
	for name, ok := range map[string]bool{"store": true, "enrich-2_b": true, "": false, "a.b": false, "a b": false, "a/b": false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
