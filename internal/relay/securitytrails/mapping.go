package securitytrails

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/relay"
)

// Fixed values of the sightings the relay answers with (SPEC §7.1).
const (
	schemaVersion  = "1.0.17"
	sightingSource = "SecurityTrails"
	sightingTitle  = "Found in SecurityTrails"
	relationOrigin = "SecurityTrails Enrichment Module"
	resolvedTo     = "Resolved_To"
)

// sightingFor maps one record set to at most one CTIM sighting (SPEC §7).
// A domain record set lists the IPs the domain resolved to; an ip/ipv6 one
// lists the domains that resolved to the IP. recordType is the history
// type that was requested, used when SecurityTrails omits "type". A nil
// sighting means nothing was found; ErrUnexpectedShape means a record
// lacks its key field.
func sightingFor(obs relay.Observable, rs *RecordSet, recordType RecordType, sourceURI string, now time.Time, newID func() string) (*relay.Sighting, error) {
	if rs == nil || len(rs.Records) == 0 {
		return nil, nil
	}
	var (
		relations   []relay.Relation
		count       int64
		description string
	)
	switch obs.Type {
	case "domain":
		ips, err := resolvedIPs(rs.Records)
		if err != nil || len(ips) == 0 {
			return nil, err
		}
		for _, ip := range ips {
			relations = append(relations, relay.Relation{
				Origin: relationOrigin, Relation: resolvedTo, Source: obs,
				Related: relay.Observable{Type: ipType(ip), Value: ip},
			})
		}
		count = int64(len(ips))
		description = ipLabel(rs.Page, recordType) + " addresses that " + obs.Value + " resolves to"
	case "ip", "ipv6":
		hosts, err := hostnames(rs.Records)
		if err != nil {
			return nil, err
		}
		n, ok := rs.Page["record_count"]
		if !ok {
			return nil, ErrUnexpectedShape
		}
		if count, ok = recordCount(n); !ok {
			return nil, ErrUnexpectedShape
		}
		if len(hosts) == 0 {
			return nil, nil
		}
		for _, h := range hosts {
			relations = append(relations, relay.Relation{
				Origin: relationOrigin, Relation: resolvedTo,
				Source:  relay.Observable{Type: "domain", Value: h},
				Related: obs,
			})
		}
		description = "Domains that have resolved to " + obs.Value
	default:
		return nil, nil
	}
	return &relay.Sighting{
		Confidence:    "High",
		Count:         count,
		Description:   description,
		ID:            newID(),
		Internal:      false,
		Observables:   []relay.Observable{obs},
		ObservedTime:  relay.PointInTime(now),
		Relations:     relations,
		SchemaVersion: schemaVersion,
		Source:        sightingSource,
		SourceURI:     sourceURI,
		Title:         sightingTitle,
		Type:          "sighting",
	}, nil
}

// resolvedIPs collects records[].values[] as the ip field when it is a
// non-empty string, else the ipv6 field, de-duplicated and sorted by code
// point. A record without values, or a value with neither a usable ip nor
// an ipv6 key, is a shape error. A null or empty ipv6 is skipped (the
// original crashes on it).
func resolvedIPs(records []any) ([]string, error) {
	set := map[string]struct{}{}
	for _, rec := range records {
		r, ok := rec.(map[string]any)
		if !ok {
			return nil, ErrUnexpectedShape
		}
		values, ok := r["values"].([]any)
		if !ok {
			return nil, ErrUnexpectedShape
		}
		for _, v := range values {
			val, ok := v.(map[string]any)
			if !ok {
				return nil, ErrUnexpectedShape
			}
			if ip, _ := val["ip"].(string); ip != "" {
				set[ip] = struct{}{}
				continue
			}
			raw, ok := val["ipv6"]
			if !ok {
				return nil, ErrUnexpectedShape
			}
			if ip, _ := raw.(string); ip != "" {
				set[ip] = struct{}{}
			}
		}
	}
	return sortedKeys(set), nil
}

// hostnames collects records[].hostname, de-duplicated and sorted by code
// point. A record without hostname is a shape error; a null or empty one
// is skipped (the original crashes on it).
func hostnames(records []any) ([]string, error) {
	set := map[string]struct{}{}
	for _, rec := range records {
		r, ok := rec.(map[string]any)
		if !ok {
			return nil, ErrUnexpectedShape
		}
		raw, ok := r["hostname"]
		if !ok {
			return nil, ErrUnexpectedShape
		}
		if h, _ := raw.(string); h != "" {
			set[h] = struct{}{}
		}
	}
	return sortedKeys(set), nil
}

// sortedKeys sorts by code point: Go orders UTF-8 strings byte-wise,
// which is the same order.
func sortedKeys(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ipType is "ipv6" for a value with a colon, else "ip": decided by the
// value, not the record type, as in the original.
func ipType(v string) string {
	if strings.Contains(v, ":") {
		return "ipv6"
	}
	return "ip"
}

// ipLabel is "IP" plus the last two characters of SecurityTrails' type
// ("a/ipv4" → "IPv4"). Without a string type, the requested record type
// decides (the original crashes).
func ipLabel(page map[string]any, requested RecordType) string {
	if t, ok := page["type"].(string); ok {
		r := []rune(t)
		return "IP" + string(r[max(len(r)-2, 0):])
	}
	if requested == TypeAAAA {
		return "IPv6"
	}
	return "IPv4"
}

// recordCount reads record_count: a number, truncated to an integer.
func recordCount(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	n, _ := relay.PyInt(f)
	return n, true
}
