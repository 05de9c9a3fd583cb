package sigma

import (
	"strings"
	"testing"
)

func TestParseFileErrorsNamePlace(t *testing.T) {
	cases := []struct{ src, want string }{
		{"title: a\ndetection:\n  sel: {a: b}\n", "rules.yml:3: rule \"a\": detection.condition: missing"},
		{"title: a\nlogsource: {}\n", "no detection, correlation or filter section"},
		{"logsource: {}\ndetection: {condition: x, x: {a: b}}\n", "title: missing"},
		{"title: a\ndetection:\n  sel: {a: b}\n  sel: {c: d}\n  condition: sel\n", "defined twice"},
		{"title: [a]\ndetection: {condition: x}\n", "title: must be a string"},
		{"title: a\ntags: {a: b}\ndetection: {condition: x}\n", "tags: must be a list"},
		{"title: a\nlogsource: [x]\ndetection: {condition: x}\n", "logsource: must be a mapping"},
		{"- a\n- b\n", "document 1: a rule must be a YAML mapping"},
		{"title: a\ndetection: {condition: x, x: {a: b}}\n---\ntitle: b\ndetection: {condition: [], x: {a: b}}\n", "rules.yml:5: rule \"b\": detection.condition: empty"},
		{"title: 'a\n", "invalid YAML"},
		{"", "no YAML document"},
	}
	for _, c := range cases {
		_, err := ParseNamedFile("rules.yml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to contain %q", c.src, err, c.want)
		}
	}
}

func TestParseFileMetadata(t *testing.T) {
	src := `title: Full rule
id: 5f0a2e6e-1d6b-4a53-9f1e-7d1f6f0a9b11
name: full_rule
status: experimental
description: All metadata.
license: MIT
author: Vigie
date: 2026-11-23
modified: 2026/11/24
level: high
tags: [attack.t1110, attack.credential-access]
references: [https://example.org/r]
falsepositives: [admins]
fields: [Source.IP]
related:
  - {id: 0b8f4a5e-8a1d-4d9d-9d0b-5c2f5d9b2c10, type: derived}
logsource: {category: alerts, product: linux, service: sshd, custom_key: x}
idmefv2:
  Category: [Access.Forced]
  Priority: High
x-team: blue
detection:
  selection: {Category: Access.Forced}
  condition: selection
---
title: Correlation
name: corr
correlation: {type: event_count, rules: [full_rule], group-by: [Source_IP], timespan: 5m, condition: {gte: 3}}
`
	docs, err := ParseFile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Kind != KindDetection || docs[1].Kind != KindCorrelation {
		t.Fatalf("documents: %+v", docs)
	}
	m := docs[0].Rule.Meta
	if m.Title != "Full rule" || m.Name != "full_rule" || m.Level != "high" || m.Date != "2026-11-23" || m.Modified != "2026/11/24" ||
		len(m.Tags) != 2 || m.LogSource.Service != "sshd" || m.LogSource.Custom["custom_key"] != "x" ||
		m.Related[0].Type != "derived" || m.Custom["x-team"] != "blue" || m.License != "MIT" || len(m.FalsePositives) != 1 {
		t.Errorf("metadata not kept: %+v", m)
	}
	if p, _ := m.IDMEFv2["Priority"].(string); p != "High" {
		t.Errorf("idmefv2 attribute not kept: %v", m.IDMEFv2)
	}
	if docs[1].Name != "corr" || docs[1].Line != 26 || !strings.Contains(string(docs[1].Raw), "event_count") {
		t.Errorf("correlation document: name %q line %d raw %q", docs[1].Name, docs[1].Line, docs[1].Raw)
	}
	var corr struct {
		Correlation struct {
			Type    string   `yaml:"type"`
			GroupBy []string `yaml:"group-by"`
		} `yaml:"correlation"`
	}
	if err := docs[1].Node.Decode(&corr); err != nil || corr.Correlation.Type != "event_count" || corr.Correlation.GroupBy[0] != "Source_IP" {
		t.Errorf("correlation node decodes to %+v (%v)", corr, err)
	}
	// A complete rule lints clean except for its custom attributes.
	for _, d := range Lint(docs[0].Rule) {
		if d.Severity == Failure || (d.Path != "idmefv2" && d.Path != "x-team") {
			t.Errorf("unexpected diagnostic: %s", d)
		}
	}
	if _, err := ParseRule([]byte(src)); err == nil {
		t.Error("ParseRule accepted two documents")
	}
}

func TestLintDeviations(t *testing.T) {
	src := `title: Bad
id: not-a-uuid
status: beta
level: severe
date: 23.11.2026
tags: [Attack T1110]
related: [{id: x, type: cousin}]
detection:
  sel:
    Description|contains|all: one
    Target_User: root
  timeframe: 5m
  condition: sel AND NOT sel
`
	spec, err := ParseRule([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	diags := Lint(spec)
	want := map[string]Severity{
		"id": Failure, "status": Failure, "level": Failure, "date": Failure, "tags[0]": Failure,
		"related[0].type": Failure, "logsource": Failure, "detection.timeframe": Failure,
		"detection.sel.Description|contains|all": Failure, "detection.sel.Target_User": Warning,
		"detection.condition": Warning,
	}
	got := map[string]Severity{}
	for _, d := range diags {
		got[d.Path] = d.Severity
		if d.Line == 0 || d.Rule != "Bad" {
			t.Errorf("diagnostic without place: %s", d)
		}
	}
	for p, sev := range want {
		if s, ok := got[p]; !ok || s != sev {
			t.Errorf("%s: got %v (present %v), want %v; all: %v", p, s, ok, sev, diags)
		}
	}
	// A rule that does not compile reports the compile error.
	spec, _ = ParseRule([]byte(selRule("Nope: x")))
	found := false
	for _, d := range Lint(spec) {
		found = found || d.Severity == Failure && strings.Contains(d.Msg, "unknown field")
	}
	if !found {
		t.Error("Lint did not report the compile error")
	}
}

func TestRuleAccessors(t *testing.T) {
	r := compileYAML(t, selRule("Source_IP: 1.2.3.4\nCategory: Access.Other\nTarget(0).Port: 22"))
	if got := strings.Join(r.Fields(), ","); got != "Category,Source(*).IP,Target(0).Port" {
		t.Errorf("Fields = %s", got)
	}
	if r.String() != "t" || r.Spec().Title != "t" || r.Match(nil) {
		t.Error("accessors")
	}
}

func TestCompileDocumentsAndFind(t *testing.T) {
	src := "title: A\nname: rule_a\nlogsource: {}\ndetection: {sel: {Category: Access.Other}, condition: sel}\n---\n" +
		"title: B\nid: 5f0a2e6e-1d6b-4a53-9f1e-7d1f6f0a9b11\nlogsource: {}\ndetection: {sel: {Target_Service: sshd}, condition: sel}\n---\n" +
		"title: C\ncorrelation: {type: event_count, rules: [rule_a]}\n"
	docs, err := ParseFile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := CompileDocuments(docs)
	if err != nil || len(rules) != 2 {
		t.Fatalf("CompileDocuments: %d rules, %v", len(rules), err)
	}
	set := NewRuleSet(rules...)
	if r, i := set.Find("rule_a"); r != rules[0] || i != 0 {
		t.Errorf("Find by name: %v %d", r, i)
	}
	if r, i := set.Find("5f0a2e6e-1d6b-4a53-9f1e-7d1f6f0a9b11"); r != rules[1] || i != 1 {
		t.Errorf("Find by id: %v %d", r, i)
	}
	if r, i := set.Find("nope"); r != nil || i != -1 {
		t.Errorf("Find unknown: %v %d", r, i)
	}
	bad := append(docs, Document{Kind: KindDetection, Rule: &RuleSpec{Meta: Meta{Title: "bad"}, Detection: Detection{Conditions: []string{"x"}}}})
	if _, err := CompileDocuments(bad); err == nil || !strings.Contains(err.Error(), "unknown search identifier") {
		t.Errorf("CompileDocuments with a bad rule: %v", err)
	}
}

func TestLintIDMEFv2Enums(t *testing.T) {
	src := `title: Enums
id: 5f0a2e6e-1d6b-4a53-9f1e-7d1f6f0a9b11
level: low
logsource: {category: alerts}
detection:
  sel:
    Category: [Acess.Other, access.other]
    Priority|startswith: Hi
    Analyzer.Data|contains: Authentification
    Target.Category: [a, b, c, d, e, f, g]
    Description: anything goes
  unused:
    Analyzer.Name: x
  condition: sel
`
	spec, err := ParseRule([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range Lint(spec) {
		msgs = append(msgs, d.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`"acess.other" matches no V08 Category value`,
		`"Authentification" matches no V08 Analyzer.Data value`,
		`"a" matches no V08 Target.Category value`,
		`detection.unused: search identifier not used`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	for _, unwanted := range []string{`"access.other"`, "Priority", "Description"} {
		if strings.Contains(all, unwanted) {
			t.Errorf("unexpected %q in:\n%s", unwanted, all)
		}
	}
}

func TestFieldlessModifiers(t *testing.T) {
	a := richAlert(t)
	for _, c := range []struct {
		search string
		want   bool
	}{
		{"'|all': [whoami, root]", true},
		{"'|all': [whoami, telnet]", false},
		{"'|contains': [telnet, SSH2]", true},
		{"'|contains|cased': [SSH2]", false},
		{"'|re': ['port \\d+']", true},
		{"'|startswith': [failed]", true},
	} {
		src := "title: t\nlogsource: {}\ndetection:\n  kw:\n    " + c.search + "\n  condition: kw\n"
		r := compileYAML(t, src)
		if got := r.Match(a); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.search, got, c.want)
		}
	}
	if err := compileErr("title: t\nlogsource: {}\ndetection:\n  kw:\n    '|cidr': 10.0.0.0/8\n  condition: kw\n"); err == nil {
		t.Error("field-less cidr accepted")
	}
}

func TestLintFile(t *testing.T) {
	src := "title: A\nname: dup\nlogsource: {}\ndetection: {sel: {CreateTime|gt: 5}, condition: sel}\n---\n" +
		"title: B\nname: dup\nlogsource: {}\ndetection: {sel: {Target.Port|gt: 5}, condition: sel}\n"
	docs, err := ParseNamedFile("dup.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var dup, cmp int
	for _, d := range LintFile(docs) {
		if d.Path == "name" && d.Severity == Failure && strings.Contains(d.Msg, "line 1") && d.Line == 6 && d.Source == "dup.yml" {
			dup++
		}
		if strings.Contains(d.Msg, "text attribute CreateTime") {
			cmp++
		}
		if strings.Contains(d.Msg, "text attribute Target") {
			t.Errorf("numeric attribute flagged: %s", d)
		}
	}
	if dup != 1 || cmp != 1 {
		t.Errorf("duplicate name reported %d times, gt on text %d times; want 1 and 1", dup, cmp)
	}
}
