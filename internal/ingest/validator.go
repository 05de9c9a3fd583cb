package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

// ValidatorOptions configures a Validator.
type ValidatorOptions struct {
	// Draft forces one draft for every message ("V04", "2.D.V08"…), e.g.
	// for a test receiver; "" (the default) validates each message against
	// the draft its Version names.
	Draft string
	// Upgrade turns messages of older drafts into current (2.D.V08) ones.
	// Without it they are validated against their own draft and, when valid,
	// accepted as they are — unless RequireCurrent is set.
	Upgrade bool
	// RequireCurrent refuses messages that are not of the current drafts
	// (2.D.V08, 2.D.V09-Dev) after any upgrade: what the SIEM pipeline,
	// which works on the current model, needs.
	RequireCurrent bool
	// Lenient, with Upgrade, repairs the defects common in connector output;
	// each repair is reported as a warning.
	Lenient bool
	// Validator is shared with other components; nil means a new one.
	Validator *idmefv2.Validator
	// IDOnly makes Verdict.Value the alert's ID (a string) instead of the
	// decoded *idmefv2.Alert for a current-draft message accepted as it
	// is: such a message is then decoded into recycled memory
	// (idmefv2.Scratch), without allocating an alert. For a Sink that only
	// needs the ID, such as Sink.
	IDOnly bool
}

// Validator is the transport.Validator of Vigie's ingest: each message is
// validated against the draft its Version names. For an accepted
// current-draft message, Verdict.Value is the decoded *idmefv2.Alert (its ID
// with ValidatorOptions.IDOnly; nil for messages of older drafts accepted
// without upgrade) and Verdict.Rewritten holds the upgraded bytes when an
// upgrade happened.
type Validator struct {
	v       *idmefv2.Validator
	u       *upgrade.Upgrader
	forced  bool      // a draft is forced: no fast path by Version
	current bool      // RequireCurrent
	idOnly  bool      // IDOnly
	scratch sync.Pool // of *idmefv2.Scratch, with idOnly
}

// NewValidator returns a Validator for opts.
func NewValidator(opts ValidatorOptions) (*Validator, error) {
	v := opts.Validator
	if v == nil || opts.Draft != "" {
		vo := idmefv2.ValidatorOptions{Draft: opts.Draft}
		if v != nil {
			vo.Schemas = v.Schemas()
		}
		var err error
		if v, err = idmefv2.NewValidator(vo); err != nil {
			return nil, fmt.Errorf("ingest validator: %w", err)
		}
	}
	iv := &Validator{v: v, forced: opts.Draft != "" && opts.Draft != "auto", current: opts.RequireCurrent, idOnly: opts.IDOnly}
	iv.scratch.New = func() any { return new(idmefv2.Scratch) }
	if opts.Upgrade {
		u, err := upgrade.New(upgrade.Options{Lenient: opts.Lenient, Validator: v.Schemas()})
		if err != nil {
			return nil, fmt.Errorf("ingest upgrader: %w", err)
		}
		iv.u = u
	}
	return iv, nil
}

// Validate implements transport.Validator.
func (iv *Validator) Validate(_ context.Context, msg []byte) transport.Verdict {
	// The hot path: a current-draft message, decoded once.
	if !iv.forced {
		// The handler never modifies msg (it becomes Message.Data): the
		// alert may share its memory.
		if iv.idOnly {
			if id, rep, ok := iv.validateID(msg); ok {
				return transport.Verdict{OK: true, Problems: problems(rep.Issues), Value: id}
			}
		} else if a, rep := idmefv2.DecodeValidateShared(msg); a != nil {
			return transport.Verdict{OK: true, Problems: problems(rep.Issues), Value: a}
		}
	}
	rep := iv.v.Validate(msg)
	isCurrent := rep.Version == string(idmefv2.VersionV08) || rep.Version == string(idmefv2.VersionV09Dev)
	if iv.forced || isCurrent || iv.u == nil {
		v := transport.Verdict{OK: rep.Valid(), Problems: problems(rep.Issues)}
		if v.OK && iv.current && !isCurrent {
			v.OK = false
			v.Problems = append(v.Problems, transport.Problem{Pointer: "/Version", Rule: "draft-not-accepted", Severity: transport.SeverityError,
				Message: fmt.Sprintf("messages of draft %s are valid but not accepted here: only %s is; enable upgrades of older drafts", rep.Version, idmefv2.VersionV08)})
		}
		return v
	}
	out, changes, err := iv.u.Upgrade(msg)
	if err != nil {
		return transport.Verdict{Problems: upgradeProblems(err)}
	}
	a, rep := idmefv2.DecodeValidateShared(out) // out is ours
	ps := problems(rep.Issues)
	for _, c := range changes {
		if c.Kind == upgrade.Repaired {
			ps = append(ps, transport.Problem{Pointer: c.Pointer, Rule: "upgrade.repaired", Message: c.Message, Severity: transport.SeverityWarning})
		}
	}
	return transport.Verdict{OK: a != nil, Problems: ps, Rewritten: out, Value: a}
}

// validateID validates a current-draft msg in recycled memory and returns
// the alert's ID (a string of msg) when it is valid. The scratch goes back
// to the pool still pointing into msg until its next use; the sink keeps
// msg anyway, and a pool drops idle scratches at the second GC.
func (iv *Validator) validateID(msg []byte) (id string, rep idmefv2.Report, ok bool) {
	s := iv.scratch.Get().(*idmefv2.Scratch)
	defer iv.scratch.Put(s)
	a, rep := s.ValidateShared(msg)
	if a == nil {
		return "", rep, false
	}
	return a.ID, rep, true
}

func upgradeProblems(err error) []transport.Problem {
	var inv *upgrade.InvalidError
	if !errors.As(err, &inv) {
		return []transport.Problem{{Rule: "upgrade", Message: err.Error(), Severity: transport.SeverityError}}
	}
	ps := make([]transport.Problem, 0, len(inv.Errors))
	for _, e := range inv.Errors {
		ps = append(ps, transport.Problem{Pointer: e.Pointer, Rule: e.Keyword, Message: e.Message, Severity: transport.SeverityError})
	}
	return ps
}

func problems(issues []idmefv2.Issue) []transport.Problem {
	if len(issues) == 0 {
		return nil
	}
	ps := make([]transport.Problem, len(issues))
	for i, is := range issues {
		sev := transport.SeverityError
		if is.Severity == idmefv2.SeverityWarning {
			sev = transport.SeverityWarning
		}
		ps[i] = transport.Problem{Pointer: is.Pointer, Rule: is.Rule, Message: is.Message, Severity: sev}
	}
	return ps
}
