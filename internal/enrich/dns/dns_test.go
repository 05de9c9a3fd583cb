package dns_test

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/dns"
)

// zone is what the in-process DNS server answers.
type server struct {
	addr    string
	queries atomic.Int32
	hold    chan struct{} // when set, answers wait until it is closed
}

func startDNS(t *testing.T) *server { return startHeldDNS(t, nil) }

func startHeldDNS(t *testing.T, hold chan struct{}) *server {
	t.Helper()
	s := &server{hold: hold}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	mux := mdns.NewServeMux()
	mux.HandleFunc(".", func(w mdns.ResponseWriter, r *mdns.Msg) {
		s.queries.Add(1)
		if s.hold != nil {
			<-s.hold
		}
		m := new(mdns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		switch {
		case q.Qtype == mdns.TypePTR && q.Name == "10.1.0.10.in-addr.arpa.":
			m.Answer = append(m.Answer, &mdns.PTR{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypePTR, Class: mdns.ClassINET, Ttl: 60}, Ptr: "web-01.corp.example."})
		case q.Qtype == mdns.TypePTR && q.Name == "66.1.0.10.in-addr.arpa.":
			m.Answer = append(m.Answer, &mdns.PTR{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypePTR, Class: mdns.ClassINET, Ttl: 60}, Ptr: "bad\\032name;rm.example."})
		case q.Qtype == mdns.TypeA && q.Name == "db-01.corp.example.":
			m.Answer = append(m.Answer, &mdns.A{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60}, A: net.ParseIP("10.0.2.20")})
		case q.Name == "db-01.corp.example.":
		default:
			m.Rcode = mdns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	srv := &mdns.Server{PacketConn: pc, Handler: mux}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

func TestResolverAgainstDNSServer(t *testing.T) {
	s := startDNS(t)
	r := dns.NewResolver(s.addr, 2*time.Second)
	ctx := context.Background()
	name, found, err := r.Reverse(ctx, "10.0.1.10")
	if err != nil || !found || name != "web-01.corp.example" {
		t.Errorf("reverse: %q %v %v", name, found, err)
	}
	if _, found, err := r.Reverse(ctx, "10.0.1.11"); found || err != nil {
		t.Errorf("reverse NXDOMAIN: found %v err %v", found, err)
	}
	addrs, found, err := r.Forward(ctx, "db-01.corp.example")
	if err != nil || !found || len(addrs) != 1 || addrs[0] != netip.MustParseAddr("10.0.2.20") {
		t.Errorf("forward: %v %v %v", addrs, found, err)
	}
	if _, found, err := r.Forward(ctx, "nope.corp.example"); found || err != nil {
		t.Errorf("forward NXDOMAIN: found %v err %v", found, err)
	}
}

func alert() *idmefv2.Alert {
	return &idmefv2.Alert{Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Analyzer: idmefv2.Analyzer{Name: "t"},
		Source:   []idmefv2.Source{{ID: "c0ffee00-0000-4000-8000-000000000002", IP: "10.0.1.10"}, {ID: "c0ffee00-0000-4000-8000-000000000004", IP: "10.0.1.66"}},
		Target:   []idmefv2.Target{{ID: "c0ffee00-0000-4000-8000-000000000003", Hostname: "db-01.corp.example"}}}
}

func TestEnricherFillsNamesAndAddressesWithCache(t *testing.T) {
	s := startDNS(t)
	rev, fwd := dns.NewCaches(dns.NewResolver(s.addr, 2*time.Second), enrich.CacheOptions{Budget: 5 * time.Second, NegativeTTL: time.Hour})
	defer rev.Close()
	defer fwd.Close()
	step := dns.New(rev, fwd)
	a := alert()
	if err := enrich.NewChain(nil, step).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.Source[0].Hostname != "web-01.corp.example" || a.Target[0].IP != "10.0.2.20" {
		t.Errorf("not filled: %+v %+v", a.Source[0], a.Target[0])
	}
	if a.Source[1].Hostname != "" {
		t.Errorf("a hostile PTR was written: %q", a.Source[1].Hostname)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	before := s.queries.Load()
	for range 10 {
		enrich.NewChain(nil, step).Enrich(context.Background(), alert())
	}
	if s.queries.Load() != before {
		t.Errorf("%d more queries: answers (and the PTR) should be cached", s.queries.Load()-before)
	}
}

func TestSlowResolverDoesNotHoldAlerts(t *testing.T) {
	hold := make(chan struct{})
	s := startHeldDNS(t, hold)
	rev, fwd := dns.NewCaches(dns.NewResolver(s.addr, 10*time.Second), enrich.CacheOptions{Budget: 10 * time.Millisecond})
	defer rev.Close()
	defer fwd.Close()
	// The server answers nothing until hold is closed: Enrich returning at
	// all shows that it does not wait for the resolver.
	a := alert()
	sub := enrich.NewSubject(a)
	dns.New(rev, fwd).Enrich(context.Background(), sub)
	if a.Source[0].Hostname != "" {
		t.Error("answered before the held server could")
	}
	close(hold)
	// Later alerts get the answer from the cache.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		a = alert()
		dns.New(rev, fwd).Enrich(context.Background(), enrich.NewSubject(a))
		if a.Source[0].Hostname == "web-01.corp.example" {
			return
		}
	}
	t.Error("the background look-up never filled the cache")
}
