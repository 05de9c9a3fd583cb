package enrich_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/cputime"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/assets"
	"github.com/vigie-siem/vigie/internal/enrich/cti"
	"github.com/vigie-siem/vigie/internal/enrich/enrichtest"
	"github.com/vigie-siem/vigie/internal/enrich/geoip"
)

// benchInventory covers alertgen's internal hosts, as a real inventory
// would: a few prefixes and one entry per server.
const benchInventory = `ip,hostname,owner,criticality,location,latitude,longitude,tags
10.0.0.0/16,,infra,medium,DC Paris,48.8566,2.3522,dc
fd00::/16,,infra,medium,DC Paris,48.8566,2.3522,dc
10.0.1.10,web-01.corp.example,web,high,DC Paris rack 1,,,web
10.0.1.11,web-02.corp.example,web,high,DC Paris rack 1,,,web
10.0.2.20,db-01.corp.example,db,critical,DC Paris rack 4,,,db;pci
10.0.3.25,mail.corp.example,it,medium,DC Paris rack 2,,,mail
10.0.4.5,dc-01.corp.example,it,critical,DC Paris rack 2,,,ad
10.0.0.2,vpn.corp.example,it,high,DC Paris rack 3,,,vpn
10.0.5.40,files.corp.example,it,medium,DC Paris rack 3,,,files
10.0.6.50,ci.corp.example,dev,low,DC Paris rack 5,,,ci
`

// benchChain builds assets + GeoIP + CTI (an IOC list and a remote service
// in front of the given loader) and returns the chain and the CTI cache.
func benchChain(b *testing.B, load enrich.Loader[cti.Verdict]) (*enrich.Chain, *enrich.Cache[cti.Verdict]) {
	dir := b.TempDir()
	inv := filepath.Join(dir, "assets.csv")
	os.WriteFile(inv, []byte(benchInventory), 0o600)
	invent, err := assets.LoadInventory(inv)
	if err != nil {
		b.Fatal(err)
	}
	raise, _ := assets.ParseRaise([]string{"critical=High", "high=Medium"})

	var country *geoip.DB
	if path, ok := enrichtest.RealCountryDB(b); ok {
		country, err = geoip.Open(path)
	} else {
		nets := map[string]mmdbtype.Map{}
		for i, cidr := range []string{"45.0.0.0/8", "185.0.0.0/8", "91.0.0.0/8", "103.0.0.0/8", "141.0.0.0/8", "5.0.0.0/8",
			"61.0.0.0/8", "218.0.0.0/8", "179.0.0.0/8", "196.0.0.0/8", "80.0.0.0/8", "222.0.0.0/8", "2a0b::/16", "2602::/16"} {
			nets[cidr] = mmdbtype.Map{"country_code": mmdbtype.String([]string{"US", "DE", "RU", "CN", "BR", "NL", "FR"}[i%7])}
		}
		country, err = geoip.OpenBytes(enrichtest.BuildMMDB(b, "geo-whois-asn-country", nets))
	}
	if err != nil {
		b.Fatal(err)
	}
	geo, _ := geoip.New(country, nil)
	b.Cleanup(func() { geo.Close() })

	list := filepath.Join(dir, "iocs.csv")
	os.WriteFile(list, []byte("185.220.101.4,tor exit\n141.98.10.63,brute forcer\n91.240.118.0/24,scanner range\n"), 0o600)
	feeds, _ := cti.NewFeeds([]cti.FeedOptions{{Name: "blocklist", Location: list}}, nil, nil)
	if err := feeds.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	cache := enrich.NewCache(load, enrich.CacheOptions{Name: "cti", Budget: 20 * time.Millisecond, Timeout: time.Second})
	b.Cleanup(cache.Close)
	step := cti.New(cti.Options{Feeds: feeds, Services: []cti.Service{{Name: "tr", Cache: cache}}, Raise: idmefv2.PriorityHigh})
	return enrich.NewChain(nil, assets.New(assets.Options{Inventory: invent, Raise: raise}), geo, step).WithBudget(20 * time.Millisecond), cache
}

// benchAlerts returns realistic alerts from alertgen.
func benchAlerts(b *testing.B, n int) []*idmefv2.Alert {
	g, err := alertgen.New(alertgen.Options{Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]*idmefv2.Alert, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// clone copies what the chain changes, so that each iteration enriches a
// fresh alert (the copy is counted in the measured time).
func clone(a *idmefv2.Alert) *idmefv2.Alert {
	c := *a
	c.Source = append([]idmefv2.Source(nil), a.Source...)
	c.Target = append([]idmefv2.Target(nil), a.Target...)
	c.Attachment = append([]idmefv2.Attachment(nil), a.Attachment...)
	for i := range c.Source {
		c.Source[i].TI = append([]string(nil), a.Source[i].TI...)
		c.Source[i].Attachment = append([]string(nil), a.Source[i].Attachment...)
	}
	for i := range c.Target {
		c.Target[i].Attachment = append([]string(nil), a.Target[i].Attachment...)
	}
	return &c
}

// runChain enriches alerts on every core and reports the wall-clock rate
// (alerts/s) and the CPU time per alert (cpu-ns/alert, from getrusage):
// on a shared machine the wall-clock rate depends on the load, the CPU
// cost does not, and cores×1e9/cpu-ns is the rate on idle cores.
func runChain(b *testing.B, chain *enrich.Chain, alerts []*idmefv2.Alert) {
	var next atomic.Int64
	ctx := context.Background()
	cpu0 := cputime.Process()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a := clone(alerts[int(next.Add(1))%len(alerts)])
			if err := chain.Enrich(ctx, a); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "alerts/s")
	b.ReportMetric(float64((cputime.Process()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/alert")
}

// BenchmarkChain is the enrichment stage with assets + GeoIP + cached CTI
// over alertgen alerts, on every core (the pipeline runs two batches at
// once). Goal: ≥ 50,000 alerts/s (docs/PERFORMANCE.md).
func BenchmarkChain(b *testing.B) {
	chain, cache := benchChain(b, func(_ context.Context, ip string) (cti.Verdict, bool, error) {
		if strings.HasPrefix(ip, "185.") {
			return cti.Verdict{Service: "tr", Verdict: "malicious"}, true, nil
		}
		return cti.Verdict{}, false, nil
	})
	alerts := benchAlerts(b, 4096)
	warm(b, chain, cache, alerts)
	b.ResetTimer()
	runChain(b, chain, alerts)
}

// BenchmarkChainDeadCTI is BenchmarkChain with a CTI service that never
// answers: throughput must not drop (each look-up is queued once and the
// service is not waited for again).
func BenchmarkChainDeadCTI(b *testing.B) {
	block := make(chan struct{})
	b.Cleanup(func() { close(block) })
	chain, _ := benchChain(b, func(ctx context.Context, _ string) (cti.Verdict, bool, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return cti.Verdict{}, false, ctx.Err()
	})
	alerts := benchAlerts(b, 4096)
	b.ResetTimer()
	runChain(b, chain, alerts)
}

// warm runs every alert once and waits for the CTI answers, so that the
// measured run is all cache hits ("cached CTI").
func warm(b *testing.B, chain *enrich.Chain, cache *enrich.Cache[cti.Verdict], alerts []*idmefv2.Alert) {
	for _, a := range alerts {
		chain.Enrich(context.Background(), clone(a))
	}
	for _, a := range alerts {
		for _, h := range enrich.Hosts(a) {
			if addr, ok := h.Addr(); ok && geoip.Public(addr) {
				for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					if _, st := cache.Get(context.Background(), addr.String()); st == enrich.Hit || st == enrich.NotFound {
						break
					}
				}
			}
		}
	}
}
