package assets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// GLPIOptions configures a GLPI client.
type GLPIOptions struct {
	// URL is the REST API root, e.g. https://glpi.example/apirest.php.
	URL string
	// AppToken and UserToken authenticate (initSession with
	// "Authorization: user_token …" and the App-Token header).
	AppToken, UserToken string
	// IPField is the Computer search option holding IP addresses (GLPI's
	// network port → network name → IP address; 126 by default).
	IPField int
	// HTTPClient sends the requests; it should have a timeout.
	HTTPClient *http.Client
}

// GLPI finds computers by IP address through GLPI's REST API.
type GLPI struct {
	opts GLPIOptions
	api  *url.URL
	ui   string // the web UI root, for links

	mu      sync.Mutex
	session string
}

// NewGLPI checks opts and returns a client; the session opens at the first
// look-up.
func NewGLPI(opts GLPIOptions) (*GLPI, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("glpi url %q: want http(s)://host/…/apirest.php", opts.URL)
	}
	if opts.UserToken == "" {
		return nil, errors.New("glpi: a user token is required")
	}
	if opts.IPField == 0 {
		opts.IPField = 126
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	ui := *u
	ui.Path = strings.TrimSuffix(ui.Path, "/apirest.php")
	return &GLPI{opts: opts, api: u, ui: ui.String()}, nil
}

// errSession is GLPI's answer to an expired or unknown session.
var errSession = errors.New("glpi session expired")

// ComputerByIP returns the first computer with ip among its addresses,
// with its location (name, address, coordinates) and a link to its form.
func (g *GLPI) ComputerByIP(ctx context.Context, ip string) (Asset, bool, error) {
	a, found, err := g.computerByIP(ctx, ip)
	if errors.Is(err, errSession) {
		g.mu.Lock()
		g.session = ""
		g.mu.Unlock()
		a, found, err = g.computerByIP(ctx, ip)
	}
	return a, found, err
}

func (g *GLPI) computerByIP(ctx context.Context, ip string) (Asset, bool, error) {
	q := url.Values{}
	q.Set("criteria[0][field]", strconv.Itoa(g.opts.IPField))
	q.Set("criteria[0][searchtype]", "equals")
	q.Set("criteria[0][value]", ip)
	q.Set("forcedisplay[0]", "1") // name
	q.Set("forcedisplay[1]", "2") // id
	q.Set("range", "0-0")
	var found struct {
		TotalCount int                          `json:"totalcount"`
		Data       []map[string]json.RawMessage `json:"data"`
	}
	if err := g.get(ctx, "search/Computer", q, &found); err != nil {
		return Asset{}, false, err
	}
	if found.TotalCount == 0 || len(found.Data) == 0 {
		return Asset{}, false, nil
	}
	var id int
	if err := json.Unmarshal(found.Data[0]["2"], &id); err != nil || id <= 0 {
		return Asset{}, false, fmt.Errorf("glpi search: computer id %s: want a positive number", found.Data[0]["2"])
	}
	var comp struct {
		Name        string `json:"name"`
		Contact     string `json:"contact"`
		LocationsID int    `json:"locations_id"`
	}
	if err := g.get(ctx, "Computer/"+strconv.Itoa(id), nil, &comp); err != nil {
		return Asset{}, false, err
	}
	a := Asset{Hostname: comp.Name, Owner: comp.Contact, Origin: "glpi", GLPIID: id,
		Link: g.ui + "/front/computer.form.php?id=" + strconv.Itoa(id), Prefix: ip}
	if comp.LocationsID > 0 {
		var loc struct {
			CompleteName string `json:"completename"`
			Address      string `json:"address"`
			Town         string `json:"town"`
			Country      string `json:"country"`
			Latitude     string `json:"latitude"`
			Longitude    string `json:"longitude"`
		}
		if err := g.get(ctx, "Location/"+strconv.Itoa(comp.LocationsID), nil, &loc); err != nil {
			return Asset{}, false, err
		}
		a.Location = loc.CompleteName
		if parts := nonEmpty(loc.Address, loc.Town, loc.Country); parts != "" {
			a.Location = nonEmpty(a.Location, parts)
		}
		lat, err1 := strconv.ParseFloat(loc.Latitude, 64)
		lon, err2 := strconv.ParseFloat(loc.Longitude, 64)
		if err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			a.Latitude, a.Longitude = &lat, &lon
		}
	}
	return a, true, nil
}

func nonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// get calls GET <api>/<path>?<q> with the session and decodes the JSON
// answer into v.
func (g *GLPI) get(ctx context.Context, path string, q url.Values, v any) error {
	session, err := g.ensureSession(ctx)
	if err != nil {
		return err
	}
	return g.do(ctx, path, q, map[string]string{"Session-Token": session}, v)
}

func (g *GLPI) ensureSession(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.session != "" {
		return g.session, nil
	}
	var out struct {
		SessionToken string `json:"session_token"`
	}
	if err := g.do(ctx, "initSession", nil, map[string]string{"Authorization": "user_token " + g.opts.UserToken}, &out); err != nil {
		return "", fmt.Errorf("glpi initSession: %w", err)
	}
	if out.SessionToken == "" {
		return "", errors.New("glpi initSession: no session_token in the answer")
	}
	g.session = out.SessionToken
	return g.session, nil
}

func (g *GLPI) do(ctx context.Context, path string, q url.Values, hdr map[string]string, v any) error {
	u := *g.api
	u.Path += "/" + path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("glpi %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if g.opts.AppToken != "" {
		req.Header.Set("App-Token", g.opts.AppToken)
	}
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, err := g.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("glpi %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("glpi %s: %w", path, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && path != "initSession":
		return fmt.Errorf("glpi %s: %w", path, errSession)
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent:
		return fmt.Errorf("glpi %s: HTTP %d: %s", path, resp.StatusCode, truncate(string(body), 200))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("glpi %s: decode: %w", path, err)
	}
	return nil
}

// Close ends the session (killSession).
func (g *GLPI) Close(ctx context.Context) error {
	g.mu.Lock()
	session := g.session
	g.session = ""
	g.mu.Unlock()
	if session == "" {
		return nil
	}
	var ignored json.RawMessage
	err := g.do(ctx, "killSession", nil, map[string]string{"Session-Token": session}, &ignored)
	if err != nil && !strings.Contains(err.Error(), "decode") {
		return err
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
