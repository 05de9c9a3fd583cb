package securitytrails

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the SecurityTrails API and of the original relay.
const (
	DefaultBaseURL      = "https://api.securitytrails.com/v1/"
	DefaultUserAgent    = "SecureX Threat Response Integrations <tr-integrations-support@cisco.com>"
	DefaultPaceInterval = 1100 * time.Millisecond
	DefaultTimeout      = 30 * time.Second
	// DefaultMaxPages bounds "all pages" so that one observable cannot
	// cause an unbounded number of calls; pages beyond it are reported as
	// unprocessed.
	DefaultMaxPages = 1000
)

// maxBody bounds what is read from one SecurityTrails answer.
const maxBody = 32 << 20

// Options configures a [Client]. The zero value is valid and talks to the
// real API with the original relay's pacing.
type Options struct {
	// BaseURL is the API root, ending in /v1/. Empty means DefaultBaseURL.
	BaseURL string
	// HTTPClient sends the requests. Nil means a client with the system
	// roots (honouring SSL_CERT_FILE) and no overall timeout (Timeout
	// bounds each call instead).
	HTTPClient *http.Client
	// Timeout bounds each call. Zero means DefaultTimeout.
	Timeout time.Duration
	// DisablePacing turns off the minimum duration of paged calls.
	DisablePacing bool
	// PaceInterval is that minimum duration. Zero means 1.1 s.
	PaceInterval time.Duration
	// MaxConcurrency bounds the pages fetched at once (before the
	// per-second rate limit SecurityTrails announces). Zero means
	// 5 × GOMAXPROCS, as in the original.
	MaxConcurrency int
	// MaxPages bounds the pages fetched for one record set. Zero means
	// DefaultMaxPages.
	MaxPages int
	// UserAgent is sent on every call. Empty means DefaultUserAgent.
	UserAgent string
	// Now and Sleep are the clock used for pacing; nil means the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives one debug line per call; nil discards.
	Logger *slog.Logger
	// Registerer, when set, receives the upstream metrics.
	Registerer prometheus.Registerer
}

// Client calls the SecurityTrails API. It is safe for concurrent use.
type Client struct {
	base        *url.URL
	http        *http.Client
	timeout     time.Duration
	pace        time.Duration
	concurrency int
	maxPages    int
	userAgent   string
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
	logger      *slog.Logger
	metrics     *upstreamMetrics
}

// New validates opts and returns a Client.
func New(opts Options) (*Client, error) {
	raw := opts.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("securitytrails: base URL %q: want http(s)://host/…/v1/", raw)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	c := &Client{
		base:        base,
		http:        opts.HTTPClient,
		timeout:     opts.Timeout,
		pace:        opts.PaceInterval,
		concurrency: opts.MaxConcurrency,
		maxPages:    opts.MaxPages,
		userAgent:   opts.UserAgent,
		now:         opts.Now,
		sleep:       opts.Sleep,
		logger:      opts.Logger,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.pace == 0 {
		c.pace = DefaultPaceInterval
	}
	if opts.DisablePacing {
		c.pace = 0
	}
	if c.concurrency <= 0 {
		c.concurrency = 5 * runtime.GOMAXPROCS(0)
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registerer != nil {
		if c.metrics, err = newUpstreamMetrics(opts.Registerer); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// response is one raw SecurityTrails answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call makes one request to path (already escaped, relative to the base
// URL): ?page=<page> is always sent (the ping included),
// with the APIKEY, Accept and User-Agent headers and, for a body, a JSON
// Content-Type. endpoint labels errors, logs and metrics.
func (c *Client) call(ctx context.Context, key APIKey, method, endpoint, path string, page int, body any) (*response, error) {
	u := c.base.String() + path + "?page=" + strconv.Itoa(page)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("securitytrails %s: encode body: %w", endpoint, err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("securitytrails %s: %w", endpoint, err)
	}
	if key.set {
		// Set directly so the name goes out as APIKEY, as the original
		// sends it, rather than the canonical "Apikey".
		req.Header["APIKEY"] = []string{key.header}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.metrics.observe(endpoint, "error", time.Since(start))
		return nil, c.transportError(endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	c.metrics.observe(endpoint, strconv.Itoa(resp.StatusCode), time.Since(start))
	if err != nil {
		return nil, c.transportError(endpoint, err)
	}
	c.logger.Debug("securitytrails call", "endpoint", endpoint, "page", page,
		"status", resp.StatusCode, "duration", time.Since(start))
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// transportError classifies a failed exchange as a TLS verification
// failure or a transport error. The request URL, which holds no secret,
// is kept; the key is in a header and never in err.
func (c *Client) transportError(endpoint string, err error) error {
	if reason, ok := tlsReason(err, c.now()); ok {
		return &TLSError{Endpoint: endpoint, Reason: reason, Err: err}
	}
	var ne interface{ Timeout() bool }
	timeout := errors.As(err, &ne) && ne.Timeout()
	return &TransportError{Endpoint: endpoint, Timeout: timeout, Err: err}
}

// errNoData marks the statuses SecurityTrails uses for "nothing here":
// 400, 404 and 406 (SPEC §6.4).
var errNoData = errors.New("securitytrails: no data")

// classify turns a critical status into an *APIError, 400/404/406 into
// errNoData, and anything below 400 into nil.
func classify(endpoint string, r *response) error {
	switch {
	case r.status < 400:
		return nil
	case r.status == 400 || r.status == 404 || r.status == 406:
		return errNoData
	}
	e := &APIError{Endpoint: endpoint, Status: r.status, Body: string(r.body), Message: string(r.body)}
	var doc map[string]any
	if json.Unmarshal(r.body, &doc) == nil {
		switch m := doc["message"].(type) {
		case string:
			if m != "" {
				e.Message = m
			}
		case nil:
		default:
			if b, err := json.Marshal(m); err == nil {
				e.Message = string(b)
			}
		}
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// Ping checks the key with GET /ping (unpaced), as /health does. 400, 404
// and 406 count as healthy, like in the original (SPEC §5.1); a success
// whose body is not JSON is a *ResponseError.
func (c *Client) Ping(ctx context.Context, key APIKey) error {
	r, err := c.call(ctx, key, http.MethodGet, "ping", "ping", 1, nil)
	if err != nil {
		return err
	}
	switch err := classify("ping", r); {
	case errors.Is(err, errNoData):
		return nil
	case err != nil:
		return err
	}
	if !json.Valid(r.body) {
		return &ResponseError{Endpoint: "ping", Status: r.status, Body: string(r.body)}
	}
	return nil
}

// paced runs f and, when pacing is on, waits until the pace interval has
// passed since it started (SPEC §6.6).
func (c *Client) paced(ctx context.Context, f func() error) error {
	start := c.now()
	err := f()
	if c.pace <= 0 {
		return err
	}
	if rest := c.pace - c.now().Sub(start); rest > 0 {
		if serr := c.sleep(ctx, rest); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}
