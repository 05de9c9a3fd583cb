package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// Heartbeat implements store.Sensors.
func (s *Store) Heartbeat(ctx context.Context, hb store.Heartbeat) error {
	if hb.Kind != store.KindAnalyzer && hb.Kind != store.KindSensor {
		return fmt.Errorf("sqlite: heartbeat: %w: kind %q (want analyzer or sensor)", store.ErrInvalid, hb.Kind)
	}
	if hb.Name == "" {
		return fmt.Errorf("sqlite: heartbeat: %w: empty name", store.ErrInvalid)
	}
	at := hb.At
	if at.IsZero() {
		at = s.now()
	}
	err := s.exec(ctx, "heartbeat", upsertSensorSQL+`, last_hb_ns = max(last_hb_ns, excluded.last_hb_ns)`,
		string(hb.Kind), hb.Name, hb.ID, hb.Hostname, hb.IP, hb.Model, at.UnixNano(), 0, at.UnixNano(), 0)
	if err != nil {
		return fmt.Errorf("sqlite: heartbeat %s: %w", hb.Name, err)
	}
	return nil
}

// Sensors implements store.Sensors.
func (s *Store) Sensors(ctx context.Context, f store.SensorFilter) ([]store.SensorInfo, error) {
	if f.OfflineAfter <= 0 {
		f.OfflineAfter = 10 * time.Minute
	}
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	var out []store.SensorInfo
	err := s.readTx(ctx, "sensors", func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT kind, name, sid, hostname, ip, model, first_ns, last_alert_ns, last_hb_ns, alerts
			FROM sensors WHERE ? = '' OR kind = ? ORDER BY kind, name, sid`, string(f.Kind), string(f.Kind))
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var si store.SensorInfo
			var first, last, hb int64
			if err := rs.Scan(&si.Kind, &si.Name, &si.ID, &si.Hostname, &si.IP, &si.Model, &first, &last, &hb, &si.Alerts); err != nil {
				return err
			}
			si.FirstSeen, si.LastAlert, si.LastHeartbeat = unixNS(first), unixNS(last), unixNS(hb)
			si.Online = f.Now.Sub(si.LastSeen()) <= f.OfflineAfter
			out = append(out, si)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: sensors: %w", err)
	}
	return out, nil
}
