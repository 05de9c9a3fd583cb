package cti_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/enrich/cti"
)

func TestFeedsFromFiles(t *testing.T) {
	fs, err := cti.NewFeeds([]cti.FeedOptions{
		{Name: "local", Location: "testdata/iocs.csv"},
		{Name: "stix", Location: "testdata/bundle.json"},
		{Name: "misp", Location: "testdata/misp"},
	}, cti.GuardedClient(time.Second, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, f := range fs.List() {
		sizes[f.Name()] = f.Set().Len()
	}
	if sizes["local"] != 5 || sizes["stix"] != 4 || sizes["misp"] != 4 {
		t.Errorf("sizes %v", sizes)
	}
	if fs.Invalid() != 2 { // the CSV's broken row and the complex STIX pattern
		t.Errorf("invalid %d, want 2", fs.Invalid())
	}
	if _, err := cti.NewFeeds([]cti.FeedOptions{{Name: "x", Location: "list.yaml"}}, nil, nil); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestFeedsFromURLAndRefresh(t *testing.T) {
	var body = "198.51.100.7\n"
	mux := http.NewServeMux()
	mux.HandleFunc("/list.csv", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(body)) })
	mux.Handle("/misp/", http.StripPrefix("/misp/", http.FileServer(http.Dir("testdata/misp"))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	opts := []cti.FeedOptions{{Name: "url", Location: srv.URL + "/list.csv"}, {Name: "mispurl", Location: srv.URL + "/misp/"}}

	// The test server is on loopback: refused unless private URLs are allowed.
	guarded, _ := cti.NewFeeds(opts, cti.GuardedClient(time.Second, false), nil)
	if err := guarded.Load(context.Background()); !errors.Is(err, cti.ErrForbiddenDestination) {
		t.Fatalf("loopback URL: %v, want ErrForbiddenDestination", err)
	}
	fs, _ := cti.NewFeeds(opts, cti.GuardedClient(time.Second, true), nil)
	if err := fs.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	url, misp := fs.List()[0], fs.List()[1]
	if _, ok := url.Set().MatchIP(netip.MustParseAddr("198.51.100.7")); !ok {
		t.Error("URL list not loaded")
	}
	if _, ok := misp.Set().MatchDomain("c2.botnet.example"); !ok {
		t.Error("MISP feed over HTTP not loaded")
	}
	body = "198.51.100.8\n"
	if err := fs.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := url.Set().MatchIP(netip.MustParseAddr("198.51.100.8")); !ok {
		t.Error("refresh did not replace the list")
	}
	// A failing refresh keeps the previous content.
	srv.Close()
	if err := fs.Load(context.Background()); err == nil {
		t.Error("no error from a stopped server")
	}
	if _, ok := url.Set().MatchIP(netip.MustParseAddr("198.51.100.8")); !ok {
		t.Error("a failed refresh emptied the list")
	}
}

func TestGuardRefusesInternalDestinations(t *testing.T) {
	// The guard runs at dial time, after name resolution and on every
	// redirect hop, so checking the dial covers both.
	c := cti.GuardedClient(time.Second, false)
	for _, u := range []string{"http://127.0.0.1:1/x", "http://10.0.0.1:1/x", "http://[::1]:1/x", "http://169.254.169.254/latest/meta-data/",
		// IPv4 reached through a translator, and ranges netip has no predicate for.
		"http://[64:ff9b::7f00:1]:1/x", "http://[64:ff9b::a9fe:a9fe]/x", "http://[2002:a00:1::]:1/x", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:1/x",
		"http://[::ffff:127.0.0.1]:1/x", "http://198.18.0.1:1/x", "http://255.255.255.255:1/x", "http://192.0.0.1:1/x"} {
		_, err := c.Get(u)
		if !errors.Is(err, cti.ErrForbiddenDestination) {
			t.Errorf("%s: %v, want ErrForbiddenDestination", u, err)
		}
	}
}

func TestLocalMISPDirectoryNeedsUUIDNames(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"../secret": {}}`), 0o600)
	fs, _ := cti.NewFeeds([]cti.FeedOptions{{Name: "m", Location: dir}}, nil, nil)
	if err := fs.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "not an event UUID") {
		t.Errorf("error %v", err)
	}
}

func TestFeedErrorsDoNotLeakURLSecrets(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/gone.csv", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	srv := httptest.NewServer(mux)
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, tt := range []struct{ name, loc string }{
		{"HTTP status", "http://user:PASSWORD1@" + addr + "/gone.csv?apikey=SECRET1&x=y"},
		{"guard refusal", "http://" + addr + "/list.csv?auth_key=SECRET2"},
		{"transport error", "http://user:PASSWORD3@127.0.0.1:1/list.csv?token=SECRET3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := cti.NewFeeds([]cti.FeedOptions{{Name: "l", Location: tt.loc, Format: cti.FormatCSV}}, cti.GuardedClient(time.Second, tt.name != "guard refusal"), nil)
			if err != nil {
				t.Fatal(err)
			}
			err = fs.Load(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, secret := range []string{"SECRET", "PASSWORD"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks the URL's secret: %v", err)
				}
			}
			if !strings.Contains(err.Error(), "/list.csv") && !strings.Contains(err.Error(), "/gone.csv") {
				t.Errorf("error no longer names the list's path: %v", err)
			}
		})
	}
	srv.Close()
	// The format is guessed from the URL's path, so a keyed URL needs no
	// explicit format.
	if _, err := cti.NewFeeds([]cti.FeedOptions{{Name: "k", Location: "https://feeds.example/list.csv?apikey=k"}}, nil, nil); err != nil {
		t.Errorf("keyed list URL: %v", err)
	}
}
