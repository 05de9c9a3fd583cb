package assets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Asset is one inventory entry.
type Asset struct {
	Prefix      string   `json:"prefix,omitempty"`
	Hostname    string   `json:"hostname,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Criticality string   `json:"criticality,omitempty"`
	Location    string   `json:"location,omitempty"`
	Latitude    *float64 `json:"latitude,omitempty"`
	Longitude   *float64 `json:"longitude,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Origin is "inventory" or "glpi".
	Origin string `json:"origin"`
	// Link points back to the asset in its source (GLPI's item form).
	Link   string `json:"link,omitempty"`
	GLPIID int    `json:"glpi_id,omitempty"`

	raw json.RawMessage // the entry's JSON, encoded once
}

// finding is the asset as the enrichment attachment shows it, encoded once
// for inventory entries.
func (a *Asset) finding() any {
	if a.raw != nil {
		return a.raw
	}
	return a
}

// table is an immutable longest-prefix-match index.
type table struct {
	byPrefix map[netip.Prefix]*Asset
	bits     []int // the prefix lengths present, longest first
}

func (t *table) lookup(addr netip.Addr) *Asset {
	if t == nil {
		return nil
	}
	for _, b := range t.bits {
		if b > addr.BitLen() {
			continue
		}
		p, err := addr.Prefix(b)
		if err != nil {
			continue
		}
		if a := t.byPrefix[p]; a != nil {
			return a
		}
	}
	return nil
}

// Inventory is the file inventory: the merged entries of its files, swapped
// atomically on reload. Safe for concurrent use.
type Inventory struct {
	files []string
	tab   atomic.Pointer[table]
	stamp []fileStamp
}

type fileStamp struct {
	size    int64
	modTime int64
}

// LoadInventory reads the files (".csv" or ".json").
func LoadInventory(files ...string) (*Inventory, error) {
	inv := &Inventory{files: files}
	if _, err := inv.Reload(); err != nil {
		return nil, err
	}
	return inv, nil
}

// Lookup returns the asset whose prefix is the longest to contain addr.
func (inv *Inventory) Lookup(addr netip.Addr) (*Asset, bool) {
	a := inv.tab.Load().lookup(addr.Unmap())
	return a, a != nil
}

// Len is the number of entries.
func (inv *Inventory) Len() int { return len(inv.tab.Load().byPrefix) }

// Reload re-reads the files when one changed (size or modification time)
// and reports whether it did. On an error the previous entries stay.
func (inv *Inventory) Reload() (bool, error) {
	stamp := make([]fileStamp, len(inv.files))
	for i, f := range inv.files {
		st, err := os.Stat(f)
		if err != nil {
			return false, fmt.Errorf("asset inventory: %w", err)
		}
		stamp[i] = fileStamp{size: st.Size(), modTime: st.ModTime().UnixNano()}
	}
	if inv.tab.Load() != nil && slices.Equal(stamp, inv.stamp) {
		return false, nil
	}
	t := &table{byPrefix: map[netip.Prefix]*Asset{}}
	for _, f := range inv.files {
		data, err := os.ReadFile(f)
		if err != nil {
			return false, fmt.Errorf("asset inventory: %w", err)
		}
		list, err := Parse(filepath.Ext(f), data)
		if err != nil {
			return false, fmt.Errorf("asset inventory %s: %w", f, err)
		}
		for _, a := range list {
			p := netip.MustParsePrefix(a.Prefix)
			t.byPrefix[p] = a // a later file wins
		}
	}
	for p := range t.byPrefix {
		if !slices.Contains(t.bits, p.Bits()) {
			t.bits = append(t.bits, p.Bits())
		}
	}
	slices.SortFunc(t.bits, func(a, b int) int { return b - a })
	inv.tab.Store(t)
	inv.stamp = stamp
	return true, nil
}

// Parse reads inventory entries from CSV (ext ".csv": a header row naming
// the columns ip, hostname, owner, criticality, location, latitude,
// longitude, tags — tags separated by ";") or JSON (an array of objects
// with the same keys, tags an array). Errors name the row or item.
func Parse(ext string, data []byte) ([]*Asset, error) {
	switch strings.ToLower(ext) {
	case ".csv":
		return parseCSV(data)
	case ".json":
		return parseJSON(data)
	}
	return nil, fmt.Errorf("unknown inventory format %q: want .csv or .json", ext)
}

var columns = []string{"ip", "hostname", "owner", "criticality", "location", "latitude", "longitude", "tags"}

func parseCSV(data []byte) ([]*Asset, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) {
			return nil, fmt.Errorf("header: unknown column %q (want %s)", h, strings.Join(columns, ", "))
		}
		col[h] = i
	}
	if _, ok := col["ip"]; !ok {
		return nil, errors.New("header: no ip column")
	}
	var out []*Asset
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err) // the error names the line
		}
		line, _ := r.FieldPos(0)
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := entry{IP: get("ip"), Hostname: get("hostname"), Owner: get("owner"), Criticality: get("criticality"), Location: get("location")}
		for _, t := range strings.Split(get("tags"), ";") {
			if t = strings.TrimSpace(t); t != "" {
				e.Tags = append(e.Tags, t)
			}
		}
		for k, dst := range map[string]**float64{"latitude": &e.Latitude, "longitude": &e.Longitude} {
			if v := get(k); v != "" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s %q: want a number", line, k, v)
				}
				*dst = &f
			}
		}
		a, err := e.asset()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, a)
	}
}

// entry is an inventory item as written in the files.
type entry struct {
	IP          string   `json:"ip"`
	Hostname    string   `json:"hostname"`
	Owner       string   `json:"owner"`
	Criticality string   `json:"criticality"`
	Location    string   `json:"location"`
	Latitude    *float64 `json:"latitude"`
	Longitude   *float64 `json:"longitude"`
	Tags        []string `json:"tags"`
}

func parseJSON(data []byte) ([]*Asset, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []entry
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("want a JSON array of {ip, hostname, owner, criticality, location, latitude, longitude, tags}: %w", err)
	}
	out := make([]*Asset, 0, len(list))
	for i, e := range list {
		a, err := e.asset()
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (e entry) asset() (*Asset, error) {
	var p netip.Prefix
	if strings.Contains(e.IP, "/") {
		var err error
		if p, err = netip.ParsePrefix(e.IP); err != nil {
			return nil, fmt.Errorf("ip %q: want an address or a CIDR prefix", e.IP)
		}
		p = p.Masked()
	} else {
		a, err := netip.ParseAddr(e.IP)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("ip %q: want an address or a CIDR prefix", e.IP)
		}
		a = a.Unmap()
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if (e.Latitude == nil) != (e.Longitude == nil) {
		return nil, fmt.Errorf("ip %s: latitude and longitude go together", e.IP)
	}
	if e.Latitude != nil && !(*e.Latitude >= -90 && *e.Latitude <= 90 && *e.Longitude >= -180 && *e.Longitude <= 180) {
		return nil, fmt.Errorf("ip %s: coordinates out of range", e.IP)
	}
	a := &Asset{Prefix: p.String(), Hostname: e.Hostname, Owner: e.Owner, Criticality: strings.ToLower(e.Criticality),
		Location: e.Location, Latitude: e.Latitude, Longitude: e.Longitude, Tags: e.Tags, Origin: "inventory"}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("ip %s: %w", e.IP, err)
	}
	a.raw = raw
	return a, nil
}
