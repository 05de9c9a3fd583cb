package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// staticFS holds the bundle that `npm run build` (web/) writes.
//
//go:embed static
var staticFS embed.FS

// assets serves the embedded bundle under content-hashed names
// (app.js → app.3f2a1b9c0d1e.js), cached for a year; a name without the
// current hash is served uncached.
type assets struct {
	files  map[string][]byte // name → content
	hashed map[string]string // name → hashed name
	byHash map[string]string // hashed name → name
	mod    time.Time
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hashed: map[string]string{}, byHash: map[string]string{}, mod: time.Now()}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.files[name], a.hashed[name], a.byHash[h] = b, h, name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ui: read embedded assets: %w", err)
	}
	for _, need := range []string{"app.js", "app.css"} {
		if _, ok := a.files[need]; !ok {
			return nil, fmt.Errorf("ui: embedded asset %s missing: run `npm run build` in web/", need)
		}
	}
	return a, nil
}

// url is the hashed URL of an asset.
func (a *assets) url(name string) string {
	if h, ok := a.hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	cache := "no-cache"
	if orig, ok := a.byHash[name]; ok {
		name, cache = orig, "public, max-age=31536000, immutable"
	}
	b, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", cache)
	http.ServeContent(w, r, name, a.mod, bytes.NewReader(b))
}
