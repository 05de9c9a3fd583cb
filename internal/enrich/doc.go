// Package enrich adds context to alerts between ingest and storage: which
// asset an address is (an inventory file or GLPI), who a user is (LDAP /
// Active Directory), where an address is (GeoIP), what names it has (DNS)
// and what threat intelligence says about it (SecurityTrails, Threat
// Response relays, local IOC lists).
//
// A [Chain] runs [Step]s over an alert; each step reads the alert's hosts
// and users through a [Subject] and writes what it finds into the IDMEFv2
// attributes that exist for it (Hostname, GeoLocation, Location, TI, User,
// Note…) and, for everything else, into a JSON attachment named
// "enrichment" (see docs/ENRICHMENT.md for its shape). A chain never makes
// an alert invalid: it validates what it changed and, on a problem, keeps
// the alert as it came.
//
// Remote look-ups go through a [Cache]: a hit answers at once, a miss is
// queued for background workers and the alert goes on (optionally after
// waiting a small per-alert budget), so that a slow or failing service
// never blocks or drops alerts. Failures, timeouts and queue overflows are
// counted in Prometheus metrics and logged at a bounded rate.
//
// The enrichers themselves live in child packages: enrich/assets,
// enrich/directory, enrich/geoip, enrich/dns and enrich/cti.
package enrich
