package transport

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startTLSServer serves h with NewServer on a loopback port and returns
// its URL.
func startTLSServer(t *testing.T, h http.Handler, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, ServerOptions{TLS: cfg, Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return "https://" + ln.Addr().String() + "/"
}

// mtlsFixture is a receiver requiring client certificates from clientCA,
// restricted to an allow-list.
type mtlsFixture struct {
	serverCA, clientCA, otherCA *testPKI
	serverCert                  tls.Certificate
	url                         string
	sink                        *memSink
}

func newMTLSFixture(t *testing.T, allow func(*mtlsFixture) PeerAllowList, optional bool) *mtlsFixture {
	t.Helper()
	f := &mtlsFixture{
		serverCA: newPKI(t, "server CA"),
		clientCA: newPKI(t, "client CA"),
		otherCA:  newPKI(t, "other CA"),
		sink:     &memSink{},
	}
	f.serverCert = f.serverCA.issue(t, "receiver.test")
	cfg, err := ServerTLSConfig(ServerTLSOptions{
		Certificates:       []tls.Certificate{f.serverCert},
		ClientCAs:          f.clientCA.pool,
		OptionalClientCert: optional,
		Allow:              allow(f),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.url = startTLSServer(t, newTestHandler(t, Options{Sink: f.sink, Validator: testValidator}), cfg)
	return f
}

func noAllowList(*mtlsFixture) PeerAllowList { return PeerAllowList{} }

func TestMutualTLS(t *testing.T) {
	var listedByFP tls.Certificate
	f := newMTLSFixture(t, func(f *mtlsFixture) PeerAllowList {
		listedByFP = f.clientCA.issue(t, "sensor-a.test")
		return PeerAllowList{
			Fingerprints: []string{colonHex(Fingerprint(listedByFP.Leaf))},
			DNSNames:     []string{"Sensor-B.test"},
		}
	}, false)
	listedByName := f.clientCA.issue(t, "sensor-b.test")
	notListed := f.clientCA.issue(t, "sensor-c.test")
	wildcard := f.clientCA.issue(t, "*.test")
	foreign := f.otherCA.issue(t, "sensor-b.test")

	for _, tc := range []struct {
		name     string
		cert     *tls.Certificate
		wantPeer string // "" = the request must fail
	}{
		{"listed by fingerprint", &listedByFP, "sensor-a.test"},
		{"listed by DNS name", &listedByName, "sensor-b.test"},
		{"valid but not listed", &notListed, ""},
		{"wildcard SAN never matches", &wildcard, ""},
		{"issued by another CA", &foreign, ""},
		{"no client certificate", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copts := ClientTLSOptions{RootCAs: f.serverCA.pool}
			if tc.cert != nil {
				copts.Certificates = []tls.Certificate{*tc.cert}
			}
			ccfg, err := ClientTLSConfig(copts)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(ClientOptions{URL: f.url, TLS: ccfg, MaxAttempts: 1, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			before := len(f.sink.messages())
			err = c.Send(t.Context(), []byte(okMsg))
			if tc.wantPeer == "" {
				if err == nil {
					t.Fatal("request accepted, want the TLS handshake to fail")
				}
				if len(f.sink.messages()) != before {
					t.Fatal("sink received a message over a refused connection")
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := f.sink.messages()
			got := msgs[len(msgs)-1].Peer
			if got.Name != tc.wantPeer || got.Method != AuthMTLS {
				t.Errorf("peer = %+v, want %q by mtls", got, tc.wantPeer)
			}
		})
	}
}

func colonHex(h string) string {
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, strings.ToUpper(h[i:i+2]))
	}
	return strings.Join(parts, ":")
}

func TestTLSProtocols(t *testing.T) {
	f := newMTLSFixture(t, noAllowList, true) // client certificate optional
	client := func(cfg *tls.Config, protos func(*http.Protocols)) *http.Client {
		tr := &http.Transport{TLSClientConfig: cfg.Clone(), Protocols: new(http.Protocols)}
		protos(tr.Protocols)
		return &http.Client{Transport: tr, Timeout: 5 * time.Second}
	}
	tls13, err := ClientTLSConfig(ClientTLSOptions{RootCAs: f.serverCA.pool})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		client    *http.Client
		url       string
		wantProto int // 0 = must fail
	}{
		{"HTTP/2 negotiated over TLS 1.3", client(tls13, func(p *http.Protocols) { p.SetHTTP1(true); p.SetHTTP2(true) }), f.url, 2},
		{"HTTP/1.1 with keep-alive", client(tls13, func(p *http.Protocols) { p.SetHTTP1(true) }), f.url, 1},
		{"TLS 1.2 client refused", client(&tls.Config{RootCAs: f.serverCA.pool, MaxVersion: tls.VersionTLS12}, func(p *http.Protocols) { p.SetHTTP1(true); p.SetHTTP2(true) }), f.url, 0},
		{"h2c refused", client(nil, func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) }), "http" + strings.TrimPrefix(f.url, "https"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // twice: the second request reuses the connection
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, tc.url, strings.NewReader(okMsg))
				req.Header.Set("Content-Type", jsonType)
				res, err := tc.client.Do(req)
				if tc.wantProto == 0 {
					if err == nil {
						res.Body.Close()
						t.Fatalf("request succeeded with %s %d, want it refused", res.Proto, res.StatusCode)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 204 || res.ProtoMajor != tc.wantProto {
					t.Fatalf("got %s %d, want HTTP/%d 204", res.Proto, res.StatusCode, tc.wantProto)
				}
			}
		})
	}
}

// TestClientAllowList checks the client side of the draft's allow-list:
// a server certificate that verifies but is not listed is refused.
func TestClientAllowList(t *testing.T) {
	f := newMTLSFixture(t, noAllowList, true)
	for _, tc := range []struct {
		name  string
		allow PeerAllowList
		ok    bool
	}{
		{"server listed by fingerprint", PeerAllowList{Fingerprints: []string{Fingerprint(f.serverCert.Leaf)}}, true},
		{"server listed by name", PeerAllowList{DNSNames: []string{"receiver.test"}}, true},
		{"server not listed", PeerAllowList{DNSNames: []string{"other.test"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ClientTLSConfig(ClientTLSOptions{RootCAs: f.serverCA.pool, Allow: tc.allow})
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(ClientOptions{URL: f.url, TLS: cfg, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Send(t.Context(), []byte(okMsg))
			if (err == nil) != tc.ok {
				t.Fatalf("Send error = %v, want success %v", err, tc.ok)
			}
		})
	}
}

func TestTLSConfigRejectsBadOptions(t *testing.T) {
	pki := newPKI(t, "ca")
	cert := pki.issue(t, "x.test")
	for _, tc := range []struct {
		name string
		opts ServerTLSOptions
		want string
	}{
		{"no certificate", ServerTLSOptions{}, "no certificate"},
		{"allow-list without CAs", ServerTLSOptions{Certificates: []tls.Certificate{cert}, Allow: PeerAllowList{DNSNames: []string{"a"}}}, "needs ClientCAs"},
		{"wildcard name", ServerTLSOptions{Certificates: []tls.Certificate{cert}, ClientCAs: pki.pool, Allow: PeerAllowList{DNSNames: []string{"*.example.com"}}}, "wildcard"},
		{"short fingerprint", ServerTLSOptions{Certificates: []tls.Certificate{cert}, ClientCAs: pki.pool, Allow: PeerAllowList{Fingerprints: []string{"abcd"}}}, "not a hex SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ServerTLSConfig(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	cfg, err := ServerTLSConfig(ServerTLSOptions{Certificates: []tls.Certificate{cert}, ClientCAs: pki.pool})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS13 || cfg.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Errorf("config = min %x, client auth %v; want TLS 1.3 and required client certificates", cfg.MinVersion, cfg.ClientAuth)
	}
}

func TestNewServerTimeouts(t *testing.T) {
	srv := NewServer(http.NotFoundHandler(), ServerOptions{Addr: ":0", ReadTimeout: time.Minute})
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout != time.Minute || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("timeouts = %s %s %s %s, want all set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.Protocols.UnencryptedHTTP2() || srv.Protocols.HTTP2() {
		t.Error("a server without TLS offers HTTP/2")
	}
}
