package cti

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenDestination is an outbound fetch to a loopback, private,
// link-local or otherwise internal address while those are not allowed.
var ErrForbiddenDestination = errors.New("destination address not allowed (loopback, private or internal; see enrich.cti.allow_private_urls)")

// GuardedClient returns an HTTP client for URLs that come from
// configuration or data: each connection's address is checked after name
// resolution (so DNS rebinding and redirects are covered) and refused when
// internal unless allowPrivate. No proxy is used, so that the check sees
// the real destination.
func GuardedClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, ErrForbiddenDestination)
		}
		if !allowPrivate && internal(a.Unmap()) {
			return fmt.Errorf("dial %s: %w", address, ErrForbiddenDestination)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout, MaxIdleConnsPerHost: 4}
	return &http.Client{Transport: tr, Timeout: timeout * 4}
}

func internal(a netip.Addr) bool {
	if a.Is6() {
		// IPv6 forms that carry an IPv4 address to a translator: NAT64
		// (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16) are judged
		// by the IPv4 address they embed; Teredo (2001::/32), whose
		// address is obfuscated, is refused.
		b := a.As16()
		switch {
		case nat64.Contains(a) || nat64Local.Contains(a):
			return internal(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return internal(netip.AddrFrom4([4]byte(b[2:6])))
		case teredo.Contains(a):
			return true
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range internalV4 {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
	// internalV4 are the IPv4 ranges net/netip has no predicate for:
	// "this network", shared address space (CGNAT), IETF protocol
	// assignments, benchmarking, and reserved (with broadcast).
	internalV4 = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"),
	}
)

// maxFeedBytes bounds one fetched file.
const maxFeedBytes = 256 << 20

// read returns the content at loc: an http(s) URL through client, else a
// local file. Errors name the URL without its password and query values
// (feeds often carry an API key there), and net/http's own *url.Error,
// which repeats the URL, is unwrapped.
func read(ctx context.Context, client *http.Client, loc string) ([]byte, error) {
	if !isURL(loc) {
		b, err := os.ReadFile(loc)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		return b, nil
	}
	shown := redactURL(loc)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: invalid URL", shown)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetch %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: HTTP %d", shown, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", shown, err)
	}
	if len(b) > maxFeedBytes {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", shown, maxFeedBytes)
	}
	return b, nil
}

// redactURL is loc fit for logs: no password, query values replaced.
func redactURL(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment, u.RawFragment = "", ""
	return u.Redacted()
}

// urlPath is loc's path when loc is a URL, else loc.
func urlPath(loc string) string {
	if !isURL(loc) {
		return loc
	}
	if u, err := url.Parse(loc); err == nil {
		return u.Path
	}
	return loc
}

func isURL(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}
