package dns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/enrich"
)

// Resolver looks names and addresses up.
type Resolver struct{ r *net.Resolver }

// NewResolver returns a resolver that asks server (host:port; empty: the
// system's resolver) with timeout per query.
func NewResolver(server string, timeout time.Duration) *Resolver {
	if server == "" {
		return &Resolver{r: net.DefaultResolver}
	}
	d := net.Dialer{Timeout: timeout}
	return &Resolver{r: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, server)
	}}}
}

// Reverse returns the first name of addr, without the final dot.
func (r *Resolver) Reverse(ctx context.Context, addr string) (string, bool, error) {
	names, err := r.r.LookupAddr(ctx, addr)
	if notFound(err) || (err == nil && len(names) == 0) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSuffix(names[0], "."), true, nil
}

// Forward returns the addresses of name.
func (r *Resolver) Forward(ctx context.Context, name string) ([]netip.Addr, bool, error) {
	addrs, err := r.r.LookupNetIP(ctx, "ip", name)
	if notFound(err) || (err == nil && len(addrs) == 0) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, true, nil
}

func notFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// Finding is what the DNS step records for a host.
type Finding struct {
	PTR   string   `json:"ptr,omitempty"`
	Addrs []string `json:"addresses,omitempty"`
}

// Enricher is the DNS step.
type Enricher struct {
	reverse *enrich.Cache[string]
	forward *enrich.Cache[[]netip.Addr]
}

// New returns the step over two caches (see NewCaches).
func New(reverse *enrich.Cache[string], forward *enrich.Cache[[]netip.Addr]) *Enricher {
	return &Enricher{reverse: reverse, forward: forward}
}

// NewCaches builds the reverse and forward caches in front of r with the
// given options (Name is set to "dns").
func NewCaches(r *Resolver, opts enrich.CacheOptions) (*enrich.Cache[string], *enrich.Cache[[]netip.Addr]) {
	opts.Name = "dns"
	return enrich.NewCache(r.Reverse, opts), enrich.NewCache(r.Forward, opts)
}

// Name is "dns".
func (*Enricher) Name() string { return "dns" }

// Enrich fills missing host names and addresses.
func (e *Enricher) Enrich(ctx context.Context, s *enrich.Subject) {
	for _, h := range s.Hosts {
		switch addr, ok := h.Addr(); {
		case ok && *h.Hostname == "" && e.reverse != nil:
			name, st := e.reverse.Get(ctx, addr.String())
			switch st {
			case enrich.Hit:
				if validName(name) {
					*h.Hostname = name
					s.Record(e.Name(), h.Key(), Finding{PTR: name})
				}
			case enrich.Pending:
				s.Pending(e.Name(), h.Key())
			}
		case *h.IP == "" && *h.Hostname != "" && e.forward != nil:
			addrs, st := e.forward.Get(ctx, *h.Hostname)
			switch st {
			case enrich.Hit:
				f := Finding{}
				for _, a := range addrs {
					f.Addrs = append(f.Addrs, a.String())
				}
				*h.IP = f.Addrs[0]
				s.Record(e.Name(), h.Key(), f)
			case enrich.Pending:
				s.Pending(e.Name(), h.Key())
			}
		}
	}
}

// validName refuses names a hostile PTR could carry into the alert.
func validName(n string) bool {
	if n == "" || len(n) > 253 {
		return false
	}
	for _, c := range n {
		if !(c == '.' || c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
