package correlate

import (
	"errors"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/correlate/sigma"
)

// SigmaCompile compiles a Sigma detection document with package sigma: the
// CompileFunc Vigie uses.
func SigmaCompile(doc []byte) (Detector, error) {
	spec, err := sigma.ParseRule(doc)
	if err != nil {
		return nil, detectionError(err)
	}
	r, err := sigma.Compile(spec)
	if err != nil {
		return nil, detectionError(err)
	}
	return r, nil
}

// detectionError turns package sigma's located errors into a
// *DetectionError.
func detectionError(err error) error {
	var se *sigma.Error
	if errors.As(err, &se) {
		return &DetectionError{Line: se.Line, Key: se.Path, Msg: se.Msg}
	}
	return err
}

// detIndex finds the detection rules an alert may match: with package
// sigma's RuleSet when every detector is a *sigma.Rule (rules indexed by
// their literal values are only tested against alerts that have them),
// else by testing each.
type detIndex struct {
	set *sigma.RuleSet
}

func newDetIndex(dets []*detRule) detIndex {
	rules := make([]*sigma.Rule, 0, len(dets))
	for _, d := range dets {
		r, ok := d.rule.Detector.(*sigma.Rule)
		if !ok {
			return detIndex{}
		}
		rules = append(rules, r)
	}
	return detIndex{set: sigma.NewRuleSet(rules...)}
}

// each calls fn with the index of every detection rule that matches a.
func (x detIndex) each(dets []*detRule, a *idmefv2.Alert, fn func(d *detRule)) {
	if x.set != nil {
		x.set.Each(a, func(i int, _ *sigma.Rule) bool {
			fn(dets[i])
			return true
		})
		return
	}
	for _, d := range dets {
		if d.rule.Detector.Match(a) {
			fn(d)
		}
	}
}
