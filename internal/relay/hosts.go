package relay

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultJWKSHosts are the Cisco SecureX/XDR regional hosts whose JWKS may
// sign module tokens: North America, Europe and Asia-Pacific/Japan/China.
var DefaultJWKSHosts = []string{
	"visibility.amp.cisco.com",
	"visibility.eu.amp.cisco.com",
	"visibility.apjc.amp.cisco.com",
}

// AllowAnyHost, as the only entry of an allow-list, admits every host. It
// reproduces the original relay, which fetches from whatever host the
// unverified token names; use it only in tests or behind other controls.
const AllowAnyHost = "*"

// hostList is a parsed JWKS host allow-list.
type hostList struct {
	any   bool
	hosts map[string]bool // canonical host[:port]
}

// parseHostList validates entries of the form host or host:port (or "*").
// A host without a port admits that host on the default HTTPS port.
func parseHostList(entries []string) (hostList, error) {
	l := hostList{hosts: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case e == AllowAnyHost:
			l.any = true
			continue
		}
		h, ok := canonicalHost(e)
		if !ok {
			return hostList{}, fmt.Errorf("jwks allow-list entry %q: want host or host:port", e)
		}
		l.hosts[h] = true
	}
	if !l.any && len(l.hosts) == 0 {
		return hostList{}, fmt.Errorf("jwks allow-list is empty: name at least one host, or %q", AllowAnyHost)
	}
	return l, nil
}

// allows reports whether the jwks_host claim value may be fetched.
func (l hostList) allows(host string) bool {
	h, ok := canonicalHost(host)
	if !ok {
		return false
	}
	return l.any || l.hosts[h]
}

// canonicalHost checks that s is a bare host[:port] (no scheme, user
// info, path, query or fragment that could redirect the fetch) and returns
// it lower-cased without a trailing dot or the default port 443.
func canonicalHost(s string) (string, bool) {
	if s == "" || strings.ContainsAny(s, "/?#@\\ \t\r\n%") {
		return "", false
	}
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host != s || u.Hostname() == "" {
		return "", false
	}
	host, port := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	if port == "" || port == "443" {
		if strings.Contains(host, ":") {
			return "[" + host + "]", true
		}
		return host, true
	}
	return net.JoinHostPort(host, port), true
}
