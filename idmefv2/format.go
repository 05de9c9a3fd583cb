package idmefv2

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The schema's "format" keywords (email, uri) are asserted the way
// github.com/santhosh-tekuri/jsonschema/v6 asserts them for draft-04, so the
// fast path and that validator agree on every message.

// isEmail reports whether s is an email address: at most 254 bytes; a local
// part (before the last "@") of at most 64 bytes that is either quoted
// without inner quotes or backslashes, or dot-separated atoms of
// letters, digits and !#$%&'*+-/=?^_`{|}~; and a domain that is a host name
// or a bracketed IPv4 or "IPv6:" address literal.
func isEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || !emailLocal(local) {
		return false
	}
	if len(domain) >= 2 && domain[0] == '[' && domain[len(domain)-1] == ']' {
		literal := domain[1 : len(domain)-1]
		if v6, ok := strings.CutPrefix(literal, "IPv6:"); ok {
			return isIPv6Literal(v6)
		}
		return isDottedIPv4(literal)
	}
	return isHostname(domain)
}

func emailLocal(local string) bool {
	if len(local) > 1 && local[0] == '"' && local[len(local)-1] == '"' {
		return !strings.ContainsAny(local[1:len(local)-1], `\"`)
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; !isAlnum(c) && strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) < 0 {
			return false
		}
	}
	return true
}

// isDottedIPv4 accepts four dot-separated decimals in 0..255 without
// leading zeros (as strconv.Atoi reads them, so a sign is tolerated).
func isDottedIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) > 1 && p[0] == '0' {
			return false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return false
		}
	}
	return true
}

// isIPv6Literal accepts an IPv6 address without zone.
func isIPv6Literal(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	addr, err := netip.ParseAddr(s)
	return err == nil && addr.Zone() == ""
}

// isHostname accepts dot-separated labels of 1-63 ASCII letters, digits and
// inner hyphens, at most 253 bytes without a trailing dot.
func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

// opaqueURI reports whether s is scheme ":" opaque-part with nothing that
// url.Parse treats specially: a scheme as url.Parse reads one (a letter,
// then letters, digits, "+", "-" or "."), a non-empty rest that does not
// start with "/", and no control character, "?", "#" or "%" anywhere. Such
// an s (a URN, "urn:suricata:sid:2009582", is the common case) parses, without
// allocating here, as an absolute URL without a host.
func opaqueURI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon+1 == len(s) || s[colon+1] == '/' || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < colon; i++ {
		if c := s[i]; !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	for i := colon + 1; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// isURI accepts what net/url parses as an absolute URL (with a scheme),
// where a host containing ":" must be a bracketed IPv6 address.
func isURI(s string) bool {
	if opaqueURI(s) {
		return true
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if host := u.Hostname(); strings.Contains(host, ":") {
		if !strings.Contains(u.Host, "[") || !strings.Contains(u.Host, "]") || !isIPv6Literal(host) {
			return false
		}
	}
	return u.IsAbs()
}
