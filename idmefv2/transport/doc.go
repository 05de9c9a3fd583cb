// Package transport carries IDMEFv2 messages over HTTP(S) as specified by
// draft-lehmann-idmefv2-https-transport-05: a receiving http.Handler, a
// sending Client with retries, a Batcher, and the TLS configurations the
// draft requires. It does not depend on the idmefv2 model: validation,
// storage, authentication and rate limiting are plugged in through small
// interfaces (Validator, Sink, Rejecter, Authenticator, Limiter).
//
// # Receiving
//
// A Handler answers, in this order of checks:
//
//	404  the path is not in Options.Paths (when set; by default every path
//	     is served, as the draft requires servers to cope with any path)
//	405  a method other than POST, with "Allow: POST"
//	401  Options.Auth reports missing or wrong credentials, with
//	     WWW-Authenticate challenges; 403 when the peer is known but not
//	     allowed
//	406  the Accept header admits no application/json (absent, */*,
//	     application/*, application/json are fine; q=0 refuses)
//	415  Content-Type is not application/json (parameters allowed,
//	     charset only utf-8), multipart/mixed or one of
//	     Options.ContentTypes
//	411  an HTTP/1.x request with neither Content-Length nor chunked
//	     Transfer-Encoding (chunked bodies are accepted, as the draft
//	     requires)
//	413  the body exceeds MaxBatchBytes (refused before reading when
//	     Content-Length says so)
//	429  the peer exceeds its rate (Options.Limiter, counted in messages
//	     once the body is split), with Retry-After
//	413  a single message exceeds MaxMessageBytes, or a batch has more
//	     than MaxBatchItems messages
//	400  the body is empty, malformed JSON (the answer gives the byte
//	     offset), not an object or array, or the message is invalid (the
//	     answer lists the Validator's problems)
//	503  the Sink is full or unavailable (ErrBackpressure,
//	     ErrUnavailable), with Retry-After; nothing was accepted
//	500  any other Sink failure; the body says only "internal error"
//	204  every message was accepted by the Sink
//
// Every non-2xx answer has a JSON body {"error": "..."} (type Response),
// as in the draft's examples, also for 406 since a client that refuses
// JSON still needs a reason. 2xx is sent only after Sink.Accept returned
// nil, so a Sink must return only once the messages are durable: the
// draft makes 2xx an acknowledgement.
//
// Why 429 for rate limits: the draft lists 503 for overload, which says
// "the receiver is in trouble"; a per-peer limit says "you are sending too
// fast" while other peers are served, which is what 429 (RFC 6585) means.
// Both carry Retry-After and every retrying client (including this
// package's) treats them alike. Options.RateLimitStatus selects 503 for
// senders that only know the draft's codes. Whole-receiver overload (the
// Sink's ErrBackpressure) is always 503, as the draft says.
//
// # Batches
//
// The draft sends one message per request and has no batch. For
// compatibility with today's senders the Handler also accepts, unless
// disabled, a JSON array of messages (what Concerto's Logstash input
// accepts) and a multipart/mixed body with one application/json message
// per part (python-idmefv2-transport). Each element is checked on its own:
//
//   - A syntax error anywhere in a JSON array refuses the whole request
//     (400 with the offset): element boundaries cannot be trusted.
//   - Every valid element goes to the Sink in one Accept call; if it fails,
//     the whole request is answered 503/500 and the sender re-sends all.
//   - If every element was accepted: 204.
//   - If some were rejected (invalid 400, too big 413, wrong part type
//     415): 400, with Response.Items giving for every element, in order,
//     its index, the status a single request would have received (204 for
//     accepted ones), the error and the problems. The accepted elements
//     ARE stored: the sender must not re-send them. 400 (not 207) keeps
//     simple senders that only test for 2xx from believing everything
//     was stored, and is final, so no client retries the whole batch.
//
// # Dead letters
//
// Whatever the Handler read and refused with 400, 413 or 415 (whole
// malformed bodies and single rejected messages alike) is passed to
// Options.Rejecter with the reason, the problems and the Peer, after the
// Sink accepted the valid messages of the same request, so that nothing
// is dropped silently. Requests refused before or while the body is read
// (404 to 411, bodies over MaxBatchBytes) carry no message; they are
// counted in metrics and logged at debug level.
//
// # Media types
//
// Only application/json is accepted by default: it is the draft's
// recommended type and the one every known sender uses; no
// IDMEFv2-specific media type is registered. Options.ContentTypes admits
// others (e.g. a vendor's type) as JSON. Neither text/plain nor
// multipart/form-data is ever read: browsers send those cross-site without
// a CORS preflight, so accepting them would let any web page inject alerts
// through an analyst's browser.
//
// # Plugging in a SIEM
//
// An ingest service wires its own parts into Options without changing the
// Handler: an Authenticator that looks up sensor API tokens (TLSPeer gives
// the mTLS identity), a RateLimiter per sensor (or its own Limiter), a
// Validator that also upgrades older drafts (Verdict.Rewritten) and hands
// the decoded alert on (Verdict.Value → Message.Value), a Sink that
// publishes to the bus and returns once the bus acknowledged, and a
// Rejecter that writes to the dead-letter store.
//
// # TLS
//
// ServerTLSConfig and ClientTLSConfig give TLS 1.3 only (all its cipher
// suites have forward secrecy), HTTP/2 and HTTP/1.1 by ALPN, mutual TLS,
// and a PeerAllowList of certificates by SHA-256 fingerprint or exact DNS
// name (never wildcards nor the common name). NewServer builds an
// http.Server with every timeout set that never offers h2c.
//
// # Sending
//
// Client posts messages with keep-alive, HTTP/2 over TLS, optional mutual
// TLS, bearer or Basic credentials, a timeout per attempt, and retries with
// exponential back-off and jitter on network errors, 408, 429 and 5xx,
// honouring Retry-After, within MaxAttempts and the caller's context.
// Other answers are final: a *RejectedError carries the receiver's
// problems or per-message results. Delivery is at least once: a request
// whose answer was lost is sent again, so receivers should treat a
// repeated message ID as the same alert. Batcher groups messages by count and
// delay and sends them as arrays or one per request, with bounded
// concurrency.
package transport
