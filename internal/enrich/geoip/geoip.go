package geoip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/vigie-siem/vigie/internal/enrich"
)

// Place is what the databases say about an address.
type Place struct {
	IP          string   `json:"ip"`
	CountryCode string   `json:"country_code,omitempty"`
	Country     string   `json:"country,omitempty"`
	Region      string   `json:"region,omitempty"`
	City        string   `json:"city,omitempty"`
	Latitude    *float64 `json:"latitude,omitempty"`
	Longitude   *float64 `json:"longitude,omitempty"`
}

// record decodes both schemas: the flat ip-location-db one and MaxMind's
// nested one. Fields absent from a database stay empty.
type record struct {
	// ip-location-db (flat).
	CountryCode string `maxminddb:"country_code"`
	State1      string `maxminddb:"state1"`
	// city is a string in ip-location-db, {names: {en: …}} in MaxMind.
	City any      `maxminddb:"city"`
	Lat  *float64 `maxminddb:"latitude"`
	Lon  *float64 `maxminddb:"longitude"`
	// MaxMind GeoLite2 / GeoIP2 (nested).
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

// DB is one open MMDB file.
type DB struct {
	r *maxminddb.Reader
}

// Open opens an MMDB file.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip database %s: %w", path, err)
	}
	return &DB{r: r}, nil
}

// OpenBytes reads an MMDB image from memory.
func OpenBytes(b []byte) (*DB, error) {
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("geoip database: %w", err)
	}
	return &DB{r: r}, nil
}

// Close releases the database.
func (d *DB) Close() error { return d.r.Close() }

// Type is the database type from its metadata.
func (d *DB) Type() string { return d.r.Metadata.DatabaseType }

// Lookup returns what the database says about addr, merged into p.
func (d *DB) Lookup(addr netip.Addr, p *Place) (bool, error) {
	res := d.r.Lookup(addr)
	if err := res.Err(); err != nil {
		return false, fmt.Errorf("geoip lookup %s: %w", addr, err)
	}
	if !res.Found() {
		return false, nil
	}
	var rec record
	if err := res.Decode(&rec); err != nil {
		return false, fmt.Errorf("geoip decode %s: %w", addr, err)
	}
	set := func(dst *string, vals ...string) {
		for _, v := range vals {
			if *dst == "" && v != "" {
				*dst = v
			}
		}
	}
	set(&p.CountryCode, rec.CountryCode, rec.Country.ISOCode)
	set(&p.Country, rec.Country.Names["en"])
	switch c := rec.City.(type) {
	case string:
		set(&p.City, c)
	case map[string]any:
		if names, ok := c["names"].(map[string]any); ok {
			en, _ := names["en"].(string)
			set(&p.City, en)
		}
	}
	set(&p.Region, rec.State1)
	if len(rec.Subdivisions) > 0 {
		set(&p.Region, rec.Subdivisions[0].Names["en"])
	}
	if p.Latitude == nil && p.Longitude == nil {
		switch {
		case rec.Lat != nil && rec.Lon != nil:
			p.Latitude, p.Longitude = rec.Lat, rec.Lon
		case rec.Location.Latitude != nil && rec.Location.Longitude != nil:
			p.Latitude, p.Longitude = rec.Location.Latitude, rec.Location.Longitude
		}
	}
	return true, nil
}

// Public reports whether addr is worth looking up: not private, loopback,
// link-local, multicast, unspecified, CGNAT, documentation or otherwise
// reserved.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() || addr.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
}

// Enricher is the GeoIP step.
type Enricher struct {
	country, city *DB
	errors        atomic.Int64

	// memo keeps recent answers with their JSON: alerts repeat addresses,
	// and a database look-up plus decode costs far more than a map read.
	mu   sync.RWMutex
	memo map[netip.Addr]memoPlace
}

type memoPlace struct {
	p   Place
	raw json.RawMessage
	ok  bool
}

// memoSize bounds the memo; it is cleared when full.
const memoSize = 1 << 16

// Name is "geoip".
func (*Enricher) Name() string { return "geoip" }

// New returns the step over a country database, a city database, or both
// (either may be nil, not both).
func New(country, city *DB) (*Enricher, error) {
	if country == nil && city == nil {
		return nil, errors.New("geoip: no database")
	}
	return &Enricher{country: country, city: city}, nil
}

// Close closes the databases.
func (e *Enricher) Close() error {
	var errs []error
	for _, d := range []*DB{e.city, e.country} {
		if d != nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// Enrich places each host with a public address. GeoLocation
// ("lat,lon") is set when a database has coordinates and the host has
// none.
func (e *Enricher) Enrich(_ context.Context, s *enrich.Subject) {
	for _, h := range s.Hosts {
		addr, ok := h.Addr()
		if !ok || !Public(addr) {
			continue
		}
		m := e.placeMemo(addr)
		if !m.ok {
			continue
		}
		s.Record(e.Name(), h.Key(), m.raw)
		if *h.GeoLocation == "" && m.p.Latitude != nil && m.p.Longitude != nil {
			*h.GeoLocation = FormatGeo(*m.p.Latitude, *m.p.Longitude)
		}
	}
}

func (e *Enricher) placeMemo(addr netip.Addr) memoPlace {
	e.mu.RLock()
	m, hit := e.memo[addr]
	e.mu.RUnlock()
	if hit {
		return m
	}
	m.p, m.ok = e.Place(addr)
	if m.ok {
		m.raw, _ = json.Marshal(m.p) // strings and numbers always encode
	}
	e.mu.Lock()
	if e.memo == nil || len(e.memo) >= memoSize {
		e.memo = make(map[netip.Addr]memoPlace, 1024)
	}
	e.memo[addr] = m
	e.mu.Unlock()
	return m
}

// Errors counts look-ups a database could not answer (a corrupt or
// unexpected record).
func (e *Enricher) Errors() int64 { return e.errors.Load() }

// Place looks addr up in the city database, then fills the gaps from the
// country one. A database error counts as not found (see Errors).
func (e *Enricher) Place(addr netip.Addr) (Place, bool) {
	p := Place{IP: addr.String()}
	found := false
	for _, d := range []*DB{e.city, e.country} {
		if d == nil {
			continue
		}
		ok, err := d.Lookup(addr, &p)
		if err != nil {
			e.errors.Add(1)
		}
		found = found || ok

	}
	return p, found
}

// FormatGeo writes coordinates in the IDMEFv2 GEOLOC form "lat,lon".
func FormatGeo(lat, lon float64) string {
	return strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64)
}
