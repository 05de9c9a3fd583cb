package sigma

import (
	"strings"
	"testing"
)

func TestParseConditionPrecedence(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a", "a"},
		{"a and b or c", "((a and b) or c)"},
		{"a or b and c", "(a or (b and c))"},
		{"not a and b", "(not a and b)"},
		{"not (a and b)", "not (a and b)"},
		{"a and not b or not c and d", "((a and not b) or (not c and d))"},
		{"1 of sel* and not filter", "(1 of sel* and not filter)"},
		{"all of them", "all of them"},
		{"a AND b", "(a and b)"},
		{"((a))", "a"},
		{"a or b or c", "(a or b or c)"},
		{"any of sel*", "1 of sel*"},
		{"2 of sel*", "2 of sel*"},
	}
	for _, c := range cases {
		n, err := parseCondition(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("%q parsed as %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "empty"},
		{"a and", "ends early"},
		{"(a", "missing \")\""},
		{"a)", "unexpected \")\""},
		{"a b", "unexpected \"b\""},
		{"sel | count() > 5", "correlation rule"},
		{"sel*", "wildcard identifier"},
		{"1 of", "expected a search identifier"},
		{"3x of sel", "quantifier"},
		{"a & b", "unexpected character"},
		{"and", "unexpected keyword"},
		{strings.Repeat("(", 300) + "a" + strings.Repeat(")", 300), "nested deeper"},
	}
	for _, c := range cases {
		_, err := parseCondition(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

const condRule = `
title: conditions
logsource: {category: alerts}
detection:
  sel_ssh:
    Target.Service: sshd
  sel_root:
    Target.User: root
  sel_web:
    Target.Service: nginx
  _internal:
    Analyzer.Name: sshd
  filter:
    Source.IP|cidr: 10.0.0.0/8
  condition: COND
`

func TestConditionForms(t *testing.T) {
	a := richAlert(t) // sshd, root, source 203.0.113.7
	cases := []struct {
		cond string
		want bool
	}{
		{"sel_ssh", true},
		{"sel_web", false},
		{"sel_ssh and sel_root", true},
		{"sel_ssh and sel_web", false},
		{"sel_web or sel_root", true},
		{"not sel_web", true},
		{"not sel_ssh", false},
		{"sel_ssh and not filter", true},
		{"1 of sel_*", true},
		{"all of sel_*", false},
		{"all of sel_s*", true},
		{"1 of them", true},
		{"all of them", false},
		{"all of sel_ssh", true},
		{"2 of sel_*", true},
		{"3 of sel_*", false},
		{"4 of sel_*", false},
		{"(sel_web or sel_ssh) and (sel_root and not filter)", true},
		{"not (sel_web or sel_ssh)", false},
		{"_internal and sel_root", true},
	}
	for _, c := range cases {
		r := compileYAML(t, strings.Replace(condRule, "COND", c.cond, 1))
		if got := r.Match(a); got != c.want {
			t.Errorf("%q: Match = %v, want %v", c.cond, got, c.want)
		}
	}
	// "them" excludes identifiers starting with "_": with only _internal
	// and filter failing, "all of them" fails because of filter, and
	// "1 of them" must not be satisfied by _internal alone.
	r := compileYAML(t, `
title: them
logsource: {}
detection:
  _internal:
    Analyzer.Name: sshd
  other:
    Analyzer.Name: nginx
  condition: 1 of them
`)
	if r.Match(a) {
		t.Error(`"1 of them" matched through an identifier starting with "_"`)
	}
}

func TestConditionCompileErrors(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		{"nope", `unknown search identifier "nope"`},
		{"1 of x*", "matches no search identifier"},
		{"sel_ssh |", "correlation rule"},
	} {
		err := compileErr(strings.Replace(condRule, "COND", c.cond, 1))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "detection.condition") {
			t.Errorf("%q: err = %v, want %q with the place", c.cond, err, c.want)
		}
	}
}

func TestConditionList(t *testing.T) {
	a := richAlert(t)
	src := strings.Replace(condRule, "condition: COND", "condition:\n    - sel_web\n    - sel_root", 1)
	r := compileYAML(t, src)
	if !r.Match(a) {
		t.Error("a list of conditions is an OR")
	}
	spec, _ := ParseRule([]byte(src))
	found := false
	for _, d := range Lint(spec) {
		found = found || (d.Severity == Failure && strings.Contains(d.Msg, "deprecated"))
	}
	if !found {
		t.Error("Lint does not flag the deprecated condition list")
	}
}
