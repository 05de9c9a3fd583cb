package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Handler. Only Sink is required; every zero value
// means the default stated.
type Options struct {
	// Sink takes accepted messages. Required.
	Sink Sink
	// Validator checks each message. Nil accepts any JSON object.
	Validator Validator
	// Rejecter receives refused inputs (dead letters). Nil: they are
	// only counted and logged at debug level.
	Rejecter Rejecter
	// Auth authenticates requests. Nil: no authentication; the peer is the
	// verified TLS client certificate if any, else the remote address.
	Auth Authenticator
	// Limiter rate-limits peers, in messages. Nil: no limit.
	Limiter Limiter

	// Paths restricts the request paths served; others get 404. An entry
	// ending in "/" is a prefix. Empty: every path is served, as the draft
	// requires ("servers MUST cope with other paths").
	Paths []string
	// ContentTypes are media types accepted as JSON besides
	// application/json (e.g. a vendor type a legacy sender uses).
	ContentTypes []string
	// DisableBatches refuses JSON array bodies (strict draft mode).
	DisableBatches bool
	// DisableMultipart refuses multipart/mixed bodies with 415.
	DisableMultipart bool

	// MaxMessageBytes limits one message; default 1 MiB.
	MaxMessageBytes int64
	// MaxBatchBytes limits a whole batch body; default 16 MiB. It must be
	// at least MaxMessageBytes.
	MaxBatchBytes int64
	// MaxBatchItems limits the messages of one batch; default 1000.
	MaxBatchItems int

	// RetryAfter is sent with 503 when the cause gives no delay; default 5s.
	RetryAfter time.Duration
	// RateLimitStatus is the status for a peer over its rate: 429
	// (default) or 503 for senders that only know the draft's codes.
	RateLimitStatus int

	// Logger receives operational logs; never bodies or credentials.
	// Nil discards.
	Logger *slog.Logger
	// Registerer receives the handler's metrics. Nil: no metrics.
	Registerer prometheus.Registerer
}

// Handler is an http.Handler that receives IDMEFv2 messages per
// draft-lehmann-idmefv2-https-transport-05. See the package documentation
// for the status codes it answers.
type Handler struct {
	opts         Options
	contentTypes []string
	log          *slog.Logger
	metrics      *metrics
	challenges   []string
}

// NewHandler checks the options, fills in defaults and builds a Handler.
func NewHandler(opts Options) (*Handler, error) {
	if opts.Sink == nil {
		return nil, errors.New("transport handler: Options.Sink is required")
	}
	if opts.MaxMessageBytes < 0 || opts.MaxBatchBytes < 0 || opts.MaxBatchItems < 0 || opts.RetryAfter < 0 {
		return nil, errors.New("transport handler: size, count and duration limits must not be negative")
	}
	if opts.MaxMessageBytes == 0 {
		opts.MaxMessageBytes = 1 << 20
	}
	if opts.MaxBatchBytes == 0 {
		opts.MaxBatchBytes = max(16<<20, opts.MaxMessageBytes)
	}
	if opts.MaxBatchBytes < opts.MaxMessageBytes {
		return nil, fmt.Errorf("transport handler: MaxBatchBytes (%d) is less than MaxMessageBytes (%d)", opts.MaxBatchBytes, opts.MaxMessageBytes)
	}
	if opts.MaxBatchItems == 0 {
		opts.MaxBatchItems = 1000
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = 5 * time.Second
	}
	switch opts.RateLimitStatus {
	case 0:
		opts.RateLimitStatus = http.StatusTooManyRequests
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return nil, fmt.Errorf("transport handler: RateLimitStatus %d is neither 429 nor 503", opts.RateLimitStatus)
	}
	for _, p := range opts.Paths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("transport handler: path %q does not start with /", p)
		}
	}
	h := &Handler{opts: opts, log: opts.Logger}
	for _, ct := range opts.ContentTypes {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, fmt.Errorf("transport handler: content type %q: %w", ct, err)
		}
		switch mt {
		case "text/plain", "multipart/form-data", "application/x-www-form-urlencoded":
			// Browsers send these cross-site without a CORS preflight.
			return nil, fmt.Errorf("transport handler: content type %q would let web pages post alerts (no CORS preflight)", ct)
		}
		h.contentTypes = append(h.contentTypes, mt)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if c, ok := opts.Auth.(Challenger); ok {
		h.challenges = c.Challenges()
	}
	if len(h.challenges) == 0 {
		h.challenges = []string{`Bearer realm="idmefv2"`}
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("transport handler: %w", err)
	}
	h.metrics = m
	return h, nil
}

// reply is a response before it is written.
type reply struct {
	status     int
	body       *Response // nil: no body
	retryAfter time.Duration
	allow      bool // send Allow: POST
	challenge  bool // send WWW-Authenticate
}

func errReply(status int, msg string) *reply {
	return &reply{status: status, body: &Response{Error: msg}}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rep, peer := h.handle(w, r, start)
	h.write(w, rep)
	h.metrics.request(rep.status, time.Since(start))
	if rep.status >= 400 && rep.status < 500 && h.log.Enabled(r.Context(), slog.LevelDebug) {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "idmefv2 request refused",
			slog.Int("status", rep.status), slog.String("reason", rep.body.Error),
			slog.Any("peer", peer), slog.String("path", r.URL.Path))
	}
}

// handle runs the checks in the order that reveals least to an
// unauthenticated peer and does the cheap work first.
func (h *Handler) handle(w http.ResponseWriter, r *http.Request, received time.Time) (*reply, Peer) {
	peer := Peer{Addr: r.RemoteAddr}
	if !h.pathAllowed(r.URL.Path) {
		return errReply(http.StatusNotFound, "no IDMEFv2 endpoint at this path"), peer
	}
	if r.Method != http.MethodPost {
		rep := errReply(http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; send IDMEFv2 messages with POST")
		rep.allow = true
		return rep, peer
	}
	peer, rep := h.authenticate(r)
	if rep != nil {
		return rep, peer
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		return errReply(http.StatusNotAcceptable, "responses are only available as "+jsonType), peer
	}
	kind, boundary, why := h.contentKind(r.Header.Get("Content-Type"))
	if why != "" {
		return errReply(http.StatusUnsupportedMediaType, why), peer
	}
	if lengthRequired(r) {
		return errReply(http.StatusLengthRequired, "Content-Length or chunked Transfer-Encoding is required"), peer
	}
	body, rep := h.readBody(w, r)
	if rep != nil {
		return rep, peer
	}
	var (
		items []item
		batch = kind == bodyMultipart
	)
	if kind == bodyMultipart {
		items, rep = h.splitMultipart(body, boundary)
	} else {
		items, batch, rep = h.splitJSON(body)
	}
	if limited := h.limit(peer, max(1, len(items))); limited != nil {
		return limited, peer
	}
	if rep != nil {
		// The whole body was read and refused: keep it as a dead letter.
		h.deadLetter(r.Context(), []Rejection{{
			Message: Message{Data: body, Peer: peer, Received: received, Index: -1},
			Status:  rep.status, Reason: rep.body.Error,
		}})
		h.metrics.outcome(0, 1)
		return rep, peer
	}
	return h.deliver(r.Context(), peer, received, items, batch), peer
}

func (h *Handler) pathAllowed(p string) bool {
	if len(h.opts.Paths) == 0 {
		return true
	}
	for _, a := range h.opts.Paths {
		if p == a || (strings.HasSuffix(a, "/") && strings.HasPrefix(p, a)) {
			return true
		}
	}
	return false
}

func (h *Handler) authenticate(r *http.Request) (Peer, *reply) {
	if h.opts.Auth == nil {
		return connPeer(r), nil
	}
	p, err := h.opts.Auth.Authenticate(r)
	if err == nil {
		if p.Addr == "" {
			p.Addr = r.RemoteAddr
		}
		return p, nil
	}
	peer := Peer{Addr: r.RemoteAddr}
	switch {
	case errors.Is(err, ErrForbidden):
		return peer, errReply(http.StatusForbidden, "this peer is not allowed to send IDMEFv2 messages")
	case errors.Is(err, ErrUnauthenticated):
		rep := errReply(http.StatusUnauthorized, "authentication required")
		rep.challenge = true
		return peer, rep
	case errors.Is(err, ErrUnavailable):
		h.log.Warn("idmefv2 authentication unavailable", slog.Any("error", err))
		rep := errReply(http.StatusServiceUnavailable, "authentication is unavailable; retry later")
		rep.retryAfter = h.opts.RetryAfter
		return peer, rep
	}
	h.log.Error("idmefv2 authentication failed", slog.Any("error", err))
	return peer, errReply(http.StatusInternalServerError, "internal error")
}

func (h *Handler) limit(p Peer, n int) *reply {
	if h.opts.Limiter == nil {
		return nil
	}
	wait, ok := h.opts.Limiter.Allow(p, n)
	if ok {
		return nil
	}
	rep := errReply(h.opts.RateLimitStatus, "rate limit exceeded for this peer; retry later")
	rep.retryAfter = max(wait, time.Second)
	return rep
}

// deliver validates the messages, hands the valid ones to the sink and
// the invalid ones to the dead-letter hook, and builds the answer.
func (h *Handler) deliver(ctx context.Context, peer Peer, received time.Time, items []item, batch bool) *reply {
	accepted := make([]Message, 0, len(items))
	var rejected []Rejection
	for i, it := range items {
		msg := Message{Data: it.data, Peer: peer, Received: received, Index: i}
		res := ItemResult{Index: i, Status: http.StatusNoContent}
		if it.status != 0 {
			res.Status, res.Error = it.status, it.reason
		} else if h.opts.Validator != nil {
			v := h.opts.Validator.Validate(ctx, it.data)
			if v.OK {
				if v.Rewritten != nil {
					msg.Data = v.Rewritten
				}
				msg.Value = v.Value
			} else {
				res.Status, res.Error, res.Problems = http.StatusBadRequest, "invalid IDMEFv2 message", v.Problems
			}
		}
		if res.Status == http.StatusNoContent {
			accepted = append(accepted, msg)
		} else {
			rejected = append(rejected, Rejection{Message: msg, Status: res.Status, Reason: res.Error, Problems: res.Problems})
		}
	}
	if len(accepted) > 0 {
		if err := h.opts.Sink.Accept(ctx, accepted); err != nil {
			return h.sinkFailure(err, peer, len(accepted))
		}
	}
	h.metrics.outcome(len(accepted), len(rejected))
	if len(rejected) == 0 {
		return &reply{status: http.StatusNoContent}
	}
	var rep *reply
	if !batch {
		rj := rejected[0]
		rep = &reply{status: rj.Status, body: &Response{Error: rj.Reason, Problems: rj.Problems}}
	} else {
		// The result of every item, built only now that some are rejected
		// (and before the Rejecter sees the rejections).
		results := make([]ItemResult, len(items))
		for i := range results {
			results[i] = ItemResult{Index: i, Status: http.StatusNoContent}
		}
		for _, rj := range rejected {
			results[rj.Index] = ItemResult{Index: rj.Index, Status: rj.Status, Error: rj.Reason, Problems: rj.Problems}
		}
		rep = &reply{status: http.StatusBadRequest, body: &Response{
			Error: fmt.Sprintf("%d of %d messages rejected; the others were accepted", len(rejected), len(items)),
			Items: results,
		}}
	}
	h.deadLetter(ctx, rejected)
	return rep
}

func (h *Handler) sinkFailure(err error, peer Peer, n int) *reply {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrBackpressure) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		wait := h.opts.RetryAfter
		if ue, ok := errors.AsType[*UnavailableError](err); ok && ue.RetryAfter > 0 {
			wait = ue.RetryAfter
		}
		h.log.Warn("idmefv2 sink cannot take messages", slog.Any("error", err), slog.Any("peer", peer), slog.Int("messages", n))
		rep := errReply(http.StatusServiceUnavailable, "the receiver cannot take messages now; retry later")
		rep.retryAfter = wait
		return rep
	}
	h.log.Error("idmefv2 sink failed", slog.Any("error", err), slog.Any("peer", peer), slog.Int("messages", n))
	return errReply(http.StatusInternalServerError, "internal error; the messages were not accepted")
}

func (h *Handler) deadLetter(ctx context.Context, rejected []Rejection) {
	if h.opts.Rejecter == nil {
		return
	}
	if err := h.opts.Rejecter.Reject(ctx, rejected); err != nil {
		h.metrics.deadLetterFailed()
		h.log.Error("idmefv2 dead-letter hook failed", slog.Any("error", err),
			slog.Any("peer", rejected[0].Peer), slog.Int("rejected", len(rejected)))
	}
}

func (h *Handler) write(w http.ResponseWriter, rep *reply) {
	hdr := w.Header()
	if rep.allow {
		hdr.Set("Allow", http.MethodPost)
	}
	if rep.challenge {
		for _, c := range h.challenges {
			hdr.Add("WWW-Authenticate", c)
		}
	}
	if rep.retryAfter > 0 {
		hdr.Set("Retry-After", strconv.FormatInt(int64((rep.retryAfter+time.Second-1)/time.Second), 10))
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	b, err := json.Marshal(rep.body)
	if err != nil { // cannot happen: Response holds only strings and numbers
		b = []byte(`{"error":"internal error"}`)
	}
	b = append(b, '\n')
	hdr.Set("Content-Type", jsonType)
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

func (h *Handler) bodyLimit() int64 {
	if h.opts.DisableBatches && h.opts.DisableMultipart {
		return h.opts.MaxMessageBytes
	}
	return h.opts.MaxBatchBytes
}
