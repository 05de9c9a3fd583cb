package nats

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Options configures Open. The zero value is invalid only because an
// embedded bus needs DataDir; every other field has a default.
type Options struct {
	// URL of an external NATS server or cluster ("nats://host:4222", several
	// separated by commas). Empty means: run an embedded server.
	URL string
	// DataDir is the data directory; the embedded server stores its streams
	// under DataDir/nats. Required when URL is empty, unused otherwise.
	DataDir string
	// MaxStore caps the embedded server's JetStream file storage in bytes
	// (default: the server's own, a share of the free disk).
	MaxStore int64

	// Prefix, when set, is prepended to every subject ("<Prefix>.alerts.in")
	// and stream name, to isolate tenants or tests on a shared server.
	Prefix string
	// Streams to create or update at Open (default bus.DefaultStreams()).
	Streams []bus.Stream
	// Replicas per stream on an external cluster (default 1).
	Replicas int

	// Token authenticates to an external server. Never logged.
	Token string
	// CredsFile is a NATS credentials file (JWT + nkey seed) for an external
	// server.
	CredsFile string
	// TLS, when set, is used for the connection to an external server.
	TLS *tls.Config

	// Name identifies the connection in the server's monitoring (default
	// "vigie").
	Name string
	// ConnectTimeout bounds connecting and the embedded server's start
	// (default 10 s).
	ConnectTimeout time.Duration
	// RequestTimeout bounds each JetStream request, publish acknowledgement
	// and consumer acknowledgement when the caller's context has no earlier
	// deadline (default 5 s).
	RequestTimeout time.Duration

	// Logger receives the bus's and the embedded server's logs (default:
	// discard).
	Logger *slog.Logger
	// Registerer receives the bus metrics (default: none).
	Registerer prometheus.Registerer

	// Pack makes PublishBatch store the messages of a call that share a
	// subject as a few NATS messages instead of one each (see pack.go):
	// much cheaper per message, at the price of de-duplication by pack
	// rather than by message (a message published once alone and once in a
	// pack is stored twice; a retried PublishBatch call is still recognised).
	// Consumers unpack whatever they receive, packed or not.
	Pack bool
	// MaxPack bounds the messages of one pack (default and maximum 65535).
	MaxPack int
	// CompressPacks stores packs compressed with S2 (see pack.go): about a
	// fifth of the bytes for alerts. Consumers read both forms; a consumer
	// of a Vigie older than compressed packs does not (it dead-letters them
	// as malformed), so turn it off while such consumers share the bus.
	CompressPacks bool
}

func (o Options) withDefaults() Options {
	if o.Streams == nil {
		o.Streams = bus.DefaultStreams()
	} else {
		o.Streams = slices.Clone(o.Streams) // the caller's slice stays untouched
	}
	for i := range o.Streams {
		o.Streams[i] = o.Streams[i].WithDefaults()
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Name == "" {
		o.Name = "vigie"
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxPack <= 0 || o.MaxPack > maxPackMembers {
		o.MaxPack = maxPackMembers
	}
	return o
}

func (o Options) validate() error {
	if o.URL == "" && o.DataDir == "" {
		return fmt.Errorf("nats bus options: DataDir: required for the embedded server (or set URL)")
	}
	if o.Prefix != "" {
		if err := bus.ValidateSubject(o.Prefix); err != nil {
			return fmt.Errorf("nats bus options: Prefix: %w", err)
		}
	}
	if len(o.Streams) == 0 {
		return fmt.Errorf("nats bus options: Streams: at least one stream is needed")
	}
	seen := make(map[string]bool, len(o.Streams))
	for i, s := range o.Streams {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("nats bus options: Streams[%d]: %w", i, err)
		}
		if seen[s.Subject] {
			return fmt.Errorf("nats bus options: Streams[%d]: subject %s declared twice", i, s.Subject)
		}
		seen[s.Subject] = true
	}
	switch {
	case o.Replicas < 1 || o.Replicas > 5:
		return fmt.Errorf("nats bus options: Replicas %d: must be between 1 and 5", o.Replicas)
	case o.ConnectTimeout < 0:
		return fmt.Errorf("nats bus options: ConnectTimeout %v: must not be negative", o.ConnectTimeout)
	case o.RequestTimeout < 0:
		return fmt.Errorf("nats bus options: RequestTimeout %v: must not be negative", o.RequestTimeout)
	}
	return nil
}

// LogValue redacts the token and any password in the URL.
func (o Options) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("url", redactURLs(o.URL)),
		slog.String("data_dir", o.DataDir),
		slog.String("prefix", o.Prefix),
		slog.Int("streams", len(o.Streams)),
		slog.Int("replicas", o.Replicas),
		slog.Bool("tls", o.TLS != nil),
		slog.String("creds_file", o.CredsFile),
	}
	if o.Token != "" {
		attrs = append(attrs, slog.String("token", "REDACTED"))
	}
	return slog.GroupValue(attrs...)
}

// redactURLs hides user information in a comma-separated URL list.
func redactURLs(list string) string {
	if list == "" {
		return ""
	}
	parts := strings.Split(list, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "<unparsable URL>"
			continue
		}
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
