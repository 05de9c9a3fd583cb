package config

import (
	"os"
	"path/filepath"
	"time"
)

// Default returns a fresh configuration holding every default: what Vigie
// runs with when there is no file and no environment override.
func Default() *Config {
	return &Config{
		Version: CurrentVersion,
		DataDir: defaultDataDir(os.Getenv, os.Geteuid(), os.UserHomeDir),
		Log:     Log{Level: "info", Format: "json"},
		Ingest: Ingest{
			Addr:            ":4690",
			Auth:            IngestAuthToken,
			RateLimit:       RateLimit{Rate: 50000, Burst: 100000, MaxSensors: 10000},
			MaxMessageBytes: 1 * MiB,
			MaxBatchBytes:   16 * MiB,
			MaxBatchItems:   1000,
			Drafts:          Drafts{Upgrade: true, Lenient: false},
		},
		Inputs: defaultInputs(),
		Events: defaultEvents(),
		HTTP: HTTP{
			Addr: ":8080",
			Session: Session{
				Lifetime:     Duration(12 * time.Hour),
				IdleTimeout:  Duration(1 * time.Hour),
				CookieSecure: CookieSecureAuto,
			},
		},
		Auth: Auth{
			PasswordMinLength: 12,
			Argon2:            Argon2{Memory: 64 * MiB, Iterations: 2, Parallelism: 2},
			Login:             Login{MaxFailures: 5, Window: Duration(15 * time.Minute), Lockout: Duration(15 * time.Minute)},
			TokenMaxLifetime:  0,
		},
		Bus: Bus{
			Engine:        BusNATS,
			SubjectPrefix: "vigie",
			Stream: Stream{
				MaxBytes:    4 * GiB,
				MaxAge:      Duration(7 * 24 * time.Hour),
				DedupWindow: Duration(2 * time.Minute),
			},
			AckWait:       Duration(30 * time.Second),
			MaxDeliver:    5,
			Pack:          true,
			CompressPacks: true,
		},
		Store: Store{
			Engine: StoreSQLite,
			Retention: Retention{
				MaxAge:   Duration(90 * 24 * time.Hour),
				MaxSize:  0,
				Interval: Duration(1 * time.Hour),
			},
			BatchSize:     2000,
			FlushInterval: Duration(200 * time.Millisecond),
		},
		Pipeline: Pipeline{Workers: 0, FetchBatch: 2000, MaxLag: 10000, MaxLatency: Duration(800 * time.Millisecond),
			MaxAdmissionWait: Duration(2 * time.Second), ShutdownTimeout: Duration(30 * time.Second)},
		Enrich:      defaultEnrich(),
		Correlation: defaultCorrelation(),
		Metrics:     Metrics{Enabled: true},
		Demo:        Demo{Rate: 20},
		Runtime:     Runtime{GCPercent: 400},
	}
}

// Values of enumerated settings.
const (
	IngestAuthToken = "token"
	IngestAuthNone  = "none"

	CookieSecureAuto   = "auto"
	CookieSecureAlways = "always"
	CookieSecureNever  = "never"

	BusNATS     = "nats"
	StoreSQLite = "sqlite"
)

// MaxAdmissionWait is the most pipeline.max_admission_wait may be: a held
// request must still be answered well within the ingest server's write
// timeout (60s) and the senders' own timeouts (10s for vigie's client).
const MaxAdmissionWait = 30 * time.Second

// defaultDataDir chooses where state lives when data_dir is not set:
//   - root (a system service): /var/lib/vigie, as the FHS and systemd's
//     StateDirectory= expect;
//   - anyone else: $XDG_STATE_HOME/vigie, else ~/.local/state/vigie (the XDG
//     base directory for state that survives restarts but is not
//     precious configuration);
//   - no home directory at all: ./vigie-data.
func defaultDataDir(getenv func(string) string, euid int, home func() (string, error)) string {
	if euid == 0 {
		return "/var/lib/vigie"
	}
	if x := getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "vigie")
	}
	if h, err := home(); err == nil && h != "" {
		return filepath.Join(h, ".local", "state", "vigie")
	}
	return "vigie-data"
}

// StorePath is the SQLite database file: store.path, else
// <data_dir>/vigie.db.
func (c *Config) StorePath() string {
	if c.Store.Path != "" {
		return c.Store.Path
	}
	return filepath.Join(c.DataDir, "vigie.db")
}

// BusDir is the embedded NATS server's storage: bus.dir, else
// <data_dir>/bus.
func (c *Config) BusDir() string {
	if c.Bus.Dir != "" {
		return c.Bus.Dir
	}
	return filepath.Join(c.DataDir, "bus")
}
