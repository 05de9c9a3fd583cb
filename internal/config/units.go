package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as in Go ("90s", "1h30m") with two
// more units, d (24h) and w (7d), in that order before the others:
// "1w2d12h". Negative durations are refused.
type Duration time.Duration

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// ParseDuration parses the Duration syntax.
func ParseDuration(s string) (Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	rest := s
	var total time.Duration
	for _, u := range []struct {
		suffix byte
		size   time.Duration
	}{{'w', week}, {'d', day}} {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || rest[i] != u.suffix {
			continue
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n > int64(math.MaxInt64/u.size) || total > time.Duration(math.MaxInt64)-time.Duration(n)*u.size {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		total += time.Duration(n) * u.size
		rest = rest[i+1:]
	}
	if rest != "" {
		if rest[0] == '+' || rest[0] == '-' {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: want a number and a unit (ms, s, m, h, d, w) such as 30s or 7d", s)
		}
		if total > time.Duration(math.MaxInt64)-d {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		total += d
	}
	return Duration(total), nil
}

// String formats d in the shortest form ParseDuration reads back.
func (d Duration) String() string {
	t := time.Duration(d)
	switch {
	case t == 0:
		return "0s"
	case t < 0:
		return t.String()
	case t%day == 0:
		return strconv.FormatInt(int64(t/day), 10) + "d"
	}
	s := t.String()
	// "12h0m0s" → "12h", "1h30m0s" → "1h30m".
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return lineError(n, errors.New("want a duration such as 30s or 7d"))
	}
	if n.Value == "0" {
		*d = 0
		return nil
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return lineError(n, err)
	}
	*d = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// ByteSize is a size in bytes, written as an integer with an optional
// unit: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers
// of 1024); units are case-insensitive, a space before them is allowed.
type ByteSize int64

// Binary byte-size units.
const (
	KiB ByteSize = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

var byteUnits = []struct {
	name string
	size ByteSize
}{
	{"tib", TiB}, {"gib", GiB}, {"mib", MiB}, {"kib", KiB},
	{"tb", 1e12}, {"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3},
	{"b", 1},
}

// ParseByteSize parses the ByteSize syntax.
func ParseByteSize(s string) (ByteSize, error) {
	num := strings.TrimSpace(s)
	unit := ByteSize(1)
	lower := strings.ToLower(num)
	for _, u := range byteUnits {
		if strings.HasSuffix(lower, u.name) {
			unit = u.size
			num = strings.TrimSpace(num[:len(num)-len(u.name)])
			break
		}
	}
	if num == "" || num[0] == '+' || num[0] == '-' {
		return 0, fmt.Errorf("invalid size %q: want a whole number of bytes with an optional unit such as 512KiB or 64MiB", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: want a whole number of bytes with an optional unit such as 512KiB or 64MiB", s)
	}
	if n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return ByteSize(n) * unit, nil
}

// String formats b with the largest binary unit that divides it exactly.
func (b ByteSize) String() string {
	if b > 0 {
		for _, u := range byteUnits[:4] {
			if b%u.size == 0 {
				return strconv.FormatInt(int64(b/u.size), 10) + strings.ToUpper(u.name[:1]) + u.name[1:2] + "B"
			}
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return lineError(n, errors.New("want a size such as 64MiB"))
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return lineError(n, err)
	}
	*b = v
	return nil
}

// MarshalYAML implements yaml.Marshaler: a plain number when no unit
// divides b, so that it is not written as a quoted string.
func (b ByteSize) MarshalYAML() (any, error) {
	if s := b.String(); strings.HasSuffix(s, "B") {
		return s, nil
	}
	return int64(b), nil
}

// lineError reports err as a yaml.TypeError so that the decoder keeps
// going, collects it with the others and keeps its line.
func lineError(n *yaml.Node, err error) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
}
