package config

// CurrentVersion is the only configuration file version this Vigie reads.
const CurrentVersion = 1

// Config is the whole configuration of a Vigie process. Every field has a
// default (see Default); the YAML keys are the setting paths used in error
// messages, documentation and environment overrides.
type Config struct {
	// Version is the file format version; it must be CurrentVersion.
	Version int `yaml:"version"`
	// DataDir holds everything stateful (bus storage, store database)
	// unless a path below says otherwise.
	DataDir     string      `yaml:"data_dir" vigie:"path"`
	Log         Log         `yaml:"log"`
	Ingest      Ingest      `yaml:"ingest"`
	Inputs      Inputs      `yaml:"inputs"`
	Events      Events      `yaml:"events"`
	HTTP        HTTP        `yaml:"http"`
	Auth        Auth        `yaml:"auth"`
	Bus         Bus         `yaml:"bus"`
	Store       Store       `yaml:"store"`
	Pipeline    Pipeline    `yaml:"pipeline"`
	Enrich      Enrich      `yaml:"enrich"`
	Correlation Correlation `yaml:"correlation"`
	Metrics     Metrics     `yaml:"metrics"`
	Demo        Demo        `yaml:"demo"`
	Runtime     Runtime     `yaml:"runtime"`
}

// Runtime tunes the Go runtime of `vigie serve` and `vigie demo`. The GOGC
// and GOMEMLIMIT environment variables, when set, take precedence.
type Runtime struct {
	// GCPercent is the garbage collector's target heap growth (GOGC):
	// higher spends less CPU on collection for more memory. -1 turns the
	// collector off (with MemoryLimit only).
	GCPercent int `yaml:"gc_percent"`
	// MemoryLimit is a soft limit on the process's Go memory (GOMEMLIMIT);
	// the collector works harder near it. 0: none.
	MemoryLimit ByteSize `yaml:"memory_limit"`
}

// Log configures the process logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is json or text.
	Format string `yaml:"format"`
}

// TLS configures a listener's TLS. Empty Cert and Key mean plain HTTP.
type TLS struct {
	// Cert and Key are PEM files (the chain, then its private key).
	Cert string `yaml:"cert" vigie:"path"`
	Key  string `yaml:"key" vigie:"path"`
	// ClientCA is a PEM bundle; when set, client certificates are
	// verified against it (mutual TLS).
	ClientCA string `yaml:"client_ca" vigie:"path"`
	// ClientCertOptional lets clients without a certificate in (they must
	// then authenticate otherwise, e.g. with a token).
	ClientCertOptional bool `yaml:"client_cert_optional"`
	// AllowFingerprints and AllowDNSNames restrict which verified client
	// certificates are accepted (SHA-256 hex of the leaf; exact DNS SAN).
	// Both empty: any certificate that verifies.
	AllowFingerprints []string `yaml:"allow_fingerprints"`
	AllowDNSNames     []string `yaml:"allow_dns_names"`
}

// Enabled reports whether the listener serves TLS.
func (t TLS) Enabled() bool { return t.Cert != "" }

// Ingest configures the IDMEFv2 HTTP receiver for sensors.
type Ingest struct {
	// Addr is the listen address, host:port.
	Addr string `yaml:"addr"`
	// Auth is "token" (sensors present an API token; a verified client
	// certificate also counts when tls.client_ca is set) or "none"
	// (explicit opt-out, logged at start).
	Auth            string    `yaml:"auth"`
	TLS             TLS       `yaml:"tls"`
	RateLimit       RateLimit `yaml:"rate_limit"`
	MaxMessageBytes ByteSize  `yaml:"max_message_bytes"`
	MaxBatchBytes   ByteSize  `yaml:"max_batch_bytes"`
	MaxBatchItems   int       `yaml:"max_batch_items"`
	Drafts          Drafts    `yaml:"drafts"`
}

// RateLimit is a token bucket per sensor, counted in messages.
type RateLimit struct {
	// Rate is messages per second per sensor; 0 disables the limit.
	Rate float64 `yaml:"rate"`
	// Burst is how many messages a sensor may send at once.
	Burst int `yaml:"burst"`
	// MaxSensors bounds the sensors tracked at once.
	MaxSensors int `yaml:"max_sensors"`
}

// Drafts says what ingest does with messages of older IDMEFv2 drafts.
type Drafts struct {
	// Upgrade converts older drafts to the current one; when false they
	// are refused (dead-lettered).
	Upgrade bool `yaml:"upgrade"`
	// Lenient repairs the common defects of connector output while
	// upgrading (a timestamp without a zone, a missing CreateTime…)
	// instead of refusing the message; each repair is logged.
	Lenient bool `yaml:"lenient"`
}

// HTTP configures the listener of the web UI and the REST API.
type HTTP struct {
	Addr string `yaml:"addr"`
	TLS  TLS    `yaml:"tls"`
	// TrustedProxies are addresses or CIDR prefixes of reverse proxies
	// whose X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	Session        Session  `yaml:"session"`
}

// Session configures UI login sessions.
type Session struct {
	// Lifetime is the absolute lifetime of a session.
	Lifetime Duration `yaml:"lifetime"`
	// IdleTimeout ends a session unused for that long.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// CookieSecure is auto (Secure when http.tls is on or a trusted proxy
	// says https), always or never.
	CookieSecure string `yaml:"cookie_secure"`
}

// Auth configures credentials and brute-force protection.
type Auth struct {
	// PasswordMinLength is the minimum password length in characters.
	PasswordMinLength int    `yaml:"password_min_length"`
	Argon2            Argon2 `yaml:"argon2"`
	Login             Login  `yaml:"login"`
	// TokenMaxLifetime caps the lifetime of new API tokens; 0: tokens may
	// never expire.
	TokenMaxLifetime Duration `yaml:"token_max_lifetime"`
}

// Argon2 sets the argon2id cost of new password hashes. Existing hashes
// with other parameters are upgraded at the next successful login.
type Argon2 struct {
	Memory      ByteSize `yaml:"memory"`
	Iterations  int      `yaml:"iterations"`
	Parallelism int      `yaml:"parallelism"`
}

// Login configures the lockout after repeated failed logins, counted per
// user and client address.
type Login struct {
	// MaxFailures within Window locks the pair out for Lockout.
	MaxFailures int      `yaml:"max_failures"`
	Window      Duration `yaml:"window"`
	Lockout     Duration `yaml:"lockout"`
}

// Bus configures the message bus between ingest and the pipeline stages.
type Bus struct {
	// Engine is "nats" (JetStream).
	Engine string `yaml:"engine"`
	// URL of an external NATS server or cluster (comma-separated URLs);
	// empty runs an embedded server in the process. ${VAR} is expanded.
	URL string `yaml:"url" vigie:"expand"`
	// CredsFile is a NATS credentials file for an external server.
	CredsFile string `yaml:"creds_file" vigie:"path"`
	// Dir is the embedded server's storage; empty: <data_dir>/bus.
	Dir string `yaml:"dir" vigie:"path"`
	// SubjectPrefix starts every subject and stream name (e.g. vigie.alerts.in).
	SubjectPrefix string `yaml:"subject_prefix"`
	Stream        Stream `yaml:"stream"`
	// AckWait is how long a consumer has to acknowledge a message before
	// it is delivered again.
	AckWait Duration `yaml:"ack_wait"`
	// MaxDeliver is how many times a message is delivered before it goes
	// to the dead letters.
	MaxDeliver int `yaml:"max_deliver"`
	// Pack stores the alerts of one ingest request (or one stage batch)
	// as a few bus messages instead of one each: far less bus work per
	// alert. De-duplication on the bus is then by batch; the store is
	// idempotent by alert ID either way.
	Pack bool `yaml:"pack"`
	// CompressPacks stores packs compressed (S2): about a fifth of the
	// bytes, so less for the bus to copy and write. Turn it off while
	// Vigie versions that predate it consume the same bus.
	CompressPacks bool `yaml:"compress_packs"`
}

// Stream sets the limits of each JetStream stream. When a limit is hit,
// publishers get back-pressure (ingest answers 503), nothing is discarded.
type Stream struct {
	MaxBytes ByteSize `yaml:"max_bytes"`
	// MaxMsgs 0: no limit on the count.
	MaxMsgs int64    `yaml:"max_msgs"`
	MaxAge  Duration `yaml:"max_age"`
	// DedupWindow drops a re-published message with the same ID within it.
	DedupWindow Duration `yaml:"dedup_window"`
}

// Store configures the alert store.
type Store struct {
	// Engine is "sqlite".
	Engine string `yaml:"engine"`
	// Path of the SQLite database; empty: <data_dir>/vigie.db.
	Path      string    `yaml:"path" vigie:"path"`
	Retention Retention `yaml:"retention"`
	// BatchSize is the most alerts written per transaction.
	BatchSize int `yaml:"batch_size"`
	// FlushInterval is the longest an alert waits for its batch.
	FlushInterval Duration `yaml:"flush_interval"`
}

// Retention removes the oldest alerts. 0 disables a limit.
type Retention struct {
	MaxAge  Duration `yaml:"max_age"`
	MaxSize ByteSize `yaml:"max_size"`
	// Interval between retention passes.
	Interval Duration `yaml:"interval"`
}

// Pipeline configures the stage consumers.
type Pipeline struct {
	// Workers is how many batches each stage handles at once (one is
	// gathered while another is written); 0: 2.
	Workers int `yaml:"workers"`
	// FetchBatch is the most messages a stage gathers into one batch;
	// the store stage also stops at store.batch_size.
	FetchBatch int `yaml:"fetch_batch"`
	// MaxLag is the most messages a stage may have pending before ingest
	// answers 503 (Retry-After) to new alerts, whatever the drain rate: a
	// hard cap. 0: no limit.
	MaxLag int64 `yaml:"max_lag"`
	// MaxLatency is the longest the stages may need, at their measured
	// drain rates, to work off their backlog before ingest answers 503
	// (Retry-After) to new alerts: it bounds the time from acknowledgement
	// to queryable under overload. 0: no latency bound.
	MaxLatency Duration `yaml:"max_latency"`
	// MaxAdmissionWait is the longest ingest holds a request while the
	// stages are behind (max_lag, max_latency), waiting for room, before
	// it answers 503 (Retry-After). 0: answer 503 at once.
	MaxAdmissionWait Duration `yaml:"max_admission_wait"`
	// ShutdownTimeout bounds the graceful drain at shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
}

// Metrics configures /metrics, /healthz and /readyz.
type Metrics struct {
	// Enabled serves Prometheus metrics.
	Enabled bool `yaml:"enabled"`
	// Addr is a separate listener for /metrics, /healthz and /readyz;
	// empty serves them on http.addr.
	Addr string `yaml:"addr"`
	// RequireAuth asks for credentials allowed to read metrics. The
	// health endpoints never need any.
	RequireAuth bool `yaml:"require_auth"`
}

// Demo configures the traffic generator of `vigie demo`.
type Demo struct {
	// Rate is generated messages per second, split half and half between
	// HTTP alerts and syslog lines (all HTTP when syslog is off).
	Rate float64 `yaml:"rate"`
}
