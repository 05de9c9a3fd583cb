package config

import (
	"path/filepath"
	"time"
)

// Correlation configures the correlation stage (internal/correlate).
type Correlation struct {
	// Enabled runs the stage.
	Enabled bool `yaml:"enabled"`
	// RulesDir holds the site's Sigma rules (*.yml, *.yaml), polled for
	// changes; empty means <data_dir>/rules.
	RulesDir string `yaml:"rules_dir" vigie:"path"`
	// Presets loads the shipped preset rules as well.
	Presets bool `yaml:"presets"`
	// ReloadInterval is how often the rules directory is polled.
	ReloadInterval Duration `yaml:"reload_interval"`
	// AllowedLateness is how far behind the newest event time an alert
	// still counts; windows decided at their end close this long after it.
	AllowedLateness Duration `yaml:"allowed_lateness"`
	// MaxGroups bounds the open groups per correlation rule.
	MaxGroups int `yaml:"max_groups"`
	// MaxEvents bounds the alerts kept per group.
	MaxEvents int `yaml:"max_events"`
	// MaxDepth bounds chains of correlation alerts.
	MaxDepth int `yaml:"max_depth"`
	// DedupWindow, when not 0, summarises duplicate alerts (same
	// categories, source and target IPs) over this window.
	DedupWindow Duration `yaml:"dedup_window"`
	// SnapshotInterval is how often the state is saved to
	// <data_dir>/correlation.json (and at shutdown).
	SnapshotInterval Duration `yaml:"snapshot_interval"`
}

func defaultCorrelation() Correlation {
	return Correlation{
		Enabled:          true,
		Presets:          true,
		ReloadInterval:   Duration(5 * time.Second),
		AllowedLateness:  Duration(time.Minute),
		MaxGroups:        10000,
		MaxEvents:        1000,
		MaxDepth:         3,
		DedupWindow:      Duration(2 * time.Minute),
		SnapshotInterval: Duration(30 * time.Second),
	}
}

// CorrelationRulesDir is correlation.rules_dir, else <data_dir>/rules.
func (c *Config) CorrelationRulesDir() string {
	if c.Correlation.RulesDir != "" {
		return c.Correlation.RulesDir
	}
	return filepath.Join(c.DataDir, "rules")
}

// CorrelationSnapshotPath is where the correlation state is saved.
func (c *Config) CorrelationSnapshotPath() string {
	return filepath.Join(c.DataDir, "correlation.json")
}

func (c *Config) validateCorrelation(v *validator) {
	co := c.Correlation
	v.positive("correlation.reload_interval", co.ReloadInterval)
	if co.AllowedLateness < 0 {
		v.add("correlation.allowed_lateness", co.AllowedLateness, "must be 0 or more")
	}
	v.atLeast("correlation.max_groups", co.MaxGroups, 1)
	v.atLeast("correlation.max_events", co.MaxEvents, 1)
	v.atLeast("correlation.max_depth", co.MaxDepth, 1)
	if co.DedupWindow < 0 {
		v.add("correlation.dedup_window", co.DedupWindow, "must be 0 (off) or more")
	}
	v.positive("correlation.snapshot_interval", co.SnapshotInterval)
}
