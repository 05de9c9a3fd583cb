package idmefv2

import "strings"

// Hand-written matchers for the schema's string patterns. Each accepts
// exactly the strings its regular expression (the pattern* constants in
// model_gen.go, as Go's regexp package reads them) accepts; the tests check
// this by differential fuzzing. They avoid the regexp package because it
// costs microseconds per match on the validation hot path.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// matchUUID: 8-4-4-4-12 hex digits, either case. It tests the 32 digits
// eight at a time (hex8), the groups of four two by two, the dashes
// turned into '0' first.
func matchUUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	// Bytes 8 and 13 of s are bytes 0 and 5 of the word at 8; bytes 18
	// and 23 are bytes 2 and 7 of the word at 16.
	const (
		dashTo0 = '-' ^ '0'
		at8     = dashTo0 | dashTo0<<40
		at16    = dashTo0<<16 | dashTo0<<56
	)
	return hex8(load64(s, 0)) && hex8(load64(s, 8)^at8) && hex8(load64(s, 16)^at16) &&
		hex8(load64(s, 24)) && hex8(load64(s, 28))
}

// hex8 reports whether the eight bytes of w are all ASCII hex digits,
// either case. For bytes below 0x80, b+(0x80-lo) has its high bit set
// exactly when b >= lo, and b+(0x7f-hi) exactly when b > hi, without a
// carry into the next byte.
func hex8(w uint64) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	if w&highs != 0 {
		return false
	}
	digit := (w + ones*(0x80-'0')) &^ (w + ones*(0x7f-'9'))
	l := w | ones*0x20 // b|0x20 is in 'a'..'f' exactly when b is a hex letter of either case
	letter := (l + ones*(0x80-'a')) &^ (l + ones*(0x7f-'f'))
	return (digit|letter)&highs == highs
}

// matchAttachmentName: one or more ASCII letters or digits.
func matchAttachmentName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// matchProtocol: letters and digits, with single hyphens between them.
func matchProtocol(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch {
		case isAlnum(s[i]):
		case s[i] == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// matchHash: function name ([a-zA-Z0-9-]+), a colon, and an even number (at
// least two) of hex digits.
func matchHash(s string) bool {
	fn, hex, ok := strings.Cut(s, ":")
	if !ok || fn == "" || hex == "" || len(hex)%2 != 0 {
		return false
	}
	for i := 0; i < len(fn); i++ {
		if !isAlnum(fn[i]) && fn[i] != '-' {
			return false
		}
	}
	for i := 0; i < len(hex); i++ {
		if !isHex(hex[i]) {
			return false
		}
	}
	return true
}

// matchUNLocode: two upper-case letters, an optional space, three more.
func matchUNLocode(s string) bool {
	switch len(s) {
	case 5:
	case 6:
		if s[2] != ' ' {
			return false
		}
		s = s[:2] + s[3:]
	default:
		return false
	}
	for i := 0; i < 5; i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	return true
}

// matchGeoLocation: two or three decimal numbers ([-+]?digits[.digits*])
// separated by "," or ", ".
func matchGeoLocation(s string) bool {
	count := 0
	for {
		n := geoNumber(s)
		if n == 0 {
			return false
		}
		count++
		s = s[n:]
		if s == "" {
			return count >= 2 && count <= 3
		}
		if s[0] != ',' {
			return false
		}
		s = s[1:]
		if s != "" && s[0] == ' ' {
			s = s[1:]
		}
	}
}

// geoNumber returns the length of the number at the start of s, 0 if none.
func geoNumber(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == digits {
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i
}

// matchTimestamp: YYYY-MM-DDThh:mm:ss[.frac][Z|±hh:mm] with the schema's
// loose field ranges (month 00-12, day 00-31, hour 00-23, second 00-60).
// Calendar validity is a spec rule, checked elsewhere.
func matchTimestamp(s string) bool {
	if len(s) < 19 {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(s[i]) {
			return false
		}
	}
	if s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if !twoDigitsMax(s[5:7], 12) || !twoDigitsMax(s[8:10], 31) || !twoDigitsMax(s[11:13], 23) ||
		s[14] > '5' || !twoDigitsMax(s[17:19], 60) {
		return false
	}
	rest := s[19:]
	if rest != "" && rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	return rest == "" || rest == "Z" || matchOffset(rest)
}

// matchOffset: ±hh:mm with hh 00-23.
func matchOffset(s string) bool {
	return len(s) == 6 && (s[0] == '+' || s[0] == '-') && isDigit(s[1]) && isDigit(s[2]) &&
		twoDigitsMax(s[1:3], 23) && s[3] == ':' && isDigit(s[4]) && s[4] <= '5' && isDigit(s[5])
}

// twoDigitsMax reports whether two ASCII digits form a number <= max.
func twoDigitsMax(s string, max int) bool {
	return int(s[0]-'0')*10+int(s[1]-'0') <= max
}

// matchMediaType: type/subtype followed by parameters
// `*(OWS ";" OWS token "=" (token / quoted-string))` (RFC 7231 §3.1.1.1),
// where a quoted-pair may only escape HTAB, SP or an ASCII letter or digit.
func matchMediaType(s string) bool {
	n := tokenLen(s)
	if n == 0 || n >= len(s) || s[n] != '/' {
		return false
	}
	s = s[n+1:]
	n = tokenLen(s)
	if n == 0 {
		return false
	}
	s = s[n:]
	for s != "" {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] != ';' {
			return false
		}
		s = strings.TrimLeft(s[1:], " \t")
		n = tokenLen(s)
		if n == 0 || n >= len(s) || s[n] != '=' {
			return false
		}
		s = s[n+1:]
		if s != "" && s[0] == '"' {
			n = quotedLen(s)
		} else {
			n = tokenLen(s)
		}
		if n == 0 {
			return false
		}
		s = s[n:]
	}
	return true
}

// tokenLen returns the length of the RFC 7230 token at the start of s.
func tokenLen(s string) int {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return i
}

func isTokenChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-!#$%&'*+.^_`|~", c) >= 0
}

// quotedLen returns the length of the quoted-string at the start of s (which
// starts with '"'), 0 if it is not one.
func quotedLen(s string) int {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= len(s) {
				return 0
			}
			if e := s[i+1]; e != '\t' && e != ' ' && !isAlnum(e) {
				return 0
			}
			i++
		case c == '\t' || (c >= ' ' && c <= '~'):
		default:
			return 0
		}
	}
	return 0
}

// matchIP accepts what the schema's ipType pattern accepts: a dotted IPv4
// address (octets of one to three digits up to 255, leading zeros allowed),
// or one of the IPv6 forms the pattern lists.
func matchIP(s string) bool {
	if strings.IndexByte(s, ':') < 0 {
		return matchIPv4(s, octetLoose)
	}
	if strings.IndexByte(s, '%') >= 0 {
		return matchLinkLocalZone(s)
	}
	if strings.IndexByte(s, '.') >= 0 {
		return matchIPv6WithIPv4(s)
	}
	return matchIPv6(s)
}

// Two octet grammars appear in the pattern: the IPv4 alternative allows a
// leading zero in three-digit octets ("001"), the embedded-IPv4 alternatives
// do not.
const (
	octetLoose  = iota // (25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)
	octetStrict        // (25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])
)

func matchIPv4(s string, grammar int) bool {
	for part := 0; part < 4; part++ {
		end := strings.IndexByte(s, '.')
		if part == 3 {
			end = len(s)
		} else if end < 0 {
			return false
		}
		if !matchOctet(s[:end], grammar) {
			return false
		}
		if part < 3 {
			s = s[end+1:]
		}
	}
	return true
}

func matchOctet(s string, grammar int) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	switch len(s) {
	case 1, 2:
		return true
	case 3:
		if grammar == octetStrict && s[0] == '0' {
			return false
		}
		return s <= "255"
	}
	return false
}

// hexGroups reports whether s is empty (n = 0) or n groups of one to four
// hex digits separated by single colons.
func hexGroups(s string) (n int, ok bool) {
	if s == "" {
		return 0, true
	}
	for {
		i := 0
		for i < len(s) && i < 5 && isHex(s[i]) {
			i++
		}
		if i == 0 || i > 4 {
			return 0, false
		}
		n++
		s = s[i:]
		if s == "" {
			return n, true
		}
		if s[0] != ':' {
			return 0, false
		}
		s = s[1:]
	}
}

// matchIPv6 covers the hex-only alternatives: eight groups, or one "::"
// standing for at least one group with at most seven groups around it.
func matchIPv6(s string) bool {
	head, tail, compressed := strings.Cut(s, "::")
	if !compressed {
		n, ok := hexGroups(s)
		return ok && n == 8
	}
	a, ok := hexGroups(head)
	if !ok {
		return false
	}
	b, ok := hexGroups(tail)
	return ok && a+b <= 7
}

// matchLinkLocalZone: "fe80:" then up to four ":" + up to four hex digits,
// then "%" and a zone of ASCII letters and digits.
func matchLinkLocalZone(s string) bool {
	rest, ok := strings.CutPrefix(s, "fe80:")
	if !ok {
		return false
	}
	addr, zone, _ := strings.Cut(rest, "%")
	if !matchAttachmentName(zone) { // [0-9a-zA-Z]{1,}
		return false
	}
	if addr == "" {
		return true
	}
	if addr[0] != ':' {
		return false
	}
	groups := strings.Split(addr[1:], ":")
	if len(groups) > 4 {
		return false
	}
	for _, g := range groups {
		if len(g) > 4 {
			return false
		}
		for i := 0; i < len(g); i++ {
			if !isHex(g[i]) {
				return false
			}
		}
	}
	return true
}

// matchIPv6WithIPv4 covers "::[ffff[:0{1,4}]:]a.b.c.d" and
// "h[:h]{0,3}::a.b.c.d".
func matchIPv6WithIPv4(s string) bool {
	last := strings.LastIndexByte(s, ':')
	if !matchIPv4(s[last+1:], octetStrict) {
		return false
	}
	head := s[:last+1] // ends with ':'
	switch head {
	case "::", "::ffff:":
		return true
	}
	if zeros, ok := strings.CutPrefix(head, "::ffff:"); ok {
		zeros = strings.TrimSuffix(zeros, ":")
		return len(zeros) >= 1 && len(zeros) <= 4 && strings.Trim(zeros, "0") == ""
	}
	groups, ok := strings.CutSuffix(head, "::")
	if !ok {
		return false
	}
	n, ok := hexGroups(groups)
	return ok && n >= 1 && n <= 4
}
