package bus

import (
	"fmt"
	"time"
)

// Defaults for Stream limits.
const (
	DefaultMaxBytes        = 1 << 30 // 1 GiB
	DefaultMaxAge          = 7 * 24 * time.Hour
	DefaultDuplicateWindow = 2 * time.Minute
)

// Stream declares one subject the bus stores, with its limits. Streams keep
// messages by these limits, whoever consumed them: a full stream rejects new
// messages with ErrBackpressure instead of discarding old ones.
//
// For MaxMsgs, MaxBytes and MaxAge, zero means the default and a negative
// value means unlimited.
type Stream struct {
	// Subject is the logical subject, e.g. SubjectIn.
	Subject string
	// MaxMsgs caps the number of messages (default unlimited).
	MaxMsgs int64
	// MaxBytes caps the stored size (default DefaultMaxBytes).
	MaxBytes int64
	// MaxAge is how long messages are kept (default DefaultMaxAge).
	MaxAge time.Duration
	// DuplicateWindow is how long a Key+Data pair is remembered for
	// publish-side de-duplication (default DefaultDuplicateWindow). It must
	// not exceed MaxAge.
	DuplicateWindow time.Duration
}

// DefaultStreams returns the pipeline's streams with default limits.
func DefaultStreams() []Stream {
	return []Stream{
		{Subject: SubjectIn},
		{Subject: SubjectEnriched},
		{Subject: SubjectDead, MaxAge: 30 * 24 * time.Hour},
	}
}

// WithDefaults returns s with zero limits set to their defaults and negative
// ones normalised to -1 (unlimited).
func (s Stream) WithDefaults() Stream {
	s.MaxMsgs = limit(s.MaxMsgs, -1)
	s.MaxBytes = limit(s.MaxBytes, DefaultMaxBytes)
	s.MaxAge = time.Duration(limit(int64(s.MaxAge), int64(DefaultMaxAge)))
	if s.DuplicateWindow == 0 {
		s.DuplicateWindow = DefaultDuplicateWindow
	}
	if s.MaxAge > 0 && s.DuplicateWindow > s.MaxAge {
		s.DuplicateWindow = s.MaxAge
	}
	return s
}

func limit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

// Validate reports what is wrong with s.
func (s Stream) Validate() error {
	if err := ValidateSubject(s.Subject); err != nil {
		return err
	}
	if s.DuplicateWindow < 0 {
		return fmt.Errorf("stream %s: DuplicateWindow %v: must not be negative", s.Subject, s.DuplicateWindow)
	}
	return nil
}

// ValidateSubject checks that subject is a usable logical subject: dot-separated
// tokens of letters, digits, '-' and '_'.
func ValidateSubject(subject string) error {
	if subject == "" {
		return fmt.Errorf("subject: must not be empty")
	}
	tokenStart := 0
	for i := 0; i <= len(subject); i++ {
		if i == len(subject) || subject[i] == '.' {
			if i == tokenStart {
				return fmt.Errorf("subject %q: empty token at byte %d", subject, i)
			}
			tokenStart = i + 1
			continue
		}
		if !nameByte(subject[i]) {
			return fmt.Errorf("subject %q: byte %d (%q) must be a letter, digit, '-' or '_'", subject, i, subject[i])
		}
	}
	return nil
}

// ValidateName checks a durable consumer name: letters, digits, '-' and '_'.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("durable name: must not be empty")
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return fmt.Errorf("durable name %q: byte %d (%q) must be a letter, digit, '-' or '_'", name, i, name[i])
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
