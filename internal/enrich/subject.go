package enrich

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Host is a Source or a Target of an alert, with pointers into its
// attributes so that a step fills either the same way. TI is nil for a
// Target (V08 has TI on Source only).
type Host struct {
	Role        string // "Source" or "Target"
	Index       int
	IP          *string
	Hostname    *string
	User        *string
	Note        *string
	GeoLocation *string
	Location    *string
	TI          *[]string
	Attachment  *[]string
}

// Addr is the host's IP address, if it has a valid one.
func (h Host) Addr() (netip.Addr, bool) {
	if *h.IP == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(*h.IP)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Key names the host in the enrichment attachment: "Source(0)".
func (h Host) Key() string { return h.Role + "(" + strconv.Itoa(h.Index) + ")" }

// AddNote appends text to the host's Note, once.
func (h Host) AddNote(text string) {
	switch {
	case *h.Note == "":
		*h.Note = text
	case !strings.Contains(*h.Note, text):
		*h.Note += "; " + text
	}
}

// AddTI adds a TI entry ("attribute:origin") to a Source once; it reports
// false for a Target, which has no TI attribute.
func (h Host) AddTI(entry string) bool {
	if h.TI == nil {
		return false
	}
	for _, e := range *h.TI {
		if e == entry {
			return true
		}
	}
	*h.TI = append(*h.TI, entry)
	return true
}

// Hosts lists the alert's sources, then its targets.
func Hosts(a *idmefv2.Alert) []Host {
	out := make([]Host, 0, len(a.Source)+len(a.Target))
	for i := range a.Source {
		s := &a.Source[i]
		out = append(out, Host{Role: "Source", Index: i, IP: &s.IP, Hostname: &s.Hostname, User: &s.User, Note: &s.Note,
			GeoLocation: &s.GeoLocation, Location: &s.Location, TI: &s.TI, Attachment: &s.Attachment})
	}
	for i := range a.Target {
		t := &a.Target[i]
		out = append(out, Host{Role: "Target", Index: i, IP: &t.IP, Hostname: &t.Hostname, User: &t.User, Note: &t.Note,
			GeoLocation: &t.GeoLocation, Location: &t.Location, Attachment: &t.Attachment})
	}
	return out
}

// Subject is one alert being enriched: the alert, its hosts, and what the
// steps found for the enrichment attachment.
type Subject struct {
	Alert *idmefv2.Alert
	Hosts []Host

	found   map[string]map[string]any // step → entity → finding
	pending map[string][]string       // step → entities looked up in the background
	raises  []Raise
	extra   []extraAttachment
}

type extraAttachment struct {
	host Host
	att  idmefv2.Attachment
}

// Raise is a priority increase asked by a step.
type Raise struct {
	Step   string           `json:"step"`
	To     idmefv2.Priority `json:"to"`
	Reason string           `json:"reason"`
}

// NewSubject prepares a for enrichment.
func NewSubject(a *idmefv2.Alert) *Subject {
	return &Subject{Alert: a, Hosts: Hosts(a)}
}

// Record keeps what step found about entity (a host key such as
// "Source(0)", an address, a user name) for the enrichment attachment.
// finding must encode to JSON.
func (s *Subject) Record(step, entity string, finding any) {
	if s.found == nil {
		s.found = make(map[string]map[string]any, 4)
	}
	m := s.found[step]
	if m == nil {
		m = make(map[string]any, 2)
		s.found[step] = m
	}
	m[entity] = finding
}

// Pending notes that step is looking entity up in the background: a later
// alert about it will have the answer.
func (s *Subject) Pending(step, entity string) {
	if s.pending == nil {
		s.pending = make(map[string][]string, 2)
	}
	s.pending[step] = append(s.pending[step], entity)
}

// RaisePriority asks for the alert's priority to be at least to; the
// highest asked wins and the priority is never lowered.
func (s *Subject) RaisePriority(step string, to idmefv2.Priority, reason string) {
	if to.Rank() > 0 {
		s.raises = append(s.raises, Raise{Step: step, To: to, Reason: reason})
	}
}

// AddAttachment adds att to the alert (replacing one of the same name)
// and refers to it from h, e.g. a link to the asset's page in GLPI as
// ExternalURI. att.Name must match [A-Za-z0-9]+.
func (s *Subject) AddAttachment(h Host, att idmefv2.Attachment) {
	s.extra = append(s.extra, extraAttachment{host: h, att: att})
}

// Found returns what step found about entity, if anything.
func (s *Subject) Found(step, entity string) (any, bool) {
	v, ok := s.found[step][entity]
	return v, ok
}

// ParsePriority reads a V08 priority name.
func ParsePriority(s string) (idmefv2.Priority, bool) {
	p := idmefv2.Priority(s)
	return p, p.Valid()
}
