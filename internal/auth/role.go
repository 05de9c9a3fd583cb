package auth

import (
	"fmt"
	"slices"
)

// Role is what a user or token may do. Users have one of admin, analyst
// or viewer; RoleSensor is only for tokens bound to a sensor.
type Role string

// Roles.
const (
	RoleViewer  Role = "viewer"
	RoleAnalyst Role = "analyst"
	RoleAdmin   Role = "admin"
	// RoleSensor may only send alerts (ingest). A token with this role
	// names its sensor.
	RoleSensor Role = "sensor"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleViewer, RoleAnalyst, RoleAdmin, RoleSensor:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: want admin, analyst, viewer or sensor", s)
}

// UserRole reports whether r may be given to a user (not sensor).
func (r Role) UserRole() bool { return r == RoleViewer || r == RoleAnalyst || r == RoleAdmin }

// Action is something a principal asks to do, checked with Can.
type Action string

// Actions, by the lowest role allowed (viewer < analyst < admin; sensor
// apart). docs/SECURITY.md has the same table; a test keeps them equal.
const (
	// Viewer and up: read-only use of the UI and API.
	ActionAlertsRead  Action = "alerts:read"  // search, detail, aggregations
	ActionStatsRead   Action = "stats:read"   // dashboards, histograms, top-N, statistics
	ActionSensorsRead Action = "sensors:read" // sensor list and heartbeats
	ActionMetricsRead Action = "metrics:read" // /metrics when metrics.require_auth
	ActionSelfManage  Action = "self:manage"  // own password, own sessions, own API tokens

	// Analyst and up: triage.
	ActionAlertsTriage    Action = "alerts:triage"    // status, assignee
	ActionAlertsComment   Action = "alerts:comment"   // comments
	ActionAlertsTag       Action = "alerts:tag"       // tags
	ActionAlertsBulk      Action = "alerts:bulk"      // bulk lifecycle updates
	ActionDeadLettersRead Action = "deadletters:read" // refused input (may hold raw sensor data)
	ActionRulesRead       Action = "rules:read"       // correlation rules, their state and firing counts

	// Admin only.
	ActionUsersManage   Action = "users:manage"   // create, disable users, set roles, reset passwords
	ActionTokensManage  Action = "tokens:manage"  // any user's and sensor tokens
	ActionSensorsManage Action = "sensors:manage" // register, rename, remove sensors
	ActionRulesManage   Action = "rules:manage"   // parsing, correlation and notification rules
	ActionConfigRead    Action = "config:read"    // effective configuration (secrets redacted)
	ActionAuditRead     Action = "audit:read"     // the audit trail of every change

	// Admin and sensor tokens: send alerts.
	ActionAlertsIngest Action = "alerts:ingest"
)

// Actions lists every action, in the order of the documentation.
func Actions() []Action {
	return []Action{
		ActionAlertsRead, ActionStatsRead, ActionSensorsRead, ActionMetricsRead, ActionSelfManage,
		ActionAlertsTriage, ActionAlertsComment, ActionAlertsTag, ActionAlertsBulk, ActionDeadLettersRead, ActionRulesRead,
		ActionUsersManage, ActionTokensManage, ActionSensorsManage, ActionRulesManage, ActionConfigRead, ActionAuditRead,
		ActionAlertsIngest,
	}
}

// Roles lists every role, least privileged user role first.
func Roles() []Role { return []Role{RoleViewer, RoleAnalyst, RoleAdmin, RoleSensor} }

// Can reports whether role r may perform action a. Unknown roles and
// actions are denied.
func Can(r Role, a Action) bool {
	switch a {
	case ActionAlertsRead, ActionStatsRead, ActionSensorsRead, ActionMetricsRead, ActionSelfManage:
		return slices.Contains([]Role{RoleViewer, RoleAnalyst, RoleAdmin}, r)
	case ActionAlertsTriage, ActionAlertsComment, ActionAlertsTag, ActionAlertsBulk, ActionDeadLettersRead, ActionRulesRead:
		return r == RoleAnalyst || r == RoleAdmin
	case ActionUsersManage, ActionTokensManage, ActionSensorsManage, ActionRulesManage, ActionConfigRead, ActionAuditRead:
		return r == RoleAdmin
	case ActionAlertsIngest:
		return r == RoleAdmin || r == RoleSensor
	}
	return false
}

// atMost reports whether every action of r is also allowed to limit: a
// user may only create tokens that can do no more than they can.
func (r Role) atMost(limit Role) bool {
	for _, a := range Actions() {
		if Can(r, a) && !Can(limit, a) {
			return false
		}
	}
	return true
}
