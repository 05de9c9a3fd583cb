package sqlite

import (
	"net/netip"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// valueKind is how values of a path are stored in alert_postings.v.
type valueKind int

const (
	kindText valueKind = iota
	kindIP             // 16-byte BLOB, IPv4 v4-mapped
	kindInt            // INTEGER (ports)
)

// indexedPath is a list path whose values have postings.
type indexedPath struct {
	code int64 // stored in alert_postings.field; never reuse a code
	path string
	kind valueKind
}

// indexedPaths are the paths with postings (postings.go): what analysts
// filter and group on, with enough distinct values for an index to help.
// Each costs write throughput (an entry in a posting and in the value set
// per value, a posting per distinct value of a write transaction), so
// low-cardinality lists (Type), random values (Source ports) and
// per-analyzer constants (Analyzer.Hostname) are left to the JSON
// fallback. Adding one needs a migration that fills it for old alerts;
// until then, a new path is only complete for alerts stored after.
var (
	pathCategory           = indexedPath{1, "Category", kindText}
	pathSensorName         = indexedPath{2, "Sensor(*).Name", kindText}
	pathSourceIP           = indexedPath{3, "Source(*).IP", kindIP}
	pathSourceHostname     = indexedPath{4, "Source(*).Hostname", kindText}
	pathSourceUser         = indexedPath{5, "Source(*).User", kindText}
	pathTargetIP           = indexedPath{6, "Target(*).IP", kindIP}
	pathTargetHostname     = indexedPath{7, "Target(*).Hostname", kindText}
	pathTargetUser         = indexedPath{8, "Target(*).User", kindText}
	pathTargetService      = indexedPath{9, "Target(*).Service", kindText}
	pathTargetPort         = indexedPath{10, "Target(*).Port", kindInt}
	pathAltCategory        = indexedPath{11, "AltCategory", kindText}
	pathCorrelID           = indexedPath{12, "CorrelID", kindText}
	pathAttachmentFileName = indexedPath{13, "Attachment(*).FileName", kindText}
	pathAttachmentHash     = indexedPath{14, "Attachment(*).Hash", kindText}
	pathSourceEmail        = indexedPath{15, "Source(*).Email", kindText}
	pathTargetEmail        = indexedPath{16, "Target(*).Email", kindText}
)

var indexedPaths = []indexedPath{
	pathCategory,
	pathSensorName,
	pathSourceIP,
	pathSourceHostname,
	pathSourceUser,
	pathTargetIP,
	pathTargetHostname,
	pathTargetUser,
	pathTargetService,
	pathTargetPort,
	pathAltCategory,
	pathCorrelID,
	pathAttachmentFileName,
	pathAttachmentHash,
	pathSourceEmail,
	pathTargetEmail,
}

func lookupIndexed(path string) (indexedPath, bool) {
	for _, p := range indexedPaths {
		if p.path == path {
			return p, true
		}
	}
	return indexedPath{}, false
}

// columnKind tells how a scalar column is compared.
type columnKind int

const (
	colText     columnKind = iota
	colTime                // Unix nanoseconds; values are RFC 3339 or now±duration
	colPriority            // rank; values are Priority names
	colState               // triage state names
	colBool                // superseded: true/false
)

// column is a path or lifecycle field held in a column of alerts.
type column struct {
	name string // path or lifecycle field
	expr string // SQL column of alerts a
	kind columnKind
}

var columns = []column{
	{"ID", "a.id", colText},
	{"CreateTime", "a.create_ns", colTime},
	{"StartTime", "a.start_ns", colTime},
	{"EndTime", "a.end_ns", colTime},
	{"Priority", "a.priority", colPriority},
	{"Cause", "a.cause", colText},
	{"Analyzer.Name", "a.analyzer_name", colText},
	{"OrganisationName", "a.organisation", colText},
	{"state", "a.state", colState},
	{"assignee", "a.assignee", colText},
	{"superseded", "a.superseded_by", colBool},
}

func lookupColumn(name string) (column, bool) {
	for _, c := range columns {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

var priorityRanks = []idmefv2.Priority{"", idmefv2.PriorityUnknown, idmefv2.PriorityInfo,
	idmefv2.PriorityLow, idmefv2.PriorityMedium, idmefv2.PriorityHigh}

func priorityRank(p idmefv2.Priority) int64 {
	for i, q := range priorityRanks {
		if q == p {
			return int64(i)
		}
	}
	return 0
}

// parsePriority accepts a Priority name in any case.
func parsePriority(s string) (int64, bool) {
	for i, q := range priorityRanks[1:] {
		if strings.EqualFold(string(q), s) {
			return int64(i + 1), true
		}
	}
	return 0, false
}

func priorityName(rank int64) string {
	if rank > 0 && rank < int64(len(priorityRanks)) {
		return string(priorityRanks[rank])
	}
	return ""
}

// ipKey is the stored form of an address: 16 bytes, IPv4 v4-mapped, zone
// dropped, so that byte order is address order and a CIDR block is a range.
func ipKey(a netip.Addr) []byte {
	b := a.WithZone("").As16()
	return b[:]
}

// ipString turns a stored key back into the address text.
func ipString(b []byte) string {
	if len(b) != 16 {
		return string(b)
	}
	return netip.AddrFrom16([16]byte(b)).Unmap().String()
}

// prefixRange returns the first and last keys of a CIDR block.
func prefixRange(p netip.Prefix) (lo, hi []byte) {
	p = p.Masked()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	first := p.Addr().As16()
	last := first
	for i := bits; i < 128; i++ {
		last[i/8] |= 1 << (7 - i%8)
	}
	return first[:], last[:]
}
