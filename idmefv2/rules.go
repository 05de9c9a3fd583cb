package idmefv2

import (
	"encoding/json"
	"strconv"
	"strings"
)

// checkSpec applies the rules of the draft text that the schema does not
// express. The table in doc.go lists them. Values that already fail a schema
// check are left to that check.
func checkSpec(a *Alert, c *checker) {
	checkTimes(a, c)
	checkExtensions(a, c)
	checkLinks(a, c)
	checkAttachments(a, c)
	for i := range a.Source {
		c.push("Source", i)
		checkPorts(c, a.Source[i].Port)
		checkGeoLocation(c, a.Source[i].GeoLocation)
		checkReferences(c, a.Source[i].Attachment, a.Attachment)
		c.pop()
	}
	for i := range a.Target {
		c.push("Target", i)
		checkPorts(c, a.Target[i].Port)
		checkGeoLocation(c, a.Target[i].GeoLocation)
		checkReferences(c, a.Target[i].Attachment, a.Attachment)
		c.pop()
	}
	c.push("Analyzer", -1)
	checkGeoLocation(c, a.Analyzer.GeoLocation)
	c.pop()
	for i := range a.Sensor {
		c.push("Sensor", i)
		checkGeoLocation(c, a.Sensor[i].GeoLocation)
		c.pop()
	}
}

// checkTimes: timestamps must be real dates and times, should carry a zone,
// and EndTime must not be before StartTime.
func checkTimes(a *Alert, c *checker) {
	stamps := [...]struct {
		name, value string
	}{{"CreateTime", a.CreateTime}, {"StartTime", a.StartTime}, {"EndTime", a.EndTime}, {"ReportTime", a.ReportTime}}
	var parsed [len(stamps)]stamp
	var ok [len(stamps)]bool
	for i, s := range stamps {
		if !matchTimestamp(s.value) {
			continue // empty, or a pattern error already
		}
		st, err := parseMatched(s.value)
		if err != nil {
			c.errorf(s.name, -1, "spec.date-time", "%s", strings.TrimPrefix(err.Error(), "idmefv2: "))
			continue
		}
		if !st.zoned {
			c.warnf(s.name, -1, "spec.timezone", "timestamp %s has no time zone; add Z or ±hh:mm (RFC 3339)", quoteValue(s.value))
		}
		parsed[i], ok[i] = st, true
	}
	const start, end = 1, 2
	if ok[start] && ok[end] && parsed[start].zoned == parsed[end].zoned {
		s, e := parsed[start], parsed[end]
		if e.unix < s.unix || (e.unix == s.unix && e.nanos < s.nanos) {
			c.errorf("EndTime", -1, "spec.time-order", "EndTime %s is before StartTime %s", a.EndTime, a.StartTime)
		}
	}
}

// checkExtensions: an ext-* list needs the extension marker in the list it
// extends, and a marker without ext-* values is suspicious.
func checkExtensions(a *Alert, c *checker) {
	extRule(c, "Category", a.Category, CategoryOtherExtValue, "ext-Category", a.ExtCategory)
	c.push("Analyzer", -1)
	extRule(c, "Category", a.Analyzer.Category, AnalyzerCategoryExtValue, "ext-Category", a.Analyzer.ExtCategory)
	extRule(c, "Data", a.Analyzer.Data, AnalyzerDataExtValue, "ext-Data", a.Analyzer.ExtData)
	extRule(c, "Method", a.Analyzer.Method, AnalyzerMethodExtValue, "ext-Method", a.Analyzer.ExtMethod)
	c.pop()
}

func extRule[T ~string](c *checker, name string, list []T, marker T, extName string, ext []string) {
	at := -1
	for i, v := range list {
		if v == marker {
			at = i
			break
		}
	}
	switch {
	case len(ext) > 0 && at < 0:
		c.errorf(extName, -1, "spec.ext-value", "%s is only allowed when %s contains %q", extName, name, marker)
	case len(ext) == 0 && at >= 0:
		c.warnf(name, at, "spec.ext-value", "%q is used without any %s value", marker, extName)
	}
}

// checkLinks: PredID lists messages this one obsoletes, so it cannot name
// the message itself; CorrelID and RelID naming it are only odd.
func checkLinks(a *Alert, c *checker) {
	if a.ID == "" {
		return
	}
	for i, id := range a.PredID {
		if strings.EqualFold(id, a.ID) {
			c.errorf("PredID", i, "spec.self-reference", "PredID names the alert's own ID %s", a.ID)
		}
	}
	for _, l := range [...]struct {
		name string
		ids  []string
	}{{"CorrelID", a.CorrelID}, {"RelID", a.RelID}} {
		for i, id := range l.ids {
			if strings.EqualFold(id, a.ID) {
				c.warnf(l.name, i, "spec.self-reference", "%s names the alert's own ID %s", l.name, a.ID)
			}
		}
	}
	for i, cond := range a.AggrCondition {
		if _, err := ParsePath(cond); err != nil {
			c.errorf("AggrCondition", i, "spec.idmef-path", "%s", strings.TrimPrefix(err.Error(), "idmefv2: "))
		}
	}
}

// checkAttachments: names are unique, Size is not negative, and Content
// agrees with ContentEncoding.
func checkAttachments(a *Alert, c *checker) {
	for i := range a.Attachment {
		at := &a.Attachment[i]
		c.push("Attachment", i)
		for j := 0; j < i; j++ {
			if at.Name != "" && a.Attachment[j].Name == at.Name {
				c.errorf("Name", -1, "spec.attachment-name-unique", "attachment name %q is already used by /Attachment/%d", at.Name, j)
				break
			}
		}
		if at.Size != nil && *at.Size < 0 {
			c.errorf("Size", -1, "spec.size-range", "Size %d is negative", *at.Size)
		}
		checkContent(c, at)
		checkHashes(c, at.Hash)
		c.pop()
	}
}

func checkContent(c *checker, at *Attachment) {
	switch at.ContentEncoding {
	case "", "json":
	case "base64":
		if len(at.Content) == 0 {
			break
		}
		if at.Content[0] == '{' {
			c.errorf("Content", -1, "spec.content-encoding", "Content is a JSON object but ContentEncoding is base64")
			break
		}
		if s, ok := rawStringBytes(at.Content); ok && !validBase64(s) {
			c.errorf("Content", -1, "spec.content-encoding", "Content is not valid base64 (RFC 4648 §4)")
		}
	default:
		c.warnf("ContentEncoding", -1, "spec.content-encoding", "ContentEncoding %s is neither \"json\" nor \"base64\"", quoteValue(at.ContentEncoding))
	}
}

// validBase64 accepts standard base64 (RFC 4648 §4), padded or not, with
// line breaks allowed between characters.
func validBase64(s []byte) bool {
	n, pad := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' || c == '\n':
		case c == '=':
			pad++
		case pad > 0:
			return false // data after padding
		case isAlnum(c) || c == '+' || c == '/':
			n++
		default:
			return false
		}
	}
	if pad > 2 || n%4 == 1 {
		return false
	}
	return pad == 0 || (n+pad)%4 == 0
}

// hashLengths gives the hex length of well-known hash functions.
func hashLength(fn string) int {
	switch strings.ToLower(fn) {
	case "md5":
		return 32
	case "sha1", "sha-1":
		return 40
	case "sha224", "sha-224", "sha3-224":
		return 56
	case "sha256", "sha-256", "sha3-256":
		return 64
	case "sha384", "sha-384", "sha3-384":
		return 96
	case "sha512", "sha-512", "sha3-512":
		return 128
	}
	return 0
}

func checkHashes(c *checker, hashes []string) {
	for i, h := range hashes {
		fn, hex, ok := strings.Cut(h, ":")
		if !ok || !matchHash(h) {
			continue
		}
		if want := hashLength(fn); want != 0 && len(hex) != want {
			c.warnf("Hash", i, "spec.hash-length", "a %s hash has %d hex digits, not %d", fn, want, len(hex))
		}
	}
}

// checkPorts: port numbers are 1-65535.
func checkPorts(c *checker, ports []int) {
	for i, p := range ports {
		if p < 1 || p > 65535 {
			c.errorf("Port", i, "spec.port-range", "port %d is outside 1-65535", p)
		}
	}
}

// checkReferences: Source/Target.Attachment entries name attachments of the
// alert.
func checkReferences(c *checker, refs []string, atts []Attachment) {
next:
	for i, r := range refs {
		for j := range atts {
			if atts[j].Name == r {
				continue next
			}
		}
		c.errorf("Attachment", i, "spec.attachment-ref", "no Attachment is named %q", r)
	}
}

// checkGeoLocation: latitude within ±90 and longitude within ±180 degrees
// (ISO 6709).
func checkGeoLocation(c *checker, g string) {
	if g == "" || !matchGeoLocation(g) {
		return
	}
	latText, rest, _ := strings.Cut(g, ",")
	lonText, _, _ := strings.Cut(strings.TrimPrefix(rest, " "), ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSuffix(latText, "."), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSuffix(lonText, "."), 64)
	if err1 != nil || err2 != nil {
		return
	}
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		c.errorf("GeoLocation", -1, "spec.geolocation-range", "%s is outside latitude ±90, longitude ±180", quoteValue(g))
	}
}

// rawStringBytes returns the value of a raw JSON string without allocating
// when it has no escapes.
func rawStringBytes(raw json.RawMessage) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, false
			}
			return []byte(s), true
		}
	}
	return inner, true
}
