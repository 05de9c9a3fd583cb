package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Enrich configures the enrichment stage. Every enricher is optional; an
// enricher whose source is not configured is off.
type Enrich struct {
	// Budget is how long an alert may wait in all for remote look-ups
	// that are not cached yet; then the look-ups go on in the background
	// and the alert goes on without them. 0: never wait.
	Budget Duration `yaml:"budget"`
	// Workers is how many background look-ups run at once per service.
	Workers int `yaml:"workers"`
	// QueueSize bounds the look-ups waiting for a worker, per service.
	QueueSize int `yaml:"queue_size"`
	// CacheSize bounds the answers cached per service.
	CacheSize int             `yaml:"cache_size"`
	Assets    EnrichAssets    `yaml:"assets"`
	Directory EnrichDirectory `yaml:"directory"`
	GeoIP     EnrichGeoIP     `yaml:"geoip"`
	DNS       EnrichDNS       `yaml:"dns"`
	CTI       EnrichCTI       `yaml:"cti"`
}

// EnrichAssets configures the asset inventory.
type EnrichAssets struct {
	// Files are CSV or JSON inventory files (see docs/ENRICHMENT.md).
	Files []string `yaml:"files" vigie:"path"`
	// ReloadInterval is how often the files are checked for changes.
	ReloadInterval Duration `yaml:"reload_interval"`
	// RaisePriority lists criticality=Priority rules, e.g. critical=High.
	RaisePriority []string   `yaml:"raise_priority"`
	GLPI          EnrichGLPI `yaml:"glpi"`
}

// EnrichGLPI configures the GLPI look-up of computers by IP address.
type EnrichGLPI struct {
	// URL is GLPI's REST API root, e.g. https://glpi.example/apirest.php;
	// empty: off.
	URL string `yaml:"url"`
	// AppToken and UserToken authenticate; ${VAR} is expanded.
	AppToken  string `yaml:"app_token" vigie:"expand"`
	UserToken string `yaml:"user_token" vigie:"expand"`
	// IPField is the Computer search option of IP addresses.
	IPField int      `yaml:"ip_field"`
	Timeout Duration `yaml:"timeout"`
	TTL     Duration `yaml:"ttl"`
}

// EnrichDirectory configures the LDAP / Active Directory user look-up.
type EnrichDirectory struct {
	// URL is ldap://host:port or ldaps://host:port; empty: off.
	URL    string `yaml:"url"`
	BindDN string `yaml:"bind_dn"`
	// BindPassword: ${VAR} is expanded.
	BindPassword string `yaml:"bind_password" vigie:"expand"`
	BaseDN       string `yaml:"base_dn"`
	// Filter finds a user; {user} stands for the escaped name.
	Filter string `yaml:"filter"`
	// DisabledAttribute marks disabled accounts: userAccountControl (the
	// AD bit) or an attribute such as nsAccountLock.
	DisabledAttribute string `yaml:"disabled_attribute"`
	// DisabledPriority is the priority an alert about a disabled account
	// gets at least; empty: unchanged.
	DisabledPriority string   `yaml:"disabled_priority"`
	Timeout          Duration `yaml:"timeout"`
	TTL              Duration `yaml:"ttl"`
}

// EnrichGeoIP configures GeoIP.
type EnrichGeoIP struct {
	Enabled bool `yaml:"enabled"`
	// CountryDB is an MMDB country database; empty:
	// <data_dir>/geoip/geo-whois-asn-country.mmdb (scripts/fetch-geoip.sh).
	// When it is missing, GeoIP is off (logged once).
	CountryDB string `yaml:"country_db" vigie:"path"`
	// CityDB is an optional MMDB city database.
	CityDB string `yaml:"city_db" vigie:"path"`
}

// EnrichDNS configures reverse and forward DNS look-ups.
type EnrichDNS struct {
	Enabled bool `yaml:"enabled"`
	// Server is a resolver host:port; empty: the system's.
	Server      string   `yaml:"server"`
	Timeout     Duration `yaml:"timeout"`
	TTL         Duration `yaml:"ttl"`
	NegativeTTL Duration `yaml:"negative_ttl"`
}

// EnrichCTI configures threat-intelligence look-ups.
type EnrichCTI struct {
	// Lists are IOC lists, each "name=location": a file, a MISP feed
	// directory or an http(s) URL (format from the name: .csv/.txt CSV,
	// .json STIX bundle, manifest.json, a trailing / or a directory MISP).
	Lists []string `yaml:"lists"`
	// Refresh is how often the lists are read again.
	Refresh Duration `yaml:"refresh"`
	// AllowPrivateURLs lets list URLs reach loopback and private
	// addresses (refused by default: SSRF guard).
	AllowPrivateURLs bool `yaml:"allow_private_urls"`
	// RaisePriority is the priority of an alert with a listed or
	// malicious address; empty: unchanged.
	RaisePriority  string               `yaml:"raise_priority"`
	TTL            Duration             `yaml:"ttl"`
	NegativeTTL    Duration             `yaml:"negative_ttl"`
	Timeout        Duration             `yaml:"timeout"`
	SecurityTrails EnrichSecurityTrails `yaml:"securitytrails"`
	Relay          EnrichRelay          `yaml:"relay"`
}

// EnrichSecurityTrails configures SecurityTrails look-ups of addresses.
type EnrichSecurityTrails struct {
	// APIKey: empty: off; ${VAR} is expanded.
	APIKey string `yaml:"api_key" vigie:"expand"`
	// URL is the API root.
	URL string `yaml:"url"`
}

// EnrichRelay configures a Threat Response relay module.
type EnrichRelay struct {
	// URL is the module's root (…/observe/observables is appended);
	// empty: off.
	URL string `yaml:"url"`
	// Token is the bearer token; ${VAR} is expanded.
	Token string `yaml:"token" vigie:"expand"`
}

func defaultEnrich() Enrich {
	return Enrich{
		Budget:    Duration(20 * time.Millisecond),
		Workers:   4,
		QueueSize: 10000,
		CacheSize: 100000,
		Assets: EnrichAssets{
			ReloadInterval: Duration(10 * time.Second),
			GLPI:           EnrichGLPI{IPField: 126, Timeout: Duration(5 * time.Second), TTL: Duration(time.Hour)},
		},
		Directory: EnrichDirectory{
			Filter:            "(|(sAMAccountName={user})(uid={user})(userPrincipalName={user}))",
			DisabledAttribute: "userAccountControl",
			Timeout:           Duration(5 * time.Second), TTL: Duration(time.Hour),
		},
		GeoIP: EnrichGeoIP{Enabled: true},
		DNS:   EnrichDNS{Timeout: Duration(2 * time.Second), TTL: Duration(time.Hour), NegativeTTL: Duration(5 * time.Minute)},
		CTI: EnrichCTI{
			Refresh: Duration(time.Hour), TTL: Duration(6 * time.Hour), NegativeTTL: Duration(time.Hour),
			Timeout:        Duration(10 * time.Second),
			SecurityTrails: EnrichSecurityTrails{URL: "https://api.securitytrails.com/v1/"},
		},
	}
}

// GeoIPCountryDB is the country database: enrich.geoip.country_db, else
// <data_dir>/geoip/geo-whois-asn-country.mmdb.
func (c *Config) GeoIPCountryDB() string {
	if c.Enrich.GeoIP.CountryDB != "" {
		return c.Enrich.GeoIP.CountryDB
	}
	return filepath.Join(c.DataDir, "geoip", "geo-whois-asn-country.mmdb")
}

var priorities = []string{"Unknown", "Info", "Low", "Medium", "High"}

func (c *Config) validateEnrich(v *validator) {
	e := c.Enrich
	if e.Budget < 0 || e.Budget.Std() > time.Second {
		v.add("enrich.budget", e.Budget, "must be from 0 to 1s: alerts must not wait on remote services")
	}
	v.atLeast("enrich.workers", e.Workers, 1)
	v.atLeast("enrich.queue_size", e.QueueSize, 1)
	v.atLeast("enrich.cache_size", e.CacheSize, 1)
	v.positive("enrich.assets.reload_interval", e.Assets.ReloadInterval)
	for i, r := range e.Assets.RaisePriority {
		crit, prio, ok := strings.Cut(r, "=")
		if !ok || strings.TrimSpace(crit) == "" || !slices.Contains(priorities, strings.TrimSpace(prio)) {
			v.add(fmt.Sprintf("enrich.assets.raise_priority[%d]", i), r, "want criticality=Priority, Priority one of "+strings.Join(priorities, ", "))
		}
	}
	if g := e.Assets.GLPI; g.URL != "" {
		v.httpURL("enrich.assets.glpi.url", g.URL)
		if g.UserToken == "" {
			v.add("enrich.assets.glpi.user_token", "", "required with enrich.assets.glpi.url")
		}
	}
	v.atLeast("enrich.assets.glpi.ip_field", e.Assets.GLPI.IPField, 1)
	v.positive("enrich.assets.glpi.timeout", e.Assets.GLPI.Timeout)
	v.positive("enrich.assets.glpi.ttl", e.Assets.GLPI.TTL)
	if d := e.Directory; d.URL != "" {
		if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
			v.add("enrich.directory.url", d.URL, "want ldap://host:port or ldaps://host:port")
		}
		if d.BaseDN == "" {
			v.add("enrich.directory.base_dn", "", "required with enrich.directory.url")
		}
	}
	if !strings.Contains(e.Directory.Filter, "{user}") {
		v.add("enrich.directory.filter", e.Directory.Filter, "must contain {user}")
	}
	if p := e.Directory.DisabledPriority; p != "" && !slices.Contains(priorities, p) {
		v.add("enrich.directory.disabled_priority", p, "want empty or one of "+strings.Join(priorities, ", "))
	}
	v.positive("enrich.directory.timeout", e.Directory.Timeout)
	v.positive("enrich.directory.ttl", e.Directory.TTL)
	if e.DNS.Server != "" {
		v.addr("enrich.dns.server", e.DNS.Server)
	}
	v.positive("enrich.dns.timeout", e.DNS.Timeout)
	v.positive("enrich.dns.ttl", e.DNS.TTL)
	v.positive("enrich.dns.negative_ttl", e.DNS.NegativeTTL)
	seen := map[string]bool{}
	for i, l := range e.CTI.Lists {
		name, loc, ok := strings.Cut(l, "=")
		path := fmt.Sprintf("enrich.cti.lists[%d]", i)
		switch {
		case !ok || name == "" || loc == "" || strings.ContainsAny(name, ": "):
			v.add(path, l, "want name=location (a file, a MISP feed directory or an http(s) URL); the name has no spaces or colons")
		case seen[name]:
			v.add(path, l, "list name "+name+" is used twice")
		}
		seen[name] = true
	}
	v.positive("enrich.cti.refresh", e.CTI.Refresh)
	if p := e.CTI.RaisePriority; p != "" && !slices.Contains(priorities, p) {
		v.add("enrich.cti.raise_priority", p, "want empty or one of "+strings.Join(priorities, ", "))
	}
	v.positive("enrich.cti.ttl", e.CTI.TTL)
	v.positive("enrich.cti.negative_ttl", e.CTI.NegativeTTL)
	v.positive("enrich.cti.timeout", e.CTI.Timeout)
	v.httpURL("enrich.cti.securitytrails.url", e.CTI.SecurityTrails.URL)
	if e.CTI.Relay.URL != "" {
		v.httpURL("enrich.cti.relay.url", e.CTI.Relay.URL)
	}
}

func (v *validator) httpURL(path, s string) {
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(path, redactURL(s), "want an http(s)://host/… URL")
	}
}
