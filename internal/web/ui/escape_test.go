package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Alert IDs are UUIDs once validated, but the store does not re-check what
// it is given, so the UI path-escapes every ID it puts in a URL: a stored
// CorrelID of "../users/admin" must not become a link to another page.
func TestIDsInURLsArePathEscaped(t *testing.T) {
	f := newFixture(t, 10, nil)
	a := &idmefv2.Alert{
		Version: idmefv2.VersionV08, ID: "0193a5e4-7c1b-7000-8000-00000000e0e0", CreateTime: idmefv2.FormatTime(time.Now()),
		Priority: idmefv2.PriorityLow, Description: "hostile references",
		Analyzer: idmefv2.Analyzer{Name: "x", Hostname: "h", Category: []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHIDS}},
		Status:   []idmefv2.Status{idmefv2.StatusEvent},
		CorrelID: []string{"../users/admin?x=1#y"}, RelID: []string{"../../tokens"},
	}
	if _, err := f.store.PutAlerts(context.Background(), []*idmefv2.Alert{a}); err != nil {
		t.Skipf("the store refuses the hostile IDs itself: %v", err)
	}
	c := f.login("admin", adminPassword)
	_, body := c.get("/alerts/" + a.ID)
	for _, bad := range []string{`href="/alerts/../users/admin`, `href="/alerts/../../tokens"`} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped ID in a link: %s", bad)
		}
	}
	if !strings.Contains(body, `href="/alerts/..%2Fusers%2Fadmin%3Fx=1%23y"`) {
		t.Errorf("escaped CorrelID link missing")
	}
}
