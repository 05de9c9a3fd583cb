package cti

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Detect guesses the type of a bare indicator value: an address or prefix,
// a URL (with a scheme), a hash (32, 40, 64 or 128 hex digits, or already
// "algo:hex") or a domain name. It returns the normalised value.
func Detect(v string) (Type, string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", "", false
	}
	if _, err := parseIPOrPrefix(v); err == nil {
		return TypeIP, v, true
	}
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return TypeURL, v, true
	}
	if h, ok := normHash("", v); ok {
		return TypeHash, h, true
	}
	if validDomain(v) {
		return TypeDomain, strings.ToLower(strings.TrimSuffix(v, ".")), true
	}
	return "", "", false
}

// normHash returns "algo:hex" for a hash; algo "" guesses it by length.
func normHash(algo, v string) (string, bool) {
	if a, h, ok := strings.Cut(v, ":"); ok && algo == "" {
		algo, v = a, h
		if algo == "" {
			return "", false
		}
	}
	v = strings.ToLower(strings.TrimSpace(v))
	if _, err := hex.DecodeString(v); err != nil || v == "" {
		return "", false
	}
	algo = strings.ToLower(strings.ReplaceAll(algo, "-", ""))
	if algo == "" {
		switch len(v) {
		case 32:
			algo = "md5"
		case 40:
			algo = "sha1"
		case 64:
			algo = "sha256"
		case 128:
			algo = "sha512"
		default:
			return "", false
		}
	}
	switch algo {
	case "md5", "sha1", "sha224", "sha256", "sha384", "sha512":
		return algo + ":" + v, true
	}
	return "", false
}

func validDomain(v string) bool {
	v = strings.TrimSuffix(v, ".")
	if len(v) > 253 || !strings.Contains(v, ".") {
		return false
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// ParseCSV reads a CSV list. With a header row naming a "value" column
// (and optionally type, description, ref), those columns are used;
// otherwise each row's first field is the indicator, its type detected.
// Lines starting with # are comments. Bad rows are returned as errors
// naming their line, and skipped.
func ParseCSV(data []byte) ([]IOC, []error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []IOC
	var errs []error
	col := map[string]int{}
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			return out, errs
		}
		if err != nil {
			return out, append(errs, fmt.Errorf("csv: %w", err)) // the error names the line
		}
		line, _ := r.FieldPos(0)
		if first {
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			if _, ok := col["value"]; ok {
				continue
			}
			col = map[string]int{}
		}
		get := func(k string, def int) string {
			i, ok := col[k]
			if !ok {
				i = def
			}
			if i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		value := get("value", 0)
		t, norm, ok := Detect(value)
		if want := get("type", -1); want != "" && ok && Type(strings.ToLower(want)) != t {
			ok = false
		}
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: %q is not an IP address, prefix, domain, URL or hash (or not of its type column)", line, value))
			continue
		}
		out = append(out, IOC{Type: t, Value: norm, Description: get("description", 1), Ref: get("ref", -1)})
	}
}

// ParseSTIX reads a STIX 2.1 bundle and returns the indicators whose
// pattern is one comparison, or comparisons joined by OR, on
// ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value or
// file:hashes.<algo>. Revoked and expired indicators are left out; other
// patterns are returned as errors naming the indicator.
func ParseSTIX(data []byte, now time.Time) ([]IOC, []error) {
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		return nil, []error{fmt.Errorf("stix bundle: %w", err)}
	}
	if bundle.Type != "bundle" {
		return nil, []error{fmt.Errorf("stix: type %q: want a bundle", bundle.Type)}
	}
	var out []IOC
	var errs []error
	for i, raw := range bundle.Objects {
		var ind struct {
			Type        string `json:"type"`
			ID          string `json:"id"`
			Name        string `json:"name"`
			Description string `json:"description"`
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
			Revoked     bool   `json:"revoked"`
			ValidUntil  string `json:"valid_until"`
		}
		if err := json.Unmarshal(raw, &ind); err != nil {
			errs = append(errs, fmt.Errorf("stix object %d: %w", i, err))
			continue
		}
		if ind.Type != "indicator" || ind.Revoked {
			continue
		}
		if t, err := time.Parse(time.RFC3339, ind.ValidUntil); err == nil && t.Before(now) {
			continue
		}
		if ind.PatternType != "" && ind.PatternType != "stix" {
			errs = append(errs, fmt.Errorf("stix indicator %s: pattern type %q not supported", ind.ID, ind.PatternType))
			continue
		}
		iocs, err := parsePattern(ind.Pattern)
		if err != nil {
			errs = append(errs, fmt.Errorf("stix indicator %s: %w", ind.ID, err))
			continue
		}
		desc := ind.Name
		if desc == "" {
			desc = ind.Description
		}
		for _, ioc := range iocs {
			ioc.Description, ioc.Ref = desc, ind.ID
			out = append(out, ioc)
		}
	}
	return out, errs
}

var errPattern = errors.New("pattern not supported: want [object:property = 'value'] comparisons joined by OR")

// parsePattern reads "[a:b = 'v' OR c:d = 'w']".
func parsePattern(p string) ([]IOC, error) {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "[") || !strings.HasSuffix(p, "]") || strings.Count(p, "[") != 1 {
		return nil, errPattern
	}
	body := p[1 : len(p)-1]
	var out []IOC
	for body = strings.TrimSpace(body); body != ""; {
		path, rest, ok := strings.Cut(body, "=")
		if !ok {
			return nil, errPattern
		}
		path = strings.TrimSpace(path)
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "'") {
			return nil, errPattern
		}
		value, after, ok := quoted(rest[1:])
		if !ok {
			return nil, errPattern
		}
		ioc, err := comparison(path, value)
		if err != nil {
			return nil, err
		}
		out = append(out, ioc)
		after = strings.TrimSpace(after)
		if after == "" {
			break
		}
		if !strings.HasPrefix(after, "OR ") {
			return nil, errPattern
		}
		body = strings.TrimSpace(after[3:])
	}
	if len(out) == 0 {
		return nil, errPattern
	}
	return out, nil
}

// quoted reads a STIX string up to its closing quote (\' and \\ escaped).
func quoted(s string) (value, rest string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\'':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

func comparison(path, value string) (IOC, error) {
	var t Type
	switch {
	case path == "ipv4-addr:value" || path == "ipv6-addr:value":
		t = TypeIP
	case path == "domain-name:value":
		t = TypeDomain
	case path == "url:value":
		t = TypeURL
	case strings.HasPrefix(path, "file:hashes."):
		algo := strings.Trim(strings.TrimPrefix(path, "file:hashes."), "'")
		h, ok := normHash(algo, value)
		if !ok {
			return IOC{}, fmt.Errorf("hash %s %q not supported", algo, value)
		}
		return IOC{Type: TypeHash, Value: h}, nil
	default:
		return IOC{}, fmt.Errorf("%s: %w", path, errPattern)
	}
	got, norm, ok := Detect(value)
	if !ok || got != t {
		return IOC{}, fmt.Errorf("%s %q: not a valid %s", path, value, t)
	}
	return IOC{Type: t, Value: norm}, nil
}

// ParseMISPManifest reads a MISP feed's manifest.json and returns the
// event UUIDs it lists.
func ParseMISPManifest(data []byte) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("misp manifest: %w", err)
	}
	out := make([]string, 0, len(m))
	for id := range m {
		if !validUUID(id) {
			return nil, fmt.Errorf("misp manifest: %q is not an event UUID", id)
		}
		out = append(out, id)
	}
	return out, nil
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

type mispAttribute struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	ToIDS   *bool  `json:"to_ids"`
	Comment string `json:"comment"`
}

// ParseMISPEvent reads one MISP feed event ({"Event": {…}}) and returns
// its attributes flagged for detection (to_ids) of the types ip-src,
// ip-dst (also with |port), domain, hostname, domain|ip, url, md5, sha1,
// sha256 and sha512, in the event and in its objects.
func ParseMISPEvent(data []byte) ([]IOC, []error) {
	var doc struct {
		Event *struct {
			UUID      string          `json:"uuid"`
			Info      string          `json:"info"`
			Attribute []mispAttribute `json:"Attribute"`
			Object    []struct {
				Attribute []mispAttribute `json:"Attribute"`
			} `json:"Object"`
		} `json:"Event"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, []error{fmt.Errorf("misp event: %w", err)}
	}
	if doc.Event == nil {
		return nil, []error{errors.New("misp event: no Event object")}
	}
	ev := doc.Event
	attrs := ev.Attribute
	for _, o := range ev.Object {
		attrs = append(attrs, o.Attribute...)
	}
	var out []IOC
	var errs []error
	for _, a := range attrs {
		if a.ToIDS != nil && !*a.ToIDS {
			continue
		}
		for _, ioc := range mispIOCs(a) {
			if ioc.Type == "" {
				errs = append(errs, fmt.Errorf("misp event %s: attribute %s %q is not valid", ev.UUID, a.Type, a.Value))
				continue
			}
			ioc.Description, ioc.Ref = ev.Info, ev.UUID
			out = append(out, ioc)
		}
	}
	return out, errs
}

// mispIOCs maps one attribute; a zero IOC marks a bad value.
func mispIOCs(a mispAttribute) []IOC {
	one := func(want Type, v string) IOC {
		t, norm, ok := Detect(v)
		if !ok || t != want {
			return IOC{}
		}
		if t == TypeIP {
			if _, err := netip.ParseAddr(norm); err != nil {
				if _, err := netip.ParsePrefix(norm); err != nil {
					return IOC{}
				}
			}
		}
		return IOC{Type: t, Value: norm}
	}
	switch a.Type {
	case "ip-src", "ip-dst":
		return []IOC{one(TypeIP, a.Value)}
	case "ip-src|port", "ip-dst|port":
		ip, _, _ := strings.Cut(a.Value, "|")
		return []IOC{one(TypeIP, ip)}
	case "domain", "hostname":
		return []IOC{one(TypeDomain, a.Value)}
	case "domain|ip":
		d, ip, _ := strings.Cut(a.Value, "|")
		return []IOC{one(TypeDomain, d), one(TypeIP, ip)}
	case "url":
		return []IOC{one(TypeURL, a.Value)}
	case "md5", "sha1", "sha256", "sha512":
		h, ok := normHash(a.Type, a.Value)
		if !ok {
			return []IOC{{}}
		}
		return []IOC{{Type: TypeHash, Value: h}}
	}
	return nil
}
