package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// builder holds what every converter shares: the tool name for errors and
// the injected clock and ID source.
type builder struct {
	tool string
	opts Options
}

// now returns the injected time, or the wall clock.
func (b *builder) now() time.Time {
	if b.opts.Now != nil {
		return b.opts.Now()
	}
	return time.Now()
}

// alert starts an alert from the analyzer name and the event time; a zero
// time means now.
func (b *builder) alert(analyzer string, at time.Time) (*idmefv2.Alert, error) {
	if at.IsZero() {
		at = b.now()
	}
	a, err := idmefv2.NewAlert(analyzer, idmefv2.AlertOptions{
		Now:   func() time.Time { return at },
		NewID: b.opts.NewID,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.tool, err)
	}
	return a, nil
}

// errf builds an error that names the tool.
func (b *builder) errf(format string, args ...any) error {
	return fmt.Errorf(b.tool+": "+format, args...)
}

// decode unmarshals one JSON event, naming the field of a type mismatch.
func (b *builder) decode(line []byte, v any) error {
	line = bytes.TrimSpace(line)
	if err := json.Unmarshal(line, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return b.errf("field %q: %s is not a %s", te.Field, te.Value, te.Type)
		}
		return b.errf("malformed JSON event: %w", err)
	}
	return nil
}

// ip returns the canonical form of an address, "" for an empty one, or an
// error naming the field.
func (b *builder) ip(field, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	ip, ok := CanonicalIP(s)
	if !ok {
		return "", b.errf("field %q: %q is not an IP address", field, s)
	}
	return ip, nil
}

// CanonicalIP returns the canonical text of an IP address as IDMEFv2 wants
// it (IPv4-mapped IPv6 unmapped, IPv6 compressed), and false for anything
// else, including an address with a zone.
func CanonicalIP(s string) (string, bool) {
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return "", false
	}
	return addr.Unmap().String(), true
}

// ports returns a one-element port list, none for 0, or an error for a value
// outside 1-65535.
func (b *builder) ports(field string, p int64) ([]int, error) {
	if p == 0 {
		return nil, nil
	}
	if p < 1 || p > 65535 {
		return nil, b.errf("field %q: port %d is outside 1-65535", field, p)
	}
	return []int{int(p)}, nil
}

// time parses a timestamp in one of layouts; a value without a zone is read
// as UTC.
func (b *builder) time(field, s string, layouts ...string) (time.Time, error) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, b.errf("field %q: %q is not a timestamp", field, s)
}

// Timestamp layouts the tools use.
const (
	layoutRFC3339     = time.RFC3339Nano
	layoutNumericZone = "2006-01-02T15:04:05.999999999-0700"
	layoutLocal       = "2006-01-02 15:04:05"
	layoutLocalT      = "2006-01-02T15:04:05"
)

// flexInt is an integer that tools write either as a number or as a string.
type flexInt struct {
	v   int64
	set bool
}

// UnmarshalJSON accepts 12, "12" and null.
func (f *flexInt) UnmarshalJSON(data []byte) error {
	s := string(data)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not an integer", data)
	}
	f.v, f.set = v, true
	return nil
}

// newID returns an identifier from the injected source.
func (b *builder) newID() (string, error) {
	if b.opts.NewID != nil {
		return b.opts.NewID()
	}
	return idmefv2.NewID()
}

// addSource appends s with an ID from the injected source.
func (b *builder) addSource(a *idmefv2.Alert, s idmefv2.Source) error {
	var err error
	if s.ID == "" {
		if s.ID, err = b.newID(); err != nil {
			return b.errf("source ID: %w", err)
		}
	}
	if _, err := a.AddSource(s); err != nil {
		return b.errf("source: %w", err)
	}
	return nil
}

// addTarget appends t with an ID from the injected source, unless it has one.
func (b *builder) addTarget(a *idmefv2.Alert, t idmefv2.Target) error {
	var err error
	if t.ID == "" {
		if t.ID, err = b.newID(); err != nil {
			return b.errf("target ID: %w", err)
		}
	}
	if _, err := a.AddTarget(t); err != nil {
		return b.errf("target: %w", err)
	}
	return nil
}
