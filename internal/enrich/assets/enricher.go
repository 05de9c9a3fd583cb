package assets

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/geoip"
)

// Options configures the assets step.
type Options struct {
	// Inventory is the file inventory; nil: none.
	Inventory *Inventory
	// GLPI answers for addresses the inventory does not know, through an
	// asynchronous cache (see enrich.Cache); nil: none.
	GLPI *enrich.Cache[Asset]
	// Raise maps a criticality (lower case) to the priority an alert about
	// such an asset gets at least.
	Raise map[string]idmefv2.Priority
}

// Enricher is the assets step.
type Enricher struct{ opts Options }

// New returns the assets step.
func New(opts Options) *Enricher { return &Enricher{opts: opts} }

// Name is "assets".
func (*Enricher) Name() string { return "assets" }

// ParseRaise reads rules "criticality=Priority" (e.g. "critical=High").
func ParseRaise(rules []string) (map[string]idmefv2.Priority, error) {
	out := map[string]idmefv2.Priority{}
	for _, r := range rules {
		crit, prio, ok := strings.Cut(r, "=")
		p, valid := enrich.ParsePriority(strings.TrimSpace(prio))
		if !ok || strings.TrimSpace(crit) == "" || !valid {
			return nil, fmt.Errorf("priority rule %q: want criticality=Priority, Priority one of Unknown, Info, Low, Medium, High", r)
		}
		out[strings.ToLower(strings.TrimSpace(crit))] = p
	}
	return out, nil
}

// Enrich finds each host's asset and fills Hostname, Location and
// GeoLocation where the alert has none.
func (e *Enricher) Enrich(ctx context.Context, s *enrich.Subject) {
	for _, h := range s.Hosts {
		addr, ok := h.Addr()
		if !ok {
			continue
		}
		var a *Asset
		if e.opts.Inventory != nil {
			a, _ = e.opts.Inventory.Lookup(addr)
		}
		if a == nil && e.opts.GLPI != nil {
			v, st := e.opts.GLPI.Get(ctx, addr.String())
			switch st {
			case enrich.Hit:
				a = &v
			case enrich.Pending:
				s.Pending(e.Name(), h.Key())
			}
		}
		if a == nil {
			continue
		}
		s.Record(e.Name(), h.Key(), a.finding())
		if a.Link != "" && a.GLPIID > 0 {
			// As the IDMEFv2 GLPI add-on does: an attachment pointing at
			// the computer in GLPI, referred to by the host.
			s.AddAttachment(h, idmefv2.Attachment{Name: "glpi" + strconv.Itoa(a.GLPIID), ExternalURI: []string{a.Link},
				Note: "GLPI computer " + a.Hostname})
		}
		if *h.Hostname == "" && a.Hostname != "" {
			*h.Hostname = a.Hostname
		}
		if *h.Location == "" && a.Location != "" {
			*h.Location = a.Location
		}
		if *h.GeoLocation == "" && a.Latitude != nil && a.Longitude != nil {
			*h.GeoLocation = geoip.FormatGeo(*a.Latitude, *a.Longitude)
		}
		if p, ok := e.opts.Raise[a.Criticality]; ok {
			s.RaisePriority(e.Name(), p, fmt.Sprintf("%s %s is a %s asset", h.Key(), *h.IP, a.Criticality))
		}
	}
}
