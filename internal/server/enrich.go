package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/assets"
	"github.com/vigie-siem/vigie/internal/enrich/cti"
	"github.com/vigie-siem/vigie/internal/enrich/directory"
	"github.com/vigie-siem/vigie/internal/enrich/dns"
	"github.com/vigie-siem/vigie/internal/enrich/geoip"
	"github.com/vigie-siem/vigie/internal/pipeline"
	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

// Enrichment is the enrichment chain built from the configuration, with the
// background work it needs (inventory reloads, IOC list refreshes, look-up
// workers). Close stops it.
type Enrichment struct {
	Chain *enrich.Chain

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func()
}

// BuildEnrichment builds the enrichers that cfg turns on, in the order
// assets, directory, dns, geoip, cti (DNS before GeoIP and CTI so that an
// address found by name is placed and checked). reg may be nil.
func BuildEnrichment(ctx context.Context, cfg *config.Config, log *slog.Logger, reg prometheus.Registerer) (_ *Enrichment, err error) {
	metrics, err := enrich.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	ec := cfg.Enrich
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Enrichment{cancel: cancel}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	cacheOpts := func(name string, timeout, ttl, negTTL config.Duration) enrich.CacheOptions {
		return enrich.CacheOptions{Name: name, TTL: ttl.Std(), NegativeTTL: negTTL.Std(), Timeout: timeout.Std(),
			Workers: ec.Workers, QueueSize: ec.QueueSize, MaxEntries: ec.CacheSize, Budget: ec.Budget.Std(),
			Metrics: metrics, Logger: log}
	}
	var steps []enrich.Step

	// Assets: inventory files and GLPI.
	var aopts assets.Options
	if len(ec.Assets.Files) > 0 {
		if aopts.Inventory, err = assets.LoadInventory(ec.Assets.Files...); err != nil {
			return nil, err
		}
		e.every(bg, ec.Assets.ReloadInterval.Std(), func() {
			if changed, err := aopts.Inventory.Reload(); err != nil {
				log.Warn("asset inventory reload failed; keeping the previous one", "err", err)
			} else if changed {
				log.Info("asset inventory reloaded", "entries", aopts.Inventory.Len())
			}
		})
	}
	if g := ec.Assets.GLPI; g.URL != "" {
		client, err := assets.NewGLPI(assets.GLPIOptions{URL: g.URL, AppToken: g.AppToken, UserToken: g.UserToken, IPField: g.IPField,
			HTTPClient: &http.Client{Timeout: g.Timeout.Std()}})
		if err != nil {
			return nil, err
		}
		aopts.GLPI = enrich.NewCache(client.ComputerByIP, cacheOpts("glpi", g.Timeout, g.TTL, g.TTL))
		e.closers = append(e.closers, aopts.GLPI.Close, func() {
			ctx, cancel := context.WithTimeout(context.Background(), g.Timeout.Std())
			defer cancel()
			_ = client.Close(ctx)
		})
	}
	if aopts.Raise, err = assets.ParseRaise(ec.Assets.RaisePriority); err != nil {
		return nil, err
	}
	if aopts.Inventory != nil || aopts.GLPI != nil {
		steps = append(steps, assets.New(aopts))
	}

	// Directory.
	if d := ec.Directory; d.URL != "" {
		client, err := directory.NewClient(directory.Options{URL: d.URL, BindDN: d.BindDN, BindPassword: d.BindPassword, BaseDN: d.BaseDN,
			Filter: d.Filter, DisabledAttribute: d.DisabledAttribute, Timeout: d.Timeout.Std()})
		if err != nil {
			return nil, err
		}
		cache := enrich.NewCache(client.Lookup, cacheOpts("directory", d.Timeout, d.TTL, d.TTL))
		e.closers = append(e.closers, cache.Close, client.Close)
		steps = append(steps, directory.New(cache, idmefv2.Priority(d.DisabledPriority)))
	}

	// DNS.
	if d := ec.DNS; d.Enabled {
		rev, fwd := dns.NewCaches(dns.NewResolver(d.Server, d.Timeout.Std()), cacheOpts("dns", d.Timeout, d.TTL, d.NegativeTTL))
		e.closers = append(e.closers, rev.Close, fwd.Close)
		steps = append(steps, dns.New(rev, fwd))
	}

	// GeoIP.
	if ec.GeoIP.Enabled {
		step, err := buildGeoIP(cfg, log)
		if err != nil {
			return nil, err
		}
		if step != nil {
			e.closers = append(e.closers, func() { _ = step.Close() })
			steps = append(steps, step)
		}
	}

	// CTI.
	c := ec.CTI
	copts := cti.Options{Raise: idmefv2.Priority(c.RaisePriority)}
	if len(c.Lists) > 0 {
		var lists []cti.FeedOptions
		for _, l := range c.Lists {
			name, loc, _ := strings.Cut(l, "=")
			lists = append(lists, cti.FeedOptions{Name: name, Location: loc})
		}
		if copts.Feeds, err = cti.NewFeeds(lists, cti.GuardedClient(c.Timeout.Std(), c.AllowPrivateURLs), log); err != nil {
			return nil, err
		}
		if err := copts.Feeds.Load(ctx); err != nil {
			log.Warn("IOC lists: some did not load; retried at the next refresh", "err", err)
		}
		e.every(bg, c.Refresh.Std(), func() {
			if err := copts.Feeds.Load(bg); err != nil && bg.Err() == nil {
				log.Warn("IOC list refresh failed; keeping the previous content", "err", err)
			}
		})
	}
	if st := c.SecurityTrails; st.APIKey != "" {
		key, err := securitytrails.NewAPIKey(st.APIKey)
		if err != nil {
			return nil, fmt.Errorf("enrich.cti.securitytrails.api_key: %w", err)
		}
		client, err := securitytrails.New(securitytrails.Options{BaseURL: st.URL, Timeout: c.Timeout.Std(), Logger: log})
		if err != nil {
			return nil, err
		}
		src := &cti.SecurityTrails{Name: "securitytrails", Client: client, Key: key}
		cache := enrich.NewCache(src.Lookup, cacheOpts("securitytrails", c.Timeout, c.TTL, c.NegativeTTL))
		e.closers = append(e.closers, cache.Close)
		copts.Services = append(copts.Services, cti.Service{Name: "securitytrails", Cache: cache})
	}
	if r := c.Relay; r.URL != "" {
		src := &cti.Relay{Name: "relay", URL: r.URL, Token: r.Token, HTTP: &http.Client{Timeout: c.Timeout.Std()}}
		cache := enrich.NewCache(src.Lookup, cacheOpts("relay", c.Timeout, c.TTL, c.NegativeTTL))
		e.closers = append(e.closers, cache.Close)
		copts.Services = append(copts.Services, cti.Service{Name: "relay", Cache: cache})
	}
	if copts.Feeds != nil || len(copts.Services) > 0 {
		steps = append(steps, cti.New(copts))
	}

	if len(steps) > 0 {
		e.Chain = enrich.NewChain(metrics, steps...).WithBudget(ec.Budget.Std())
		names := make([]string, len(steps))
		for i, s := range steps {
			names[i] = s.Name()
		}
		log.Info("enrichment on", "enrichers", strings.Join(names, ","))
	}
	return e, nil
}

// buildGeoIP opens the GeoIP databases. The default country database
// missing turns GeoIP off with one log line; a configured one missing is an
// error.
func buildGeoIP(cfg *config.Config, log *slog.Logger) (*geoip.Enricher, error) {
	var country, city *geoip.DB
	path := cfg.GeoIPCountryDB()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && cfg.Enrich.GeoIP.CountryDB == "" {
		log.Info("GeoIP is off: no country database (run `make geoip` or scripts/fetch-geoip.sh)", "looked_for", path)
	} else {
		db, err := geoip.Open(path)
		if err != nil {
			return nil, fmt.Errorf("enrich.geoip.country_db: %w", err)
		}
		country = db
	}
	if p := cfg.Enrich.GeoIP.CityDB; p != "" {
		db, err := geoip.Open(p)
		if err != nil {
			if country != nil {
				country.Close()
			}
			return nil, fmt.Errorf("enrich.geoip.city_db: %w", err)
		}
		city = db
	}
	if country == nil && city == nil {
		return nil, nil
	}
	// Check that the databases answer for a well-known public address.
	step, err := geoip.New(country, city)
	if err != nil {
		return nil, err
	}
	if _, ok := step.Place(netip.MustParseAddr("8.8.8.8")); !ok {
		log.Warn("GeoIP database does not know 8.8.8.8: is it a country or city database?")
	}
	return step, nil
}

// every runs f every interval until the enrichment closes.
func (e *Enrichment) every(ctx context.Context, interval time.Duration, f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// enrichers is what the pipeline runs: the chain, or nothing.
func (e *Enrichment) enrichers() []pipeline.Enricher {
	if e == nil || e.Chain == nil {
		return nil
	}
	return []pipeline.Enricher{e.Chain}
}

// Close stops the background work and the look-up workers.
func (e *Enrichment) Close() {
	if e == nil {
		return
	}
	e.cancel()
	e.wg.Wait()
	for _, c := range e.closers {
		c()
	}
	e.closers = nil
}
