package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ClientOptions configures a Client. Only URL is required.
type ClientOptions struct {
	// URL is where messages are POSTed, e.g. "https://siem.example:4690/".
	URL string
	// TLS configures HTTPS (see ClientTLSConfig). Nil uses
	// ClientTLSConfig with its defaults: TLS 1.3, system roots.
	TLS *tls.Config
	// BearerToken, if set, is sent as "Authorization: Bearer".
	BearerToken Secret
	// Username and Password, if set, are sent as HTTP Basic credentials.
	Username string
	Password Secret
	// Timeout bounds each attempt (connect, send, answer); default 10s.
	Timeout time.Duration
	// MaxAttempts bounds the attempts per message or batch; default 5.
	// 1 disables retries.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the exponential back-off between
	// attempts (with jitter); defaults 250ms and 30s. It applies to network
	// errors and to retryable answers without a positive Retry-After
	// (absent or 0), so that the first retry comes within MinBackoff; a
	// Retry-After of n seconds is waited in full.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps how long a server's Retry-After may make the
	// client wait; default 5m.
	MaxRetryAfter time.Duration
	// MaxConnsPerHost bounds idle keep-alive connections; default 16.
	MaxConnsPerHost int
	// UserAgent is sent with every request; default "vigie-idmefv2".
	UserAgent string
	// Logger receives retry notices at debug level. Nil discards.
	Logger *slog.Logger
}

// Client sends IDMEFv2 messages to a receiver over HTTP(S), with
// keep-alive, HTTP/2 over TLS, optional mutual TLS and authentication, and
// retries with back-off on 408, 429, 5xx (but 501 and 505) and network
// errors. Other 4xx answers are final and returned as *RejectedError.
// A Client is safe for concurrent use.
type Client struct {
	url   string
	hc    *http.Client
	opts  ClientOptions
	log   *slog.Logger
	sleep func(ctx context.Context, d time.Duration) error // replaced in tests
}

// NewClient checks the options and builds a Client.
func NewClient(opts ClientOptions) (*Client, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("idmefv2 client: URL %q: %w", opts.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("idmefv2 client: URL %q must be http:// or https:// with a host", opts.URL)
	}
	if opts.BearerToken != "" && opts.Username != "" {
		return nil, errors.New("idmefv2 client: set a bearer token or Basic credentials, not both")
	}
	if opts.Timeout < 0 || opts.MaxAttempts < 0 || opts.MinBackoff < 0 || opts.MaxBackoff < 0 || opts.MaxRetryAfter < 0 {
		return nil, errors.New("idmefv2 client: timeouts, attempts and back-offs must not be negative")
	}
	setDefault(&opts.Timeout, 10*time.Second)
	setDefault(&opts.MaxAttempts, 5)
	setDefault(&opts.MinBackoff, 250*time.Millisecond)
	setDefault(&opts.MaxBackoff, 30*time.Second)
	setDefault(&opts.MaxRetryAfter, 5*time.Minute)
	setDefault(&opts.MaxConnsPerHost, 16)
	setDefault(&opts.UserAgent, "vigie-idmefv2")
	if opts.MaxBackoff < opts.MinBackoff {
		return nil, fmt.Errorf("idmefv2 client: MaxBackoff %s is less than MinBackoff %s", opts.MaxBackoff, opts.MinBackoff)
	}
	// Clone: http.Transport adds its ALPN protocols to the config in place.
	tlsCfg := opts.TLS.Clone()
	if tlsCfg == nil {
		tlsCfg, _ = ClientTLSConfig(ClientTLSOptions{}) // cannot fail without an allow-list
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsCfg,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          opts.MaxConnsPerHost,
		MaxIdleConnsPerHost:   opts.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	c := &Client{
		url:   u.String(),
		hc:    &http.Client{Transport: tr},
		opts:  opts,
		log:   opts.Logger,
		sleep: sleepCtx,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Close closes idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Send posts one message (a JSON object) and returns nil once the
// receiver acknowledged it with any 2xx.
func (c *Client) Send(ctx context.Context, msg []byte) error {
	_, _, err := c.post(ctx, msg)
	return err
}

// SendBatch posts messages as one JSON array (the batching Concerto and
// Vigie accept; a strict draft receiver refuses it) and returns one result
// per message, in order. When the receiver rejected some messages, the
// results say which and the error is a *RejectedError; the others were
// accepted and must not be re-sent. When the request failed as a whole,
// the results are nil (transport errors) or all carry its status.
func (c *Client) SendBatch(ctx context.Context, msgs [][]byte) ([]ItemResult, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	status, resp, err := c.post(ctx, joinArray(msgs))
	results := make([]ItemResult, len(msgs))
	if err == nil {
		for i := range results {
			results[i] = ItemResult{Index: i, Status: status}
		}
		return results, nil
	}
	rej, ok := errors.AsType[*RejectedError](err)
	if !ok {
		return nil, err
	}
	if len(resp.Items) == len(msgs) {
		copy(results, resp.Items)
		return results, err
	}
	for i := range results {
		results[i] = ItemResult{Index: i, Status: rej.Status, Error: rej.Message}
	}
	return results, err
}

func joinArray(msgs [][]byte) []byte {
	n := 2 + len(msgs)
	for _, m := range msgs {
		n += len(m)
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	return append(b, ']')
}

// post sends body with retries and returns the final status and the
// decoded error body.
func (c *Client) post(ctx context.Context, body []byte) (int, Response, error) {
	for attempt := 1; ; attempt++ {
		status, hdr, resp, err := c.attempt(ctx, body)
		if err == nil && status >= 200 && status < 300 {
			return status, resp, nil
		}
		if ctx.Err() != nil {
			return 0, resp, fmt.Errorf("idmefv2 send to %s: %w", c.url, context.Cause(ctx))
		}
		var wait time.Duration
		if err == nil {
			if !retryable(status) {
				return status, resp, &RejectedError{Status: status, Message: resp.Error, Problems: resp.Problems, Items: resp.Items}
			}
			err = &ServerError{Status: status, Message: resp.Error}
			wait = min(retryAfter(hdr, time.Now()), c.opts.MaxRetryAfter)
		}
		if attempt >= c.opts.MaxAttempts {
			return status, resp, fmt.Errorf("idmefv2 send to %s: giving up after %d attempts: %w", c.url, attempt, err)
		}
		if wait == 0 {
			wait = backoff(attempt, c.opts.MinBackoff, c.opts.MaxBackoff)
		}
		c.log.Debug("idmefv2 send failed, retrying", slog.Int("attempt", attempt), slog.Any("error", err), slog.Duration("wait", wait))
		if err := c.sleep(ctx, wait); err != nil {
			return status, resp, fmt.Errorf("idmefv2 send to %s: %w", c.url, err)
		}
	}
}

// attempt makes one request. A non-nil error is a transport failure.
func (c *Client) attempt(ctx context.Context, body []byte) (int, http.Header, Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, Response{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", jsonType)
	req.Header.Set("Accept", jsonType)
	req.Header.Set("User-Agent", c.opts.UserAgent)
	switch {
	case c.opts.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+string(c.opts.BearerToken))
	case c.opts.Username != "":
		req.SetBasicAuth(c.opts.Username, string(c.opts.Password))
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, Response{}, err
	}
	defer res.Body.Close()
	var resp Response
	if res.StatusCode >= 300 {
		resp = decodeResponse(res)
	}
	// Drain so that the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, res.Header, resp, nil
}

// decodeResponse reads an error answer: the JSON Response when the
// server sent one, else the start of the text as the message.
func decodeResponse(res *http.Response) Response {
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	var resp Response
	if strings.HasPrefix(res.Header.Get("Content-Type"), jsonType) && json.Unmarshal(raw, &resp) == nil && resp.Error != "" {
		return resp
	}
	msg := strings.TrimSpace(string(raw[:min(len(raw), 512)]))
	if msg == "" {
		msg = http.StatusText(res.StatusCode)
	}
	return Response{Error: msg}
}

// RejectedError is a final refusal by the receiver (a 4xx other than 408
// and 429): retrying the same input would not help.
type RejectedError struct {
	// Status is the HTTP status.
	Status int
	// Message is the receiver's explanation.
	Message string
	// Problems are the validation problems of a single message.
	Problems []Problem
	// Items are the per-message results of a batch, when the receiver
	// gave them.
	Items []ItemResult
}

func (e *RejectedError) Error() string {
	s := fmt.Sprintf("idmefv2 receiver rejected the request with %d: %s", e.Status, e.Message)
	if len(e.Problems) > 0 {
		p := e.Problems[0]
		s += fmt.Sprintf(" (%s: %s", p.Pointer, p.Message)
		if len(e.Problems) > 1 {
			s += fmt.Sprintf("; and %d more", len(e.Problems)-1)
		}
		s += ")"
	}
	return s
}

// ServerError is a retryable answer (408, 429, 5xx) that persisted until
// the client gave up.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("idmefv2 receiver answered %d: %s", e.Status, e.Message)
}
