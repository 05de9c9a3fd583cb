package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/correlate"
	"github.com/vigie-siem/vigie/internal/server"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// flushTimeout bounds the final flush of queued alerts after an interrupt.
const flushTimeout = 10 * time.Second

func newDemoCmd() *cobra.Command {
	var (
		f        serveFlags
		rate     float64
		count    int
		seed     uint64
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Vigie (vigie serve) with built-in demo traffic",
		Long: `Run the whole SIEM, exactly as "vigie serve" does, plus two generators, so that a first
run shows a populated system:
  - IDMEFv2 alerts sent over HTTP as the sensor "vigie-demo" (with its own sensor token);
  - syslog lines (sshd, sudo, cron, nginx/Apache, the firewall, postfix, dovecot) sent
    over TCP to the syslog listener: the shipped parsing rules turn them into alerts, and
    every line is kept as a raw event. Their scenarios (an SSH brute force that ends with
    a successful login, web and port scans, password spraying) make the correlation
    presets fire.
--rate and --count are split evenly between the two; with the syslog listener off
(inputs.syslog) only HTTP alerts are sent.

Unless the configuration has enrich settings, the demo writes a small asset inventory
and a threat-intelligence list into <data_dir>/demo and enriches with them, and with the
GeoIP country database when it is installed (make geoip).

A summary is printed every --interval. Stop with Ctrl-C; with --count, the demo stops by
itself once everything it sent has been processed.`,
		Example: `  go run ./cmd/vigie demo
  VIGIE_ADMIN_PASSWORD='correct horse battery' vigie demo --data-dir ./demo-data --rate 50`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("rate") {
				rate = cfg.Demo.Rate
			}
			if err := demoEnrich(cfg, cmd.ErrOrStderr()); err != nil {
				return err
			}
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			return runServer(ctx, cmd, cfg, func(srv *server.Server) error {
				d := demo{srv: srv, cfg: cfg, out: cmd.OutOrStdout(), notice: cmd.ErrOrStderr(), rate: rate, count: count, seed: seed, interval: interval}
				err := d.run(ctx)
				stop()
				return err
			})
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.Float64Var(&rate, "rate", 20, "alerts and log lines per second, half each (0: as fast as possible; default demo.rate)")
	fs.IntVarP(&count, "count", "n", 0, "send this many alerts and log lines (half each), then stop once processed (0: run until interrupted)")
	fs.Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "random seed for the traffic")
	fs.DurationVar(&interval, "interval", 2*time.Second, "how often to print the summary")
	return cmd
}

// demoEnrich configures enrichment for the demo when the configuration has
// no enrich settings: an asset inventory of the demo's hosts and an IOC
// list naming one of its attackers, written into <data_dir>/demo, and the
// GeoIP country database where scripts/fetch-geoip.sh installs it.
func demoEnrich(cfg *config.Config, notice io.Writer) error {
	if !reflect.DeepEqual(cfg.Enrich, config.Default().Enrich) {
		fmt.Fprintln(notice, "Vigie demo: using the enrich settings of the configuration.")
		return nil
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "demo"))
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	assets, iocs := filepath.Join(dir, "assets.csv"), filepath.Join(dir, "iocs.csv")
	for path, data := range map[string][]byte{assets: alertgen.DemoAssetsCSV(), iocs: alertgen.DemoIOCList()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	e := &cfg.Enrich
	e.Assets.Files = []string{assets}
	e.Assets.RaisePriority = []string{"critical=High"}
	e.CTI.Lists = []string{"vigie-demo=" + iocs}
	e.CTI.RaisePriority = "High"
	if e.GeoIP.Enabled {
		db := cfg.GeoIPCountryDB()
		// scripts/fetch-geoip.sh installs into the default data directory.
		alt := filepath.Join(config.Default().DataDir, "geoip", filepath.Base(db))
		switch {
		case fileExists(db):
		case fileExists(alt):
			e.GeoIP.CountryDB = alt
		default:
			fmt.Fprintf(notice, "Vigie demo: no GeoIP country database at %s: run `make geoip` (or scripts/fetch-geoip.sh %s) to add the country of public sources.\n", db, filepath.Dir(db))
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("demo enrich settings: %w", err)
	}
	fmt.Fprintf(notice, "Vigie demo: enriching with the asset inventory %s and the IOC list %s.\n", assets, iocs)
	return nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// demo is a running demo: its generators and its summary.
type demo struct {
	srv            *server.Server
	cfg            *config.Config
	out, notice    io.Writer
	rate           float64
	count          int
	seed           uint64
	interval       time.Duration
	metricsURL     string // "" when /metrics cannot be read without credentials
	rules          map[string]demoRule
	linesSent      atomic.Int64
	last, lastSeen demoSnapshot
	lastAt         time.Time
}

// split divides n between HTTP alerts and log lines: half each, the odd
// one to the alerts.
func split(n int) (alerts, lines int) { return n - n/2, n / 2 }

// run sends the demo traffic and prints what Vigie holds every interval,
// until ctx ends or, with a count, until what was sent is processed.
func (d *demo) run(ctx context.Context) error {
	syslogAddr := d.srv.SyslogTCPAddr()
	alertRate, alertCount, logRate, logCount := d.rate, d.count, 0.0, 0
	switch {
	case syslogAddr == nil:
		fmt.Fprintln(d.notice, "Vigie demo: the syslog TCP listener is off (inputs.syslog): sending IDMEFv2 alerts only.")
	case d.cfg.Inputs.Syslog.TLS.Enabled():
		fmt.Fprintln(d.notice, "Vigie demo: the syslog TCP listener speaks TLS: sending IDMEFv2 alerts only.")
		syslogAddr = nil
	default:
		alertRate, logRate = d.rate/2, d.rate/2
		alertCount, logCount = split(d.count)
		if d.count > 0 && logCount == 0 {
			syslogAddr = nil
		}
	}
	if m := d.cfg.Metrics; m.Enabled && !m.RequireAuth {
		addr := d.srv.APIAddr().String()
		if m.Addr != "" {
			addr = m.Addr
			if strings.HasPrefix(addr, ":") {
				addr = "localhost" + addr
			}
		}
		d.metricsURL = "http://" + server.URLHost(tcpAddr(addr)) + "/metrics"
	}
	d.rules = correlationRules(d.cfg)
	api := "http://" + server.URLHost(d.srv.APIAddr())
	fmt.Fprintf(d.out, "Vigie demo: sending %s alerts/s as sensor vigie-demo", fmtRate(alertRate))
	if syslogAddr != nil {
		fmt.Fprintf(d.out, " and %s syslog lines/s to %s", fmtRate(logRate), syslogAddr)
	}
	fmt.Fprintf(d.out, ". Web UI: %s/ (user admin). Try:\n  curl -u \"admin:$VIGIE_ADMIN_PASSWORD\" '%s/api/v1/alerts?q=Priority%%3DHigh&limit=5'\n  curl -u \"admin:$VIGIE_ADMIN_PASSWORD\" '%s/api/v1/alerts?q=Analyzer.Name%%3D%%22Vigie%%20Correlator%%22&limit=5'\n  curl -u \"admin:$VIGIE_ADMIN_PASSWORD\" '%s/api/v1/events?limit=5'\nCtrl-C to stop.\n\n", api, api, api, api)

	gens := 1
	genDone := make(chan error, 2)
	go func() { genDone <- d.sendAlerts(ctx, alertCount, alertRate) }()
	if syslogAddr != nil {
		gens++
		go func() { genDone <- d.sendLines(ctx, syslogAddr, logCount, logRate) }()
	}
	tick := time.NewTicker(d.interval)
	defer tick.Stop()
	d.lastAt = time.Now()
	var doneAt time.Time // when both generators were done
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-genDone:
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("demo traffic: %w", err)
			}
			if gens--; gens == 0 {
				doneAt = time.Now()
			}
		case <-tick.C:
			snap := d.report(ctx)
			if gens == 0 && d.count > 0 && d.settled(ctx, snap, time.Since(doneAt) > flushTimeout) {
				return nil
			}
		}
	}
}

// sendAlerts sends count generated alerts (0: until ctx ends) to the
// ingest as the sensor "vigie-demo".
func (d *demo) sendAlerts(ctx context.Context, count int, rate float64) error {
	token, err := d.srv.IssueSensorToken(ctx, "vigie-demo")
	if err != nil {
		return err
	}
	c, err := transport.NewClient(transport.ClientOptions{URL: "http://" + server.URLHost(d.srv.IngestAddr()) + "/", BearerToken: transport.Secret(token), UserAgent: "vigie-demo/" + version})
	if err != nil {
		return err
	}
	defer c.Close()
	var sendErr atomic.Pointer[error] // the first send failure
	b, err := transport.NewBatcher(c, transport.BatcherOptions{MaxItems: 200, MaxDelay: 200 * time.Millisecond,
		OnResult: func(_ [][]byte, _ []transport.ItemResult, err error) {
			if err != nil {
				sendErr.CompareAndSwap(nil, &err)
			}
		}})
	if err != nil {
		return err
	}
	g, err := alertgen.New(alertgen.Options{Seed: d.seed})
	if err != nil {
		return err
	}
	_, err = g.Run(ctx, count, rate, func(a *idmefv2.Alert) error {
		data, err := idmefv2.Encode(a)
		if err != nil {
			return err
		}
		return b.Add(ctx, data)
	})
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if cerr := b.Close(fctx); err == nil {
		err = cerr
	}
	if p := sendErr.Load(); err == nil && p != nil && !errors.Is(*p, context.Canceled) {
		err = *p
	}
	return err
}

// sendLines sends count generated syslog lines (0: until ctx ends) over
// one TCP connection, octet-counted RFC 5424 frames.
func (d *demo) sendLines(ctx context.Context, addr net.Addr, count int, rate float64) error {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", server.URLHost(addr))
	if err != nil {
		return fmt.Errorf("syslog: %w", err)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	g := alertgen.NewLogs(alertgen.LogOptions{Seed: d.seed})
	_, err = g.Run(ctx, count, rate, func(l alertgen.LogLine) error {
		if err := conn.SetWriteDeadline(time.Now().Add(flushTimeout)); err != nil {
			return err
		}
		if _, err := w.Write(l.Frame()); err != nil {
			return err
		}
		d.linesSent.Add(1)
		if rate > 0 {
			return w.Flush()
		}
		return nil
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("syslog: %w", err)
	}
	return nil
}

// demoSnapshot is what the summary shows.
type demoSnapshot struct {
	alerts, dead          int
	byPriority            map[string]int
	events, matched, logs int            // log events in, recognised by a rule, alerts made from them
	firings               map[string]int // correlation firings per rule
	metrics               bool           // the metrics were read
}

func (s demoSnapshot) key() string {
	return fmt.Sprint(s.alerts, s.dead, s.events, s.matched, s.logs, s.firings)
}

// report prints the summary line and returns what it showed.
func (d *demo) report(ctx context.Context) demoSnapshot {
	var snap demoSnapshot
	st, err := d.srv.Stats(ctx)
	if err != nil {
		return d.last
	}
	snap.alerts, snap.dead, snap.byPriority = st.Total, st.DeadLetters, st.ByPriority
	if d.metricsURL != "" {
		snap.metrics = d.scrape(ctx, &snap) == nil
	}
	now := time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %d alerts stored (%.0f/s)", now.Format("15:04:05"), snap.alerts,
		float64(snap.alerts-d.last.alerts)/now.Sub(d.lastAt).Seconds())
	if len(snap.byPriority) > 0 {
		fmt.Fprintf(&b, " · %s", topCounts(snap.byPriority, 5))
	}
	if snap.metrics {
		fmt.Fprintf(&b, " · %d log events (%d matched a parsing rule, %d alerts)", snap.events, snap.matched, snap.logs)
		// Firings of chained rules feed other rules and store nothing.
		emitted, total := map[string]int{}, 0
		for k, n := range snap.firings {
			r, ok := d.rules[k]
			if ok && !r.emits {
				continue
			}
			emitted[cmp.Or(r.name, k)] += n
			total += n
		}
		fmt.Fprintf(&b, " · %d correlation alerts", total)
		if total > 0 {
			fmt.Fprintf(&b, " (%s)", topCounts(emitted, 4))
		}
	}
	fmt.Fprintf(&b, " · %d dead letters\n", snap.dead)
	io.WriteString(d.out, b.String())
	d.last, d.lastAt = snap, now
	return snap
}

// settled reports whether everything sent is processed: the log lines
// read (unless late: lines lost are not waited for forever), the pipeline
// drained and nothing changed since the last summary.
func (d *demo) settled(ctx context.Context, snap demoSnapshot, late bool) bool {
	if !late && snap.metrics && int64(snap.events) < d.linesSent.Load() {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, d.interval)
	defer cancel()
	if d.srv.WaitDrained(wctx) != nil {
		return false
	}
	same := snap.key() == d.lastSeen.key()
	d.lastSeen = snap
	return same
}

// scrape reads the log and correlation counters from /metrics (the
// Prometheus text format).
func (d *demo) scrape(ctx context.Context, snap *demoSnapshot) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.metricsURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("metrics: %s", resp.Status)
	}
	return readDemoMetrics(resp.Body, snap)
}

// readDemoMetrics reads the counters the summary shows from r, in the
// Prometheus text format; other lines are skipped.
func readDemoMetrics(r io.Reader, snap *demoSnapshot) error {
	snap.firings = map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil || v < 0 || v > math.MaxInt32 {
			continue
		}
		name, labels, _ := strings.Cut(line[:sp], "{")
		switch name {
		case "vigie_log_events_received_total":
			snap.events += int(v)
		case "vigie_log_events_matched_total":
			snap.matched += int(v)
		case "vigie_log_alerts_published_total":
			snap.logs += int(v)
		case "vigie_correlation_firings_total":
			if _, rest, ok := strings.Cut(labels, `rule="`); ok {
				rule, _, _ := strings.Cut(rest, `"`)
				snap.firings[rule] += int(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// demoRule is what the summary needs of a correlation rule.
type demoRule struct {
	name  string
	emits bool // false for a rule only other rules refer to (chained)
}

// correlationRules reads the correlation rules the server loads (presets
// and correlation.rules_dir), keyed by the rule label of the metrics (the
// rule's id, else its name); nil when correlation is off or they do not
// load (the summary then shows the labels).
func correlationRules(cfg *config.Config) map[string]demoRule {
	if !cfg.Correlation.Enabled {
		return nil
	}
	var sources []correlate.Source
	if cfg.Correlation.Presets {
		sources = append(sources, correlate.Source{Name: "presets", FS: presets.FS})
	}
	if dir := cfg.CorrelationRulesDir(); fileExistsDir(dir) {
		sources = append(sources, correlate.Source{Name: dir, FS: os.DirFS(dir)})
	}
	rs, _, err := (&correlate.Reloader{Sources: sources, Compile: correlate.SigmaCompile}).Check()
	if err != nil || rs == nil {
		return nil
	}
	chained := map[string]bool{}
	for _, r := range rs.Rules() {
		if c := r.Correlation; c != nil && !c.Generate {
			for _, ref := range c.Rules {
				chained[ref] = true
			}
		}
	}
	m := map[string]demoRule{}
	for _, r := range rs.Rules() {
		m[r.Key()] = demoRule{name: cmp.Or(r.Name, r.Key()), emits: !chained[r.ID] && !chained[r.Name]}
	}
	return m
}

func fileExistsDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// tcpAddr is a configured host:port as a net.Addr for server.URLHost.
type tcpAddr string

func (a tcpAddr) Network() string { return "tcp" }
func (a tcpAddr) String() string  { return string(a) }

func fmtRate(r float64) string {
	if r <= 0 {
		return "as many"
	}
	return fmt.Sprintf("%g", r)
}

// topCounts formats the n largest counts as "k1 12, k2 7".
func topCounts(m map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, 0, n)
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %d", cmp.Or(k, "no priority"), m[k]))
	}
	return strings.Join(parts, ", ")
}
