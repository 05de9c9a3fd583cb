package cti

import (
	"context"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/geoip"
)

// Service is a remote CTI service behind a cache.
type Service struct {
	Name  string
	Cache *enrich.Cache[Verdict]
}

// Options configures the CTI step.
type Options struct {
	Feeds    *Feeds
	Services []Service
	// Raise is the priority an alert gets at least on a malicious verdict
	// or an IOC list hit ("": unchanged).
	Raise idmefv2.Priority
}

// Enricher is the CTI step.
type Enricher struct{ opts Options }

// New returns the CTI step.
func New(opts Options) *Enricher { return &Enricher{opts: opts} }

// Name is "cti".
func (*Enricher) Name() string { return "cti" }

// Finding is what the CTI step records for a host.
type Finding struct {
	IOCs     []ListHit `json:"iocs,omitempty"`
	Verdicts []Verdict `json:"verdicts,omitempty"`
}

// ListHit is an IOC list match.
type ListHit struct {
	List      string `json:"list"`
	Attribute string `json:"attribute"` // IP or Hostname
	IOC       *IOC   `json:"ioc"`
}

// Enrich checks each host's address and name against the lists, and its
// public address against the remote services.
func (e *Enricher) Enrich(ctx context.Context, s *enrich.Subject) {
	for _, h := range s.Hosts {
		addr, hasAddr := h.Addr()
		var f Finding
		if e.opts.Feeds != nil {
			for _, feed := range e.opts.Feeds.List() {
				set := feed.Set()
				if set == nil {
					continue
				}
				if hasAddr {
					if ioc, ok := set.MatchIP(addr); ok {
						f.IOCs = append(f.IOCs, ListHit{List: feed.Name(), Attribute: "IP", IOC: ioc})
					}
				}
				if *h.Hostname != "" {
					if ioc, ok := set.MatchDomain(*h.Hostname); ok {
						f.IOCs = append(f.IOCs, ListHit{List: feed.Name(), Attribute: "Hostname", IOC: ioc})
					}
				}
			}
		}
		if hasAddr && geoip.Public(addr) {
			f.Verdicts = e.remote(ctx, s, h, addr)
		}
		if len(f.IOCs) == 0 && len(f.Verdicts) == 0 {
			continue
		}
		s.Record(e.Name(), h.Key(), f)
		e.mark(s, h, f)
	}
	e.hashes(s)
}

// hashes checks the alert's attachment hashes ("sha256:…") against the
// lists; a hit is noted on the attachment and recorded under
// "Attachment(i)".
func (e *Enricher) hashes(s *enrich.Subject) {
	if e.opts.Feeds == nil {
		return
	}
	for i := range s.Alert.Attachment {
		at := &s.Alert.Attachment[i]
		var f Finding
		for _, hv := range at.Hash {
			norm, ok := normHash("", hv)
			if !ok {
				continue
			}
			for _, feed := range e.opts.Feeds.List() {
				if set := feed.Set(); set != nil {
					if ioc, ok := set.Match(TypeHash, norm); ok {
						f.IOCs = append(f.IOCs, ListHit{List: feed.Name(), Attribute: "Hash", IOC: ioc})
					}
				}
			}
		}
		if len(f.IOCs) == 0 {
			continue
		}
		key := "Attachment(" + strconv.Itoa(i) + ")"
		s.Record(e.Name(), key, f)
		for _, hit := range f.IOCs {
			note := "CTI: hash listed by " + hit.List
			if !strings.Contains(at.Note, note) {
				at.Note = strings.TrimPrefix(at.Note+"; "+note, "; ")
			}
		}
		if e.opts.Raise != "" {
			s.RaisePriority(e.Name(), e.opts.Raise, key+" has a listed hash")
		}
	}
}

func (e *Enricher) remote(ctx context.Context, s *enrich.Subject, h enrich.Host, addr netip.Addr) []Verdict {
	var out []Verdict
	for _, svc := range e.opts.Services {
		v, st := svc.Cache.Get(ctx, addr.String())
		switch st {
		case enrich.Hit:
			out = append(out, v)
		case enrich.Pending:
			s.Pending(e.Name()+"."+svc.Name, h.Key())
		}
	}
	return out
}

// mark writes the hits into the host's TI (Source) or Note (Target) and
// asks for the priority raise.
func (e *Enricher) mark(s *enrich.Subject, h enrich.Host, f Finding) {
	bad := false
	for _, hit := range f.IOCs {
		entry := hit.Attribute + ":" + hit.List
		if !h.AddTI(entry) {
			h.AddNote("CTI: " + hit.Attribute + " listed by " + hit.List)
		}
		bad = true
	}
	for _, v := range f.Verdicts {
		if v.Verdict != "malicious" && v.Verdict != "suspicious" {
			continue
		}
		if !h.AddTI("IP:" + v.Service) {
			h.AddNote("CTI: IP judged " + v.Verdict + " by " + v.Service)
		}
		bad = bad || v.Verdict == "malicious"
	}
	if bad && e.opts.Raise != "" {
		s.RaisePriority(e.Name(), e.opts.Raise, h.Key()+" "+*h.IP+" is a known threat indicator")
	}
}
