// Package ui is Vigie's web interface: server-rendered templ components
// with htmx, served beside the REST API (docs/UI.md).
//
// It reads and changes alerts through consumer interfaces that the SQLite
// store satisfies, authenticates with internal/auth's sessions (and its
// CSRF tokens), checks the principal's role on every view and action, and
// sets a strict security-header set on every answer. Front-end code
// (htmx, ECharts, Cytoscape.js, Leaflet with world-atlas shapes) is bundled
// from web/ by esbuild into static/, embedded and served under /static/
// with content-hashed names.
package ui

//go:generate go tool templ generate -path .
