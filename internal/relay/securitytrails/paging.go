package securitytrails

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/vigie-siem/vigie/internal/relay"
)

// AllPages, as a page limit, fetches every page SecurityTrails serves.
const AllPages = 0

// RecordType is a DNS history record type.
type RecordType string

// The record types the relay looks up for a domain, in this order.
const (
	TypeA    RecordType = "a"
	TypeAAAA RecordType = "aaaa"
)

// RecordSet is one SecurityTrails answer with all fetched pages merged.
type RecordSet struct {
	// Page is the first page's JSON object, whose metadata (type, pages,
	// record_count, meta) describes the whole set. It is nil when
	// SecurityTrails answered 400, 404 or 406 ("no data").
	Page map[string]any
	// Records holds the records of every merged page, in page order.
	Records []any
	// UnprocessedPages counts the pages SecurityTrails has but would not
	// serve (its max_page is below total_pages), when all of max_page was
	// requested. The relay reports them in a warning (SPEC §6.7).
	UnprocessedPages int
}

// DNSHistory returns the A or AAAA history of domain, GET
// /history/<domain>/dns/<a|aaaa>, fetching at most pages pages (AllPages:
// every page). The domain is path-escaped, unlike in the original.
func (c *Client) DNSHistory(ctx context.Context, key APIKey, domain string, t RecordType, pages int) (*RecordSet, error) {
	path := "history/" + escapeSegment(domain) + "/dns/" + string(t)
	return c.recordSet(ctx, key, "history", pages, func(ctx context.Context, page int) (*response, error) {
		return c.call(ctx, key, http.MethodGet, "history", path, page, nil)
	})
}

// DomainsByIP returns the domains that resolved to ip, POST /domains/list
// with {"filter":{"ipv4"|"ipv6": ip}}, fetching at most pages pages.
func (c *Client) DomainsByIP(ctx context.Context, key APIKey, ip string, ipv6 bool, pages int) (*RecordSet, error) {
	family := "ipv4"
	if ipv6 {
		family = "ipv6"
	}
	body := map[string]map[string]string{"filter": {family: ip}}
	return c.recordSet(ctx, key, "domains/list", pages, func(ctx context.Context, page int) (*response, error) {
		return c.call(ctx, key, http.MethodPost, "domains/list", "domains/list", page, body)
	})
}

// escapeSegment escapes one path segment, including the dot segments "."
// and ".." that would otherwise change the path.
func escapeSegment(s string) string {
	if strings.Trim(s, ".") == "" {
		return strings.ReplaceAll(s, ".", "%2E")
	}
	return url.PathEscape(s)
}

type fetchFunc func(ctx context.Context, page int) (*response, error)

// page is one decoded page: body is nil for "no data".
type page struct {
	body map[string]any
	err  error
}

// fetchPage makes one paced call and decodes it.
func (c *Client) fetchPage(ctx context.Context, endpoint string, fetch fetchFunc, n int) page {
	var p page
	p.err = c.paced(ctx, func() error {
		r, err := fetch(ctx, n)
		if err != nil {
			return err
		}
		p.body, err = decodePage(endpoint, r)
		return err
	})
	return p
}

// decodePage classifies r and decodes a successful body, which must be a
// JSON object.
func decodePage(endpoint string, r *response) (map[string]any, error) {
	switch err := classify(endpoint, r); {
	case errors.Is(err, errNoData):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		return nil, &ResponseError{Endpoint: endpoint, Status: r.status, Body: string(r.body)}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, ErrUnexpectedShape
	}
	return obj, nil
}

// recordSet is the paging algorithm of SPEC §6.7: page 1; then, when more
// pages are wanted and page 1 has records, the rate-limit probe and pages
// 2..max concurrently, merged in page order up to the first empty page.
func (c *Client) recordSet(ctx context.Context, key APIKey, endpoint string, limit int, fetch fetchFunc) (*RecordSet, error) {
	first := c.fetchPage(ctx, endpoint, fetch, 1)
	if first.err != nil {
		return nil, first.err
	}
	rs := &RecordSet{Page: first.body, Records: records(first.body)}
	if len(rs.Records) == 0 || limit == 1 {
		return rs, nil
	}
	rate, err := c.rateLimit(ctx, key)
	if err != nil {
		return nil, err
	}
	maxPage := firstTruthy(first.body["pages"], field(first.body, "meta", "max_page"))
	totalPages := firstTruthy(first.body["pages"], field(first.body, "meta", "total_pages"))
	left := 0
	if limit > AllPages && limit < maxPage {
		maxPage = limit
	} else if maxPage < totalPages {
		left = totalPages - maxPage
	}
	if maxPage > c.maxPages {
		left += maxPage - c.maxPages
		maxPage = c.maxPages
	}
	for _, p := range c.fetchPages(ctx, endpoint, fetch, maxPage, min(rate, c.concurrency)) {
		if p.err != nil {
			return nil, p.err
		}
		recs := records(p.body)
		if len(recs) == 0 {
			break // later pages, even failed ones, are ignored
		}
		rs.Records = append(rs.Records, recs...)
	}
	rs.UnprocessedPages = left
	return rs, nil
}

// fetchPages fetches pages 2..last with at most workers at once and
// returns them in page order. Every page is requested even when an
// earlier one fails, as in the original.
func (c *Client) fetchPages(ctx context.Context, endpoint string, fetch fetchFunc, last, workers int) []page {
	if last < 2 {
		return nil
	}
	out := make([]page, last-1)
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for n := 2; n <= last; n++ {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[n-2] = c.fetchPage(ctx, endpoint, fetch, n)
		})
	}
	wg.Wait()
	return out
}

// rateLimit probes GET /ping (paced) for X-RateLimit-Limit-second, the
// calls per second the key allows. A missing or unusable header means no
// bound. Unlike the original, which crashes, a 400/404/406 ping also means
// no bound; other critical statuses fail as usual.
func (c *Client) rateLimit(ctx context.Context, key APIKey) (int, error) {
	var r *response
	err := c.paced(ctx, func() error {
		var err error
		r, err = c.call(ctx, key, http.MethodGet, "ping", "ping", 1, nil)
		return err
	})
	if err != nil {
		return 0, err
	}
	switch err := classify("ping", r); {
	case errors.Is(err, errNoData):
		return math.MaxInt, nil
	case err != nil:
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.header.Get("X-RateLimit-Limit-second")))
	switch {
	case err != nil:
		return math.MaxInt, nil
	case n < 1:
		return 1, nil
	}
	return n, nil
}

// records returns body["records"] when it is a list.
func records(body map[string]any) []any {
	l, _ := body["records"].([]any)
	return l
}

// field returns body[k1][k2] when body[k1] is an object.
func field(body map[string]any, k1, k2 string) any {
	m, _ := body[k1].(map[string]any)
	return m[k2]
}

// firstTruthy returns the first value that is a non-zero number, as an
// int (Python's `a or b or 0` over page counts).
func firstTruthy(vals ...any) int {
	for _, v := range vals {
		if _, isNum := v.(float64); !isNum {
			continue
		}
		if n, ok := relay.PyInt(v); ok && n != 0 {
			return int(min(max(n, math.MinInt32), math.MaxInt32))
		}
	}
	return 0
}
