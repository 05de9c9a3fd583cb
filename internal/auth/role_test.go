package auth

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestCanMatrix(t *testing.T) {
	// The expected matrix, written out by hand: a change to Can must be
	// deliberate here too.
	allowed := map[Action]string{ // roles as initials: v a A s
		ActionAlertsRead: "vaA", ActionStatsRead: "vaA", ActionSensorsRead: "vaA", ActionMetricsRead: "vaA", ActionSelfManage: "vaA",
		ActionAlertsTriage: "aA", ActionAlertsComment: "aA", ActionAlertsTag: "aA", ActionAlertsBulk: "aA", ActionDeadLettersRead: "aA", ActionRulesRead: "aA",
		ActionUsersManage: "A", ActionTokensManage: "A", ActionSensorsManage: "A", ActionRulesManage: "A", ActionConfigRead: "A", ActionAuditRead: "A",
		ActionAlertsIngest: "As",
	}
	initial := map[Role]string{RoleViewer: "v", RoleAnalyst: "a", RoleAdmin: "A", RoleSensor: "s"}
	if len(allowed) != len(Actions()) {
		t.Fatalf("matrix has %d actions, Actions() %d", len(allowed), len(Actions()))
	}
	for _, a := range Actions() {
		for _, r := range Roles() {
			t.Run(string(r)+" "+string(a), func(t *testing.T) {
				want := strings.Contains(allowed[a], initial[r])
				if got := Can(r, a); got != want {
					t.Errorf("Can(%s, %s) = %v, want %v", r, a, got, want)
				}
			})
		}
	}
	if Can("root", ActionAlertsRead) || Can(RoleAdmin, "alerts:delete-everything") {
		t.Error("unknown roles or actions are allowed")
	}
}

// TestSecurityDocTable keeps the table in docs/SECURITY.md equal to Can.
func TestSecurityDocTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z:]+)` \\| ([^|]*)\\| ([^|]*)\\| ([^|]*)\\| ([^|]*)\\|")
	seen := map[Action]bool{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		a := Action(m[1])
		seen[a] = true
		for i, r := range Roles() {
			want := Can(r, a)
			got := strings.TrimSpace(m[i+2]) == "yes"
			if got != want {
				t.Errorf("SECURITY.md says %s %s = %v, Can says %v", r, a, got, want)
			}
		}
	}
	for _, a := range Actions() {
		if !seen[a] {
			t.Errorf("SECURITY.md has no row for %s", a)
		}
	}
}
