package cti

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Feed formats.
const (
	FormatCSV  = "csv"
	FormatSTIX = "stix"
	FormatMISP = "misp"
)

// FeedOptions describes one IOC list.
type FeedOptions struct {
	// Name is the list's short identifier, the "origin" of TI entries.
	Name string
	// Location is a file, a MISP feed directory, or an http(s) URL (a
	// MISP feed URL is the directory holding manifest.json).
	Location string
	// Format is csv, stix or misp.
	Format string
}

// Feed is one IOC list, replaced atomically at each refresh.
type Feed struct {
	opts FeedOptions
	set  atomic.Pointer[Set]
}

// Name is the list's identifier.
func (f *Feed) Name() string { return f.opts.Name }

// Set is the current index (never nil after a first successful load).
func (f *Feed) Set() *Set { return f.set.Load() }

// Feeds loads IOC lists and refreshes them on a schedule.
type Feeds struct {
	feeds   []*Feed
	client  *http.Client
	log     *slog.Logger
	now     func() time.Time
	invalid atomic.Int64
}

// NewFeeds checks the lists' options; client fetches the URLs (use
// GuardedClient).
func NewFeeds(opts []FeedOptions, client *http.Client, log *slog.Logger) (*Feeds, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fs := &Feeds{client: client, log: log, now: time.Now}
	for i, o := range opts {
		if o.Name == "" || strings.ContainsAny(o.Name, ": ") {
			return nil, fmt.Errorf("ioc list %d: name %q: want a short identifier without spaces or colons", i, o.Name)
		}
		if o.Format == "" {
			o.Format = guessFormat(o.Location)
		}
		if o.Format != FormatCSV && o.Format != FormatSTIX && o.Format != FormatMISP {
			return nil, fmt.Errorf("ioc list %s: format %q: want csv, stix or misp", o.Name, o.Format)
		}
		fs.feeds = append(fs.feeds, &Feed{opts: o})
	}
	return fs, nil
}

func guessFormat(loc string) string {
	switch p := urlPath(loc); {
	case strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".txt"):
		return FormatCSV
	case strings.HasSuffix(p, "manifest.json") || strings.HasSuffix(p, "/"):
		return FormatMISP
	case strings.HasSuffix(p, ".json"):
		return FormatSTIX
	}
	if st, err := os.Stat(loc); err == nil && st.IsDir() {
		return FormatMISP
	}
	return ""
}

// List returns the lists.
func (fs *Feeds) List() []*Feed { return fs.feeds }

// Invalid counts the indicators refused by the last loads.
func (fs *Feeds) Invalid() int64 { return fs.invalid.Load() }

// Load (re)loads every list; a list that fails keeps its previous content.
func (fs *Feeds) Load(ctx context.Context) error {
	var errs []error
	for _, f := range fs.feeds {
		iocs, bad, err := fs.fetch(ctx, f.opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("ioc list %s: %w", f.opts.Name, err))
			continue
		}
		set, refused := NewSet(iocs)
		bad = append(bad, refused...)
		fs.invalid.Add(int64(len(bad)))
		if len(bad) > 0 {
			fs.log.Warn("ioc list entries refused", "list", f.opts.Name, "count", len(bad), "first", bad[0].Error())
		}
		f.set.Store(set)
		fs.log.Info("ioc list loaded", "list", f.opts.Name, "indicators", set.Len())
	}
	return errors.Join(errs...)
}

func (fs *Feeds) fetch(ctx context.Context, o FeedOptions) ([]IOC, []error, error) {
	if o.Format == FormatMISP {
		return fs.fetchMISP(ctx, o.Location)
	}
	data, err := read(ctx, fs.client, o.Location)
	if err != nil {
		return nil, nil, err
	}
	if o.Format == FormatCSV {
		iocs, bad := ParseCSV(data)
		return iocs, bad, nil
	}
	iocs, bad := ParseSTIX(data, fs.now())
	if len(iocs) == 0 && len(bad) == 1 {
		return nil, nil, bad[0] // not a bundle at all
	}
	return iocs, bad, nil
}

func (fs *Feeds) fetchMISP(ctx context.Context, loc string) ([]IOC, []error, error) {
	base := strings.TrimSuffix(loc, "manifest.json")
	join := func(name string) string {
		if isURL(base) {
			u, err := url.Parse(base)
			if err != nil {
				return base // read reports it
			}
			u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "manifest.json"), "/") + "/" + name
			u.RawPath = ""
			return u.String()
		}
		return filepath.Join(base, name)
	}
	data, err := read(ctx, fs.client, join("manifest.json"))
	if err != nil {
		return nil, nil, err
	}
	ids, err := ParseMISPManifest(data)
	if err != nil {
		return nil, nil, err
	}
	var out []IOC
	var bad []error
	for _, id := range ids {
		data, err := read(ctx, fs.client, join(id+".json"))
		if err != nil {
			bad = append(bad, err)
			continue
		}
		iocs, b := ParseMISPEvent(data)
		out = append(out, iocs...)
		bad = append(bad, b...)
	}
	return out, bad, nil
}
