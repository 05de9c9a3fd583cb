// Package dns fills host names and addresses: a reverse look-up (PTR) for a
// host with an address and no name, a forward look-up (A/AAAA) for a host
// with a name and no address. Look-ups go to a configurable resolver with
// a timeout, through enrich.Cache (positive and negative TTLs), so a slow
// resolver never holds an alert.
package dns
