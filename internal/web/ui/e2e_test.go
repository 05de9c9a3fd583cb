package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestBrowser drives the UI in Debian's Chromium with playwright-core
// (web/e2e/ui.mjs) against a real server with seeded alerts: log in,
// filter, open an alert, triage it, comment, the aggregated view, the
// dashboard and the graph, with no console error. Skipped when chromium
// or web/node_modules is missing, unless CI=true. Set VIGIE_SCREENSHOTS
// to a directory (docs/screenshots) to save screenshots of the views.
func TestBrowser(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, nodeErr := exec.LookPath("node")
	_, chromeErr := os.Stat(chromium)
	_, modErr := os.Stat(filepath.Join(root, "web", "node_modules", "playwright-core"))
	if nodeErr != nil || chromeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser test needs node, %s and web/node_modules (npm ci in web/): %v %v %v", chromium, nodeErr, chromeErr, modErr)
		}
		t.Skipf("browser test skipped: needs node, %s and web/node_modules (npm ci in web/)", chromium)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	f := newFixture(t, 600, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web", "e2e", "ui.mjs"))
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = append(os.Environ(),
		"VIGIE_URL="+f.srv.URL, "VIGIE_ALERT="+f.enriched, "VIGIE_CORRELATION="+f.correlation,
		"VIGIE_LOG_ALERT="+f.logAlert, "VIGIE_LOG_ORIGIN="+strconv.FormatInt(f.logOrigin, 10), "CHROMIUM="+chromium)
	if dir := os.Getenv("VIGIE_SCREENSHOTS"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "VIGIE_SCREENSHOTS="+abs)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("web/e2e/ui.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
