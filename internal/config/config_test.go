package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// noEnv is an environment without any VIGIE_ variable.
var noEnv = []string{"HOME=/home/test"}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		err  error    // sentinel every listed problem set must contain
		want []string // substrings, one per expected problem, in order
	}{
		{"no-version.bad.yaml", ErrVersion, []string{`line 1: missing "version: 1"`}},
		{"version2.bad.yaml", ErrVersion, []string{`line 1: version = "2": this Vigie reads configuration version 1 only`}},
		{"empty.bad.yaml", ErrVersion, []string{"the file is empty"}},
		{"unknown-key.bad.yaml", ErrUnknownSetting, []string{`line 4: ingest.rate_limit.brust: unknown setting; did you mean "burst"?`}},
		{"future-section.bad.yaml", ErrUnknownSetting, []string{"line 2: correlate: unknown setting or section (this version of Vigie does not have it)"}},
		{"camel-case.bad.yaml", ErrUnknownSetting, []string{`line 3: ingest.maxBatchBytes: unknown setting; did you mean "max_batch_bytes"?`}},
		{"syntax.bad.yaml", ErrSyntax, []string{"line 3: did not find expected key"}},
		{"wrong-type.bad.yaml", ErrInvalid, []string{"line 3: ingest.max_batch_items: cannot read !!str `many` into int"}},
		{"bad-duration.bad.yaml", ErrInvalid, []string{`line 4: http.session.lifetime: invalid duration "12 hours"`}},
		{"bad-size.bad.yaml", ErrInvalid, []string{`line 4: bus.stream.max_bytes: invalid size "4 gigs"`}},
		{"burst.bad.yaml", ErrInvalid, []string{`line 5: ingest.rate_limit.burst = "0": must be at least 1`}},
		{"max-latency.bad.yaml", ErrInvalid, []string{`line 4: pipeline.max_latency: duration "-1s" is negative`}},
		{"admission-wait.bad.yaml", ErrInvalid, []string{`line 4: pipeline.max_admission_wait = "1m": must be between 0 (answer 503 at once) and 30s`}},
		{"enum.bad.yaml", ErrInvalid, []string{`line 3: ingest.auth = "basic": want one of: token, none`}},
		{"addr.bad.yaml", ErrInvalid, []string{`line 3: http.addr = "localhost": want host:port`}},
		{"same-addr.bad.yaml", ErrInvalid, []string{`http.addr = ":8080": is the same address as ingest.addr`}},
		{"tls-half.bad.yaml", ErrInvalid, []string{"line 4: http.tls.cert = ", "cert and key go together"}},
		{"fingerprint.bad.yaml", ErrInvalid, []string{`line 7: ingest.tls.allow_fingerprints[0] = "abc": want a SHA-256 fingerprint`}},
		{"idle.bad.yaml", ErrInvalid, []string{`line 5: http.session.idle_timeout = "2h": must not exceed http.session.lifetime (1h)`}},
		{"batch-bytes.bad.yaml", ErrInvalid, []string{`line 4: ingest.max_batch_bytes = "1MiB": must be at least ingest.max_message_bytes (2MiB)`}},
		{"bus-url.bad.yaml", ErrInvalid, []string{`line 3: bus.url = "http://user:xxxxx@nats.example.org:4222": want nats://`}},
		{"unset-var.bad.yaml", ErrInvalid, []string{"line 3: bus.url", "environment variable VIGIE_TEST_SURELY_UNSET_VAR is not set"}},
		{"not-mapping.bad.yaml", ErrInvalid, []string{"line 2: ingest: want a mapping of settings"}},
		{"duplicate.bad.yaml", ErrSyntax, []string{`mapping key "level" already defined at line 3`}},
		{"many.bad.yaml", ErrInvalid, []string{
			`line 3: log.level = "verbose": want one of: debug, info, warn, error`,
			`line 5: ingest.max_batch_items = "0": must be at least 1`,
			`line 8: store.engine = "postgres": want one of: sqlite`,
			`line 7: store.batch_size = "-1": must be at least 1`,
		}},
		{"mixed.bad.yaml", ErrUnknownSetting, []string{
			`line 3: ingest.adr: unknown setting; did you mean "addr"?`,
			"line 4: ingest.max_batch_items: cannot read !!str `lots` into int",
			`line 6: log.level = "loud": want one of`,
		}},
		{"self-merge.bad.yaml", ErrSyntax, []string{"anchor &limits refers to itself"}},
		// Nested aliases that would expand to 10^7 values must be refused
		// quickly, not walked.
		{"laughs.bad.yaml", ErrInvalid, []string{"line 2: x: unknown setting", "cannot read !!seq into string"}},
		{"password.bad.yaml", ErrInvalid, []string{`line 3: auth.password_min_length = "4": must be between 8 and 128`}},
	}
	listed := map[string]bool{}
	for _, tt := range tests {
		listed[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			_, err := LoadEnv(path, noEnv)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error does not wrap %v: %v", tt.err, err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			if ce.File != path {
				t.Errorf("Error.File = %q, want %q", ce.File, path)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if (tt.file == "many.bad.yaml" || tt.file == "mixed.bad.yaml") && len(ce.Problems) != len(tt.want) {
				t.Errorf("got %d problems, want all %d:\n%s", len(ce.Problems), len(tt.want), msg)
			}
		})
	}
	// Every bad fixture must be in the table, so none is silently skipped.
	bad, _ := filepath.Glob("testdata/*.bad.yaml")
	for _, f := range bad {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no entry in the table", f)
		}
	}
}

func TestGoodConfigs(t *testing.T) {
	good, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil || len(good) == 0 {
		t.Fatalf("no good fixtures: %v", err)
	}
	for _, f := range good {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := LoadEnv(f, noEnv); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	c, err := LoadEnv("testdata/anchors.good.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Store.Retention.MaxAge.Std(), 14*24*time.Hour; got != want {
		t.Errorf("store.retention.max_age = %v, want %v (from the merged anchor)", got, want)
	}
	if got, want := c.Store.Retention.MaxSize, 10*GiB; got != want {
		t.Errorf("store.retention.max_size = %v, want %v", got, want)
	}
}

func TestRelativePaths(t *testing.T) {
	c, err := LoadEnv("testdata/tls.good.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("testdata")
	got := []string{c.Ingest.TLS.Cert, c.Ingest.TLS.Key, c.Ingest.TLS.ClientCA, c.HTTP.TLS.Cert}
	want := []string{
		filepath.Join(dir, "certs/ingest.pem"),
		filepath.Join(dir, "certs/ingest-key.pem"),
		filepath.Join(dir, "certs/sensors-ca.pem"),
		"/etc/vigie/http.pem", // absolute paths are kept
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
}

func TestDerivedPaths(t *testing.T) {
	c := Default()
	c.DataDir = "/srv/vigie"
	if got := c.StorePath(); got != "/srv/vigie/vigie.db" {
		t.Errorf("StorePath() = %q", got)
	}
	if got := c.BusDir(); got != "/srv/vigie/bus" {
		t.Errorf("BusDir() = %q", got)
	}
	c.Store.Path, c.Bus.Dir = "/db/v.db", "/nats"
	if c.StorePath() != "/db/v.db" || c.BusDir() != "/nats" {
		t.Errorf("explicit paths ignored: %q %q", c.StorePath(), c.BusDir())
	}
}

func TestEnvOverrides(t *testing.T) {
	cwd, _ := os.Getwd()
	dir := t.TempDir()
	file := filepath.Join(dir, "vigie.yaml")
	if err := os.WriteFile(file, []byte("version: 1\ningest:\n  addr: \":5000\"\nstore:\n  path: from-file.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"VIGIE_INGEST_ADDR=127.0.0.1:4691",             // overrides the file
		"VIGIE_INGEST_RATE_LIMIT_BURST=77",             // underscores inside a key
		"VIGIE_INGEST_MAX_BATCH_BYTES=32MiB",           // a size
		"VIGIE_HTTP_SESSION_IDLE_TIMEOUT=30m",          // a duration
		"VIGIE_HTTP_TRUSTED_PROXIES=10.0.0.1, ::1/128", // a list
		"VIGIE_INGEST_DRAFTS_LENIENT=true",             // a bool
		"VIGIE_DEMO_RATE=2.5",                          // a float
		"VIGIE_DATA_DIR=relative/data",                 // resolved against the working directory
		"VIGIE_RELAY_LISTEN=:9999",                     // not a section: someone else's variable
		"VIGIE_ADMIN_PASSWORD=whatever",                // idem
	}
	c, err := LoadEnv(file, env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ingest.addr", c.Ingest.Addr, "127.0.0.1:4691"},
		{"ingest.rate_limit.burst", c.Ingest.RateLimit.Burst, 77},
		{"ingest.max_batch_bytes", c.Ingest.MaxBatchBytes, 32 * MiB},
		{"http.session.idle_timeout", c.HTTP.Session.IdleTimeout, Duration(30 * time.Minute)},
		{"http.trusted_proxies", c.HTTP.TrustedProxies, []string{"10.0.0.1", "::1/128"}},
		{"ingest.drafts.lenient", c.Ingest.Drafts.Lenient, true},
		{"demo.rate", c.Demo.Rate, 2.5},
		{"data_dir", c.DataDir, filepath.Join(cwd, "relative/data")},
		{"store.path (file, relative to the file)", c.Store.Path, filepath.Join(dir, "from-file.db")},
	}
	for _, ck := range checks {
		if d := cmp.Diff(ck.want, ck.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", ck.name, d)
		}
	}
}

func TestEnvOverrideErrors(t *testing.T) {
	tests := []struct {
		name string
		env  string
		err  error
		want string
	}{
		{"bad int", "VIGIE_INGEST_RATE_LIMIT_BURST=lots", ErrInvalid, `ingest.rate_limit.burst (from VIGIE_INGEST_RATE_LIMIT_BURST) = "lots": want a whole number`},
		{"bad bool", "VIGIE_METRICS_ENABLED=yes please", ErrInvalid, "want true or false"},
		{"bad duration", "VIGIE_BUS_ACK_WAIT=30", ErrInvalid, `invalid duration "30"`},
		{"typo in a known section", "VIGIE_STORE_PAHT=/x", ErrUnknownSetting, "VIGIE_STORE_PAHT names no setting of section \"store\""},
		{"valid type, invalid value", "VIGIE_INGEST_AUTH=maybe", ErrInvalid, `ingest.auth (from VIGIE_INGEST_AUTH) = "maybe": want one of: token, none`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadEnv("", []string{tt.env})
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v does not wrap %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestZeroConfig(t *testing.T) {
	c, err := LoadEnv("", noEnv)
	if err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	if d := cmp.Diff(Default(), c); d != "" {
		t.Errorf("zero config differs from Default() (-want +got):\n%s", d)
	}
}

func TestDefaultRoundTrip(t *testing.T) {
	out, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "default.yaml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadEnv(file, noEnv)
	if err != nil {
		t.Fatalf("reloading the marshalled defaults: %v\n%s", err, out)
	}
	if d := cmp.Diff(Default(), got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestExampleLoads(t *testing.T) {
	const example = "../../docs/vigie.example.yaml"
	c, err := LoadEnv(example, append(noEnv, "NATS_PASSWORD=s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	// The example documents defaults, so apart from the settings it
	// changes on purpose it must equal them: a drifted default shows here.
	want := Default()
	want.DataDir = "/var/lib/vigie"
	if d := cmp.Diff(want, c, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("the example differs from the defaults (-default +example):\n%s", d)
	}
}

func TestDocsListEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/CONFIGURATION.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../../docs/vigie.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		if !strings.Contains(string(doc), "`"+s.Env+"`") {
			t.Errorf("docs/CONFIGURATION.md does not list %s (%s)", s.Env, s.Path)
		}
		leaf := s.Path[strings.LastIndex(s.Path, ".")+1:]
		if !strings.Contains(string(example), leaf+":") {
			t.Errorf("docs/vigie.example.yaml does not show %s", s.Path)
		}
	}
}

func TestSettingsEnvNamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, s := range Settings() {
		if other, dup := seen[s.Env]; dup {
			t.Errorf("%s and %s share the variable %s", other, s.Path, s.Env)
		}
		seen[s.Env] = s.Path
	}
	if !slices.ContainsFunc(Settings(), func(s Setting) bool { return s.Env == "VIGIE_STORE_PATH" && s.IsPath }) {
		t.Error("VIGIE_STORE_PATH missing or not a path")
	}
}

func TestDefaultDataDir(t *testing.T) {
	home := func(h string, err error) func() (string, error) { return func() (string, error) { return h, err } }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name   string
		getenv func(string) string
		euid   int
		home   func() (string, error)
		want   string
	}{
		{"root", env(nil), 0, home("/root", nil), "/var/lib/vigie"},
		{"XDG_STATE_HOME", env(map[string]string{"XDG_STATE_HOME": "/x/state"}), 1000, home("/home/u", nil), "/x/state/vigie"},
		{"relative XDG_STATE_HOME is ignored (per the XDG spec)", env(map[string]string{"XDG_STATE_HOME": "state"}), 1000, home("/home/u", nil), "/home/u/.local/state/vigie"},
		{"home", env(nil), 1000, home("/home/u", nil), "/home/u/.local/state/vigie"},
		{"no home", env(nil), 1000, home("", errors.New("no home")), "vigie-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultDataDir(tt.getenv, tt.euid, tt.home); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"PW": "p@ss", "EMPTY": ""}
	tests := []struct {
		in, want, err string
	}{
		{"nats://u:${PW}@h:4222", "nats://u:p@ss@h:4222", ""},
		{"a${EMPTY}b", "ab", ""},
		{"cost $$5", "cost $5", ""},
		{"$PW stays", "$PW stays", ""},
		{"${NOPE}", "", "NOPE is not set"},
		{"${PW", "", "unterminated"},
		{"${1X}", "", "invalid variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := expand(tt.in, env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
