// Package geoip places public addresses with MaxMind-format (MMDB)
// databases: a country database (the CC0 ip-location-db
// geo-whois-asn-country by default, fetched by scripts/fetch-geoip.sh) and
// optionally a city database. Both the flat ip-location-db schema
// (country_code, city, latitude…) and the MaxMind GeoLite2/GeoIP2 schema
// (country.iso_code, city.names.en, location.latitude…) are decoded.
// Private, loopback, link-local and other reserved ranges are skipped.
package geoip
