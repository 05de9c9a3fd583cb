package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestShippedParsingRules sends sshd and sudo lines to the syslog listener
// of a server with its default configuration: the shipped rule sets turn
// them into stored, valid alerts carrying the line's addresses and users.
// A rule set in the rules directory named like a shipped one replaces it.
func TestShippedParsingRules(t *testing.T) {
	dataDir := t.TempDir()
	own := `ruleset: sudo
description: site sudo rules
match:
  program: [sudo]
map:
  Analyzer.Model: sudo
  Analyzer.Data: [Log]
  Analyzer.Method: [Rule-based]
rules:
  - id: site.sudo.any
    description: any sudo line
    alert: false
    regex: '.'
    samples:
      - line: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
`
	if err := os.MkdirAll(filepath.Join(dataDir, "parsing"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "parsing", "sudo.yaml"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, stop := startServer(t, func(c *config.Config) {
		c.DataDir = dataDir
		c.Store.FlushInterval = config.Duration(20 * time.Millisecond)
	})
	defer stop()

	now := time.Now().UTC().Truncate(time.Second)
	conn, err := net.Dial("tcp", srv.SyslogTCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts := now.Format(time.RFC3339)
	fmt.Fprintf(conn, "<38>1 %s bastion1 sshd 4242 - - Failed password for root from 203.0.113.7 port 52144 ssh2\n", ts)
	fmt.Fprintf(conn, "<38>1 %s bastion1 sudo - - - alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash\n", ts)
	conn.Close()

	waitFor(t, "2 raw events", func() bool { return len(allEvents(t, srv)) >= 2 })
	byApp := map[string]store.Event{}
	for _, e := range allEvents(t, srv) {
		byApp[e.App] = e
	}
	ssh := byApp["sshd"]
	if ssh.RuleID != "sshd.failed-password" || ssh.AlertID == "" {
		t.Fatalf("sshd event = %+v, want the shipped rule sshd.failed-password and an alert", ssh)
	}
	if e := byApp["sudo"]; e.RuleID != "site.sudo.any" || e.AlertID != "" {
		t.Errorf("sudo event = %+v, want the site rule set to replace the shipped sudo rules", e)
	}
	var a *idmefv2.Alert
	waitFor(t, "the sshd alert in the store", func() bool {
		sa, err := srv.store.Alert(t.Context(), ssh.AlertID)
		if err != nil {
			return false
		}
		if a, err = idmefv2.Decode(sa.JSON); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("stored alert is not valid V08: %v", r.Errors())
	}
	if !slices.Contains(a.Category, idmefv2.CategoryAccessForced) || len(a.Source) == 0 || a.Source[0].IP != "203.0.113.7" ||
		len(a.Target) == 0 || a.Target[0].User != "root" || a.Target[0].Hostname != "bastion1" {
		t.Errorf("alert = %+v %+v %+v, want Access.Forced from 203.0.113.7 against root@bastion1", a.Category, a.Source, a.Target)
	}
}
