package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/correlate"
	"github.com/vigie-siem/vigie/internal/ingest"
	"github.com/vigie-siem/vigie/internal/pipeline"
	"github.com/vigie-siem/vigie/internal/web/api"
	"github.com/vigie-siem/vigie/internal/web/ui"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// buildCorrelation loads the rules and the saved state and builds the
// correlation stage; with correlation.enabled off it does nothing.
func (s *Server) buildCorrelation() error {
	cfg := s.cfg.Correlation
	if !cfg.Enabled {
		return nil
	}
	dir := s.cfg.CorrelationRulesDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("correlation.rules_dir: %w", err)
	}
	var sources []correlate.Source
	if cfg.Presets {
		sources = append(sources, correlate.Source{Name: "presets", FS: presets.FS})
	}
	sources = append(sources, correlate.Source{Name: filepath.Clean(dir), FS: os.DirFS(dir)})
	reloader := &correlate.Reloader{Sources: sources, Compile: correlate.SigmaCompile}
	log := s.component("correlate")
	rs, probs, err := reloader.Check()
	for _, p := range probs {
		log.Warn("correlation rule", "problem", p.String())
	}
	if err != nil {
		return fmt.Errorf("correlation rules: %w", err)
	}
	s.correlator, err = correlate.New(correlate.Options{
		Rules:           rs,
		AllowedLateness: cfg.AllowedLateness.Std(),
		MaxGroups:       cfg.MaxGroups,
		MaxEvents:       cfg.MaxEvents,
		MaxDepth:        cfg.MaxDepth,
		Dedup:           cfg.DedupWindow.Std(),
		Logger:          log,
		Registerer:      s.reg,
	})
	if err != nil {
		return err
	}
	snap := s.cfg.CorrelationSnapshotPath()
	if err := s.correlator.LoadSnapshot(snap); err != nil {
		// A damaged snapshot loses open windows, not alerts: start afresh.
		log.Error("correlation state not restored; starting with empty windows", "path", snap, "err", err)
	}
	s.correlation, err = correlate.NewStage(correlate.StageOptions{
		Bus: s.bus, Engine: s.correlator, Reloader: reloader, ReloadInterval: cfg.ReloadInterval.Std(),
		SnapshotPath: snap, SnapshotInterval: cfg.SnapshotInterval.Std(),
		// The bus's short default batch wait (not the store's flush
		// interval): a firing's latency is mostly this wait.
		Consume: bus.ConsumeOptions{AckWait: s.cfg.Bus.AckWait.Std(), MaxDeliver: s.cfg.Bus.MaxDeliver, MaxBatch: s.cfg.Pipeline.FetchBatch},
		Logger:  log, Registerer: s.reg,
	})
	return err
}

// lagStages are the consumers whose lag slows ingest down: the pipeline's,
// and the correlation stage when it runs. When ingest publishes straight to
// alerts.enriched (no enrichers), an accepted alert waits for the store
// stage only: the enrich stage, which then only forwards a backlog and
// correlation's alerts, is a branch.
func (s *Server) lagStages() (chain, branches []ingest.Stage) {
	enrich := ingest.Stage{Subject: bus.SubjectIn, Durable: pipeline.DurableEnrich}
	store := ingest.Stage{Subject: bus.SubjectEnriched, Durable: pipeline.DurableStore}
	if s.ingestSubject == bus.SubjectEnriched {
		chain, branches = []ingest.Stage{store}, []ingest.Stage{enrich}
	} else {
		chain = []ingest.Stage{enrich, store}
	}
	if s.cfg.Correlation.Enabled {
		branches = append(branches, ingest.Stage{Subject: bus.SubjectEnriched, Durable: correlate.DurableName})
	}
	return chain, branches
}

// runPipeline runs the pipeline's stages and the correlation stage until
// ctx ends; both drain before it returns.
func (s *Server) runPipeline(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.runner.Run(ctx) })
	if s.correlation != nil {
		g.Go(func() error { return s.correlation.Run(ctx) })
	}
	return g.Wait()
}

// ruleAPI adapts the correlation engine to the API; nil when correlation
// is off.
func (s *Server) ruleAPI() api.RuleManager {
	if s.correlator == nil {
		return nil
	}
	return ruleManager{e: s.correlator, snapshot: s.cfg.CorrelationSnapshotPath()}
}

type ruleManager struct {
	e        *correlate.Engine
	snapshot string
}

func ruleInfo(st correlate.RuleStatus) api.RuleInfo {
	r := st.Rule
	ri := api.RuleInfo{
		ID: r.Key(), Name: r.Name, Title: r.Title, Description: r.Description, Level: r.Level,
		Kind: "detection", Source: fmt.Sprintf("%s:%d", r.File, r.Line),
		Enabled: st.Enabled, Firings: st.Firings, Groups: st.Groups,
	}
	if r.Correlation != nil {
		ri.Kind, ri.Type = "correlation", string(r.Correlation.Type)
	}
	return ri
}

func (m ruleManager) ListRules(context.Context) ([]api.RuleInfo, error) {
	sts := m.e.Status()
	out := make([]api.RuleInfo, len(sts))
	for i, st := range sts {
		out[i] = ruleInfo(st)
	}
	return out, nil
}

func (m ruleManager) SetRuleEnabled(_ context.Context, id string, on bool) (api.RuleInfo, error) {
	if !m.e.SetEnabled(id, on) {
		return api.RuleInfo{}, api.ErrRuleNotFound
	}
	// Keep the choice across a crash too, not only a clean stop.
	if err := m.e.SaveSnapshot(m.snapshot); err != nil {
		return api.RuleInfo{}, fmt.Errorf("save correlation state: %w", err)
	}
	for _, st := range m.e.Status() {
		if st.Rule.Key() == id {
			return ruleInfo(st), nil
		}
	}
	return api.RuleInfo{}, errors.Join(api.ErrRuleNotFound, fmt.Errorf("rule %s vanished in a reload", id))
}

// ruleCatalog adapts the correlation engine to the web UI's rules page; nil
// when correlation is off.
func (s *Server) ruleCatalog() ui.RuleCatalog {
	if s.correlator == nil {
		return nil
	}
	return uiRules{m: ruleManager{e: s.correlator, snapshot: s.cfg.CorrelationSnapshotPath()}}
}

type uiRules struct{ m ruleManager }

func (u uiRules) Rules(ctx context.Context) ([]ui.RuleInfo, error) {
	rs, err := u.m.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.RuleInfo, len(rs))
	for i, r := range rs {
		desc := r.Description
		if desc == "" {
			desc = r.Title
		}
		name := r.Title
		if name == "" {
			name = r.Name
		}
		out[i] = ui.RuleInfo{ID: r.ID, Name: name, Description: desc, Enabled: r.Enabled, Firings: int64(r.Firings)}
	}
	return out, nil
}

func (u uiRules) SetRuleEnabled(ctx context.Context, id string, on bool) error {
	_, err := u.m.SetRuleEnabled(ctx, id, on)
	return err
}
