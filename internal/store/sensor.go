package store

import (
	"context"
	"time"
)

// SensorKind tells an IDMEF Analyzer from an IDMEF Sensor.
type SensorKind string

// The kinds of monitored components.
const (
	KindAnalyzer SensorKind = "analyzer"
	KindSensor   SensorKind = "sensor"
)

// Heartbeat says a component is alive. A component is identified by Kind,
// Name and ID (ID may be empty); the other fields are updated when set.
type Heartbeat struct {
	Kind     SensorKind
	Name     string
	ID       string
	Hostname string
	IP       string
	Model    string
	At       time.Time // zero means now
}

// SensorInfo is what the store knows of a component.
type SensorInfo struct {
	Kind          SensorKind `json:"kind"`
	Name          string     `json:"name"`
	ID            string     `json:"id,omitempty"`
	Hostname      string     `json:"hostname,omitempty"`
	IP            string     `json:"ip,omitempty"`
	Model         string     `json:"model,omitempty"`
	FirstSeen     time.Time  `json:"first_seen"`
	LastAlert     time.Time  `json:"last_alert,omitzero"`     // CreateTime of its latest alert
	LastHeartbeat time.Time  `json:"last_heartbeat,omitzero"` // explicit heartbeats only
	Alerts        int64      `json:"alerts"`                  // alerts stored (re-sent IDs included)
	Online        bool       `json:"online"`
}

// LastSeen is the later of LastAlert and LastHeartbeat.
func (s SensorInfo) LastSeen() time.Time {
	if s.LastHeartbeat.After(s.LastAlert) {
		return s.LastHeartbeat
	}
	return s.LastAlert
}

// SensorFilter selects components and decides which are online.
type SensorFilter struct {
	Kind         SensorKind    // "" means both kinds
	OfflineAfter time.Duration // silent for longer than this is offline; 0 means 10 minutes
	Now          time.Time     // zero means time.Now()
}

// Sensors tracks the Analyzers and Sensors that send alerts.
type Sensors interface {
	// Heartbeat records an explicit sign of life.
	Heartbeat(ctx context.Context, hb Heartbeat) error
	// Sensors lists known components ordered by kind, name, ID, with
	// Online computed from their last sign of life (alert or heartbeat).
	Sensors(ctx context.Context, f SensorFilter) ([]SensorInfo, error)
}
