package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Validate checks every setting and returns an *Error listing all the
// problems, each naming its setting path and value; nil when c is usable.
func (c *Config) Validate() error {
	v := &validator{}
	if c.Version != CurrentVersion {
		v.add("version", c.Version, fmt.Sprintf("this Vigie reads configuration version %d only", CurrentVersion))
	}
	if c.DataDir == "" {
		v.add("data_dir", "", "must not be empty")
	}
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "json", "text")
	c.validateIngest(v)
	c.validateInputs(v)
	c.validateHTTP(v)
	c.validateAuth(v)
	c.validateBus(v)
	c.validateStore(v)
	v.atLeast("pipeline.workers", c.Pipeline.Workers, 0)
	v.atLeast("pipeline.fetch_batch", c.Pipeline.FetchBatch, 1)
	if c.Pipeline.MaxLag < 0 {
		v.add("pipeline.max_lag", fmt.Sprint(c.Pipeline.MaxLag), "must be 0 (no limit) or more")
	}
	if c.Pipeline.MaxLatency < 0 {
		v.add("pipeline.max_latency", c.Pipeline.MaxLatency.String(), "must be 0 (no latency bound) or more")
	}
	if w := c.Pipeline.MaxAdmissionWait; w < 0 || w.Std() > MaxAdmissionWait {
		v.add("pipeline.max_admission_wait", w.String(), "must be between 0 (answer 503 at once) and "+MaxAdmissionWait.String())
	}
	v.positive("pipeline.shutdown_timeout", c.Pipeline.ShutdownTimeout)
	c.validateCorrelation(v)
	c.validateEnrich(v)
	if c.Runtime.GCPercent < -1 || (c.Runtime.GCPercent == -1 && c.Runtime.MemoryLimit == 0) {
		v.add("runtime.gc_percent", fmt.Sprint(c.Runtime.GCPercent), "must be 0 or more, or -1 with runtime.memory_limit set")
	}
	if c.Runtime.MemoryLimit < 0 {
		v.add("runtime.memory_limit", fmt.Sprint(c.Runtime.MemoryLimit), "must be 0 (none) or more")
	}
	if c.Metrics.Addr != "" {
		v.addr("metrics.addr", c.Metrics.Addr)
	}
	if c.Demo.Rate <= 0 {
		v.add("demo.rate", c.Demo.Rate, "must be more than 0 alerts per second")
	}
	c.validateListeners(v)
	if len(v.probs) == 0 {
		return nil
	}
	return &Error{Problems: v.probs}
}

func (c *Config) validateIngest(v *validator) {
	in := c.Ingest
	v.addr("ingest.addr", in.Addr)
	v.oneOf("ingest.auth", in.Auth, IngestAuthToken, IngestAuthNone)
	v.tls("ingest.tls", in.TLS)
	if in.RateLimit.Rate < 0 {
		v.add("ingest.rate_limit.rate", in.RateLimit.Rate, "must be 0 (no limit) or more")
	}
	if in.RateLimit.Rate > 0 {
		v.atLeast("ingest.rate_limit.burst", in.RateLimit.Burst, 1)
	}
	v.atLeast("ingest.rate_limit.max_sensors", in.RateLimit.MaxSensors, 1)
	v.atLeast("ingest.max_message_bytes", int64(in.MaxMessageBytes), 1)
	if in.MaxBatchBytes < in.MaxMessageBytes {
		v.add("ingest.max_batch_bytes", in.MaxBatchBytes, fmt.Sprintf("must be at least ingest.max_message_bytes (%s)", in.MaxMessageBytes))
	}
	v.atLeast("ingest.max_batch_items", in.MaxBatchItems, 1)
	if in.Drafts.Lenient && !in.Drafts.Upgrade {
		v.add("ingest.drafts.lenient", true, "needs ingest.drafts.upgrade: lenient repairs happen while upgrading")
	}
}

func (c *Config) validateHTTP(v *validator) {
	h := c.HTTP
	v.addr("http.addr", h.Addr)
	v.tls("http.tls", h.TLS)
	for i, p := range h.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			v.add(fmt.Sprintf("http.trusted_proxies[%d]", i), p, "want an IP address or a CIDR prefix such as 10.0.0.0/8")
		}
	}
	v.positive("http.session.lifetime", h.Session.Lifetime)
	v.positive("http.session.idle_timeout", h.Session.IdleTimeout)
	if h.Session.IdleTimeout > h.Session.Lifetime {
		v.add("http.session.idle_timeout", h.Session.IdleTimeout, fmt.Sprintf("must not exceed http.session.lifetime (%s)", h.Session.Lifetime))
	}
	v.oneOf("http.session.cookie_secure", h.Session.CookieSecure, CookieSecureAuto, CookieSecureAlways, CookieSecureNever)
}

// ParseTrustedProxies parses http.trusted_proxies (addresses or prefixes).
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("http.trusted_proxies[%d] = %q: %w", i, s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (c *Config) validateAuth(v *validator) {
	a := c.Auth
	// 8 is the floor NIST SP 800-63B sets for user-chosen passwords.
	if a.PasswordMinLength < 8 || a.PasswordMinLength > 128 {
		v.add("auth.password_min_length", a.PasswordMinLength, "must be between 8 and 128")
	}
	if a.Argon2.Memory < 8*MiB || a.Argon2.Memory > 4*GiB {
		v.add("auth.argon2.memory", a.Argon2.Memory, "must be between 8MiB and 4GiB")
	}
	if a.Argon2.Iterations < 1 || a.Argon2.Iterations > 100 {
		v.add("auth.argon2.iterations", a.Argon2.Iterations, "must be between 1 and 100")
	}
	if a.Argon2.Parallelism < 1 || a.Argon2.Parallelism > 255 {
		v.add("auth.argon2.parallelism", a.Argon2.Parallelism, "must be between 1 and 255")
	}
	v.atLeast("auth.login.max_failures", a.Login.MaxFailures, 1)
	v.positive("auth.login.window", a.Login.Window)
	v.positive("auth.login.lockout", a.Login.Lockout)
	if a.TokenMaxLifetime < 0 {
		v.add("auth.token_max_lifetime", a.TokenMaxLifetime, "must be 0 (no cap) or more")
	}
}

func (c *Config) validateBus(v *validator) {
	b := c.Bus
	v.oneOf("bus.engine", b.Engine, BusNATS)
	for u := range strings.SplitSeq(b.URL, ",") {
		if b.URL == "" {
			break
		}
		pu, err := url.Parse(strings.TrimSpace(u))
		if err != nil || pu.Host == "" || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, pu.Scheme) {
			v.add("bus.url", redactURL(u), "want nats://host:port (or tls://, ws://, wss://), comma-separated for a cluster")
			break
		}
	}
	if b.CredsFile != "" && b.URL == "" {
		v.add("bus.creds_file", b.CredsFile, "only applies to an external server: set bus.url too")
	}
	if !validSubjectToken(b.SubjectPrefix) {
		v.add("bus.subject_prefix", b.SubjectPrefix, "want letters, digits, '-' and '_' (one or more, no dots, spaces or wildcards)")
	}
	v.atLeast("bus.stream.max_bytes", int64(b.Stream.MaxBytes), 1*int64(MiB))
	v.atLeast("bus.stream.max_msgs", b.Stream.MaxMsgs, 0)
	if b.Stream.MaxAge < 0 {
		v.add("bus.stream.max_age", b.Stream.MaxAge, "must be 0 (no limit) or more")
	}
	if b.Stream.DedupWindow < 0 {
		v.add("bus.stream.dedup_window", b.Stream.DedupWindow, "must be 0 (no deduplication) or more")
	}
	if b.Stream.MaxAge > 0 && b.Stream.DedupWindow > b.Stream.MaxAge {
		v.add("bus.stream.dedup_window", b.Stream.DedupWindow, fmt.Sprintf("must not exceed bus.stream.max_age (%s)", b.Stream.MaxAge))
	}
	v.positive("bus.ack_wait", b.AckWait)
	v.atLeast("bus.max_deliver", b.MaxDeliver, 1)
}

// redactURL hides a password in a URL before it goes into a message.
func redactURL(s string) string {
	if u, err := url.Parse(strings.TrimSpace(s)); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// validSubjectToken accepts one NATS subject token that is also a valid
// stream-name part.
func validSubjectToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '-' && r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func (c *Config) validateStore(v *validator) {
	s := c.Store
	v.oneOf("store.engine", s.Engine, StoreSQLite)
	if s.Retention.MaxAge < 0 {
		v.add("store.retention.max_age", s.Retention.MaxAge, "must be 0 (keep forever) or more")
	}
	if s.Retention.MaxSize < 0 {
		v.add("store.retention.max_size", s.Retention.MaxSize, "must be 0 (no limit) or more")
	}
	v.positive("store.retention.interval", s.Retention.Interval)
	v.atLeast("store.batch_size", s.BatchSize, 1)
	v.positive("store.flush_interval", s.FlushInterval)
}

// validateListeners refuses two listeners on the same address.
func (c *Config) validateListeners(v *validator) {
	seen := map[string]string{}
	for _, l := range []struct{ path, addr string }{
		{"ingest.addr", c.Ingest.Addr}, {"http.addr", c.HTTP.Addr}, {"metrics.addr", c.Metrics.Addr}, {"inputs.syslog.tcp_addr", c.syslogTCP()},
	} {
		if l.addr == "" || strings.HasSuffix(l.addr, ":0") { // port 0: the system picks a free port each time
			continue
		}
		if other, dup := seen[l.addr]; dup {
			v.add(l.path, l.addr, "is the same address as "+other)
		}
		seen[l.addr] = l.path
	}
}

// validator collects problems.
type validator struct{ probs []Problem }

func (v *validator) add(path string, value any, msg string) {
	v.probs = append(v.probs, Problem{Path: path, Value: fmt.Sprint(value), Msg: msg, Err: ErrInvalid})
}

func (v *validator) oneOf(path, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		v.add(path, value, "want one of: "+strings.Join(allowed, ", "))
	}
}

func (v *validator) atLeast(path string, value any, lowest int64) {
	var n int64
	switch x := value.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	}
	if n < lowest {
		v.add(path, value, "must be at least "+strconv.FormatInt(lowest, 10))
	}
}

func (v *validator) positive(path string, d Duration) {
	if d <= 0 {
		v.add(path, d, "must be more than 0")
	}
}

func (v *validator) addr(path, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(path, addr, "want host:port, e.g. :4690 or 127.0.0.1:4690")
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add(path, addr, "port must be a number from 0 to 65535")
	}
	if strings.ContainsAny(host, " /") {
		v.add(path, addr, "host must be an IP address or a name")
	}
}

func (v *validator) tls(path string, t TLS) {
	if (t.Cert == "") != (t.Key == "") {
		v.add(path+".cert", t.Cert, "cert and key go together: set both or neither")
	}
	if t.ClientCA != "" && t.Cert == "" {
		v.add(path+".client_ca", t.ClientCA, "mutual TLS needs TLS: set cert and key too")
	}
	if t.ClientCertOptional && t.ClientCA == "" {
		v.add(path+".client_cert_optional", true, "only applies with client_ca")
	}
	if (len(t.AllowFingerprints) > 0 || len(t.AllowDNSNames) > 0) && t.ClientCA == "" {
		v.add(path+".client_ca", "", "allow_fingerprints and allow_dns_names need client_ca")
	}
	for i, fp := range t.AllowFingerprints {
		h := strings.ReplaceAll(fp, ":", "")
		if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
			v.add(fmt.Sprintf("%s.allow_fingerprints[%d]", path, i), fp, "want a SHA-256 fingerprint: 64 hex digits, colons allowed")
		}
	}
	for i, n := range t.AllowDNSNames {
		if n == "" || strings.Contains(n, "*") || strings.ContainsAny(n, " /:") {
			v.add(fmt.Sprintf("%s.allow_dns_names[%d]", path, i), n, "want an exact DNS name (no wildcards)")
		}
	}
}
