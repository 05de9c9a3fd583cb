package cti

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
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
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) || netip.MustParsePrefix("0.0.0.0/8").Contains(a)
}

// maxFeedBytes bounds one fetched file.
const maxFeedBytes = 256 << 20

// read returns the content at loc: an http(s) URL through client, else a
// local file.
func read(ctx context.Context, client *http.Client, loc string) ([]byte, error) {
	if !isURL(loc) {
		b, err := os.ReadFile(loc)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		return b, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", loc, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", loc, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: HTTP %d", loc, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", loc, err)
	}
	if len(b) > maxFeedBytes {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", loc, maxFeedBytes)
	}
	return b, nil
}

func isURL(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}
