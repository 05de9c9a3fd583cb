package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

// clientFlags are the connection flags of the commands that send messages.
// Secrets can come from the environment so that they stay out of shell
// history and process listings.
type clientFlags struct {
	url          string
	token        string
	user         string
	password     string
	caFile       string
	certFile     string
	keyFile      string
	serverName   string
	batch        int
	single       bool
	concurrency  int
	maxAttempts  int
	allowFingers []string
}

func (f *clientFlags) register(cmd *cobra.Command, urlRequired bool) {
	fs := cmd.Flags()
	fs.StringVar(&f.url, "url", "", "receiver URL, e.g. https://siem.example:4690/")
	fs.StringVar(&f.token, "token", "", "bearer token (default $VIGIE_TOKEN)")
	fs.StringVar(&f.user, "user", "", "HTTP Basic user name")
	fs.StringVar(&f.password, "password", "", "HTTP Basic password (default $VIGIE_PASSWORD)")
	fs.StringVar(&f.caFile, "ca", "", "PEM file of the CAs that sign the receiver's certificate (default: system roots)")
	fs.StringVar(&f.certFile, "cert", "", "PEM client certificate, for mutual TLS")
	fs.StringVar(&f.keyFile, "key", "", "PEM client key, for mutual TLS")
	fs.StringVar(&f.serverName, "server-name", "", "expected DNS name in the receiver's certificate (default: the URL's host)")
	fs.StringSliceVar(&f.allowFingers, "allow-fingerprint", nil, "accept only receivers whose certificate has this SHA-256 fingerprint (repeatable)")
	fs.IntVar(&f.batch, "batch", 100, "messages per request as a JSON array (1 = one message per request, as the draft specifies)")
	fs.BoolVar(&f.single, "single", false, "send one message per request (draft mode); same as --batch 1")
	fs.IntVar(&f.concurrency, "concurrency", 4, "requests in flight")
	fs.IntVar(&f.maxAttempts, "max-attempts", 5, "attempts per request before giving up (retries on 429, 5xx and network errors)")
	if urlRequired {
		_ = cmd.MarkFlagRequired("url")
	}
}

func (f *clientFlags) client() (*transport.Client, error) {
	if !strings.HasPrefix(f.url, "http://") && !strings.HasPrefix(f.url, "https://") {
		return nil, usageErrorf("--url %q: want an http:// or https:// URL", f.url)
	}
	opts := transport.ClientOptions{
		URL:         f.url,
		BearerToken: transport.Secret(firstNonEmpty(f.token, os.Getenv("VIGIE_TOKEN"))),
		Username:    f.user,
		Password:    transport.Secret(firstNonEmpty(f.password, os.Getenv("VIGIE_PASSWORD"))),
		MaxAttempts: f.maxAttempts,
		UserAgent:   "vigie/" + version,
	}
	if strings.HasPrefix(f.url, "https://") {
		tlsOpts := transport.ClientTLSOptions{ServerName: f.serverName, Allow: transport.PeerAllowList{Fingerprints: f.allowFingers}}
		if f.caFile != "" {
			pool, err := loadCertPool(f.caFile)
			if err != nil {
				return nil, usageErrorf("--ca: %v", err)
			}
			tlsOpts.RootCAs = pool
		}
		if f.certFile != "" || f.keyFile != "" {
			cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
			if err != nil {
				return nil, usageErrorf("--cert/--key: %v", err)
			}
			tlsOpts.Certificates = []tls.Certificate{cert}
		}
		cfg, err := transport.ClientTLSConfig(tlsOpts)
		if err != nil {
			return nil, usageErrorf("TLS: %v", err)
		}
		opts.TLS = cfg
	}
	c, err := transport.NewClient(opts)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return c, nil
}

func (f *clientFlags) batcherOptions(onResult func([][]byte, []transport.ItemResult, error)) transport.BatcherOptions {
	opts := transport.BatcherOptions{MaxItems: f.batch, Concurrency: f.concurrency, OnResult: onResult}
	if f.single || f.batch <= 1 {
		opts.Mode = transport.BatchSingle
		opts.MaxItems = max(f.concurrency, 1)
	}
	return opts
}

// serverFlags are the listener flags of the commands that receive messages.
type serverFlags struct {
	listen       string
	certFile     string
	keyFile      string
	clientCA     string
	allowFingers []string
	allowNames   []string
	tokens       []string
}

func (f *serverFlags) register(cmd *cobra.Command, defaultListen string) {
	fs := cmd.Flags()
	fs.StringVar(&f.listen, "listen", defaultListen, "listen address")
	fs.StringVar(&f.certFile, "tls-cert", "", "PEM server certificate: serve HTTPS (TLS 1.3, HTTP/2)")
	fs.StringVar(&f.keyFile, "tls-key", "", "PEM server key")
	fs.StringVar(&f.clientCA, "client-ca", "", "PEM CAs of client certificates: require mutual TLS")
	fs.StringSliceVar(&f.allowFingers, "allow-fingerprint", nil, "accept only client certificates with this SHA-256 fingerprint (repeatable)")
	fs.StringSliceVar(&f.allowNames, "allow-name", nil, "accept only client certificates with this exact DNS name (repeatable)")
	fs.StringSliceVar(&f.tokens, "token", nil, "require a bearer token, as NAME=TOKEN (repeatable; default $VIGIE_RECEIVE_TOKENS, comma-separated)")
}

func (f *serverFlags) tlsConfig() (*tls.Config, error) {
	if f.certFile == "" && f.keyFile == "" {
		if f.clientCA != "" {
			return nil, usageErrorf("--client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return nil, usageErrorf("--tls-cert/--tls-key: %v", err)
	}
	opts := transport.ServerTLSOptions{
		Certificates: []tls.Certificate{cert},
		Allow:        transport.PeerAllowList{Fingerprints: f.allowFingers, DNSNames: f.allowNames},
	}
	if f.clientCA != "" {
		if opts.ClientCAs, err = loadCertPool(f.clientCA); err != nil {
			return nil, usageErrorf("--client-ca: %v", err)
		}
	}
	cfg, err := transport.ServerTLSConfig(opts)
	if err != nil {
		return nil, usageErrorf("TLS: %v", err)
	}
	return cfg, nil
}

// auth returns the authenticator for --token, or nil when no token is set.
func (f *serverFlags) auth(mtls bool) (transport.Authenticator, error) {
	specs := f.tokens
	if len(specs) == 0 {
		if env := os.Getenv("VIGIE_RECEIVE_TOKENS"); env != "" {
			specs = strings.Split(env, ",")
		}
	}
	if len(specs) == 0 {
		return nil, nil
	}
	tokens := make(map[string]transport.Secret, len(specs))
	for _, spec := range specs {
		name, tok, ok := strings.Cut(strings.TrimSpace(spec), "=")
		if !ok || name == "" || tok == "" {
			return nil, usageErrorf("--token: want NAME=TOKEN, got %q", redactSpec(spec))
		}
		tokens[name] = transport.Secret(tok)
	}
	a, err := transport.NewStaticAuth(transport.StaticAuthOptions{Tokens: tokens, ClientCerts: mtls})
	if err != nil {
		return nil, usageErrorf("--token: %v", err)
	}
	return a, nil
}

// redactSpec hides what follows "=" so that a mistyped token is not echoed.
func redactSpec(s string) string {
	if name, _, ok := strings.Cut(s, "="); ok {
		return name + "=…"
	}
	if len(s) > 4 {
		return s[:4] + "…"
	}
	return s
}

func loadCertPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", file)
	}
	return pool, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
