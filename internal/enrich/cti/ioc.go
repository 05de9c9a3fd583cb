package cti

import (
	"fmt"
	"net/netip"
	"strings"
)

// Type is an indicator's kind.
type Type string

// Indicator kinds.
const (
	TypeIP     Type = "ip" // an address or a CIDR prefix
	TypeDomain Type = "domain"
	TypeURL    Type = "url"
	TypeHash   Type = "hash" // "algo:hex", algo as in IDMEFv2 (md5, sha1, sha256…)
)

// IOC is one indicator of compromise from a list.
type IOC struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
	// Description and Ref are what the list says about it.
	Description string `json:"description,omitempty"`
	Ref         string `json:"ref,omitempty"`
}

// Set is an immutable index of IOCs from one source.
type Set struct {
	prefixes map[netip.Prefix]*IOC
	bits     []int
	names    map[string]*IOC // domains, URLs and hashes by normalised value
}

// NewSet indexes iocs; an invalid one is returned in the error list and
// left out.
func NewSet(iocs []IOC) (*Set, []error) {
	s := &Set{prefixes: map[netip.Prefix]*IOC{}, names: map[string]*IOC{}}
	var errs []error
	seenBits := map[int]bool{}
	for i := range iocs {
		ioc := &iocs[i]
		switch ioc.Type {
		case TypeIP:
			p, err := parseIPOrPrefix(ioc.Value)
			if err != nil {
				errs = append(errs, fmt.Errorf("indicator %q: %w", ioc.Value, err))
				continue
			}
			s.prefixes[p] = ioc
			if !seenBits[p.Bits()] {
				seenBits[p.Bits()] = true
				s.bits = append(s.bits, p.Bits())
			}
		case TypeDomain, TypeURL, TypeHash:
			s.names[key(ioc.Type, ioc.Value)] = ioc
		default:
			errs = append(errs, fmt.Errorf("indicator %q: unknown type %q", ioc.Value, ioc.Type))
		}
	}
	// Longest prefixes first.
	for i := 1; i < len(s.bits); i++ {
		for j := i; j > 0 && s.bits[j] > s.bits[j-1]; j-- {
			s.bits[j], s.bits[j-1] = s.bits[j-1], s.bits[j]
		}
	}
	return s, errs
}

// Len is the number of indicators indexed.
func (s *Set) Len() int { return len(s.prefixes) + len(s.names) }

// MatchIP returns the most specific indicator containing addr.
func (s *Set) MatchIP(addr netip.Addr) (*IOC, bool) {
	addr = addr.Unmap()
	for _, b := range s.bits {
		if b > addr.BitLen() {
			continue
		}
		if p, err := addr.Prefix(b); err == nil {
			if ioc := s.prefixes[p]; ioc != nil {
				return ioc, true
			}
		}
	}
	return nil, false
}

// MatchDomain returns the indicator for name or one of its parent domains.
func (s *Set) MatchDomain(name string) (*IOC, bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for name != "" {
		if ioc := s.names[string(TypeDomain)+"\x00"+name]; ioc != nil {
			return ioc, true
		}
		_, rest, ok := strings.Cut(name, ".")
		if !ok || !strings.Contains(rest, ".") {
			break // stop at the registrable-looking suffix: never match a TLD
		}
		name = rest
	}
	return nil, false
}

// Match returns the indicator of that type and value (URL, hash, domain).
func (s *Set) Match(t Type, value string) (*IOC, bool) {
	ioc := s.names[key(t, value)]
	return ioc, ioc != nil
}

func key(t Type, v string) string {
	v = strings.TrimSpace(v)
	if t != TypeURL {
		v = strings.ToLower(strings.TrimSuffix(v, "."))
	}
	return string(t) + "\x00" + v
}

func parseIPOrPrefix(v string) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("want an IP address or CIDR prefix")
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("want an IP address or CIDR prefix")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
