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
	for _, u := range []string{"http://127.0.0.1:1/x", "http://10.0.0.1:1/x", "http://[::1]:1/x", "http://169.254.169.254/latest/meta-data/"} {
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
