package parse

import (
	"slices"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
)

func TestRequiredLiterals(t *testing.T) {
	cases := []struct {
		grok string
		want []string
	}{
		// The two longest, longest first.
		{"Failed %{WORD:m} for %{USERNAME:u} from %{IP:ip}", []string{"Failed ", " from "}},
		// Optional and alternative parts are not required.
		{"Failed password for (invalid user )?%{USERNAME:u} from", []string{"Failed password for ", " from"}},
		{"(?:Accepted|Failed) %{WORD:m}", []string{" "}},
		{`pam_unix\(sshd:session\): session`, []string{`pam_unix(sshd:session): session`}},
		// Case-insensitive text cannot be found with strings.Contains.
		{"(?i)denied %{IP:ip}", nil},
	}
	for _, c := range cases {
		p, err := compileGrok(c.grok, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.literals, c.want) {
			t.Errorf("%q: literals %q, want %q", c.grok, p.literals, c.want)
		}
	}
}

// TestMatchSelectors covers facility, input globs, explicit literals and
// custom Grok patterns (which the scanner must not assume it knows).
func TestMatchSelectors(t *testing.T) {
	src := `ruleset: s
match:
  facility: [local3]
  input: ["file:/var/log/app/*.log"]
patterns:
  WORD: '[a-z]+'
rules:
  - id: s.a
    grok: 'user=%{WORD:u}'
    literals: [APP]
    map: {Category: [Other.Test], Target(0).User: "{{u}}"}
    samples:
      - line: "APP user=bob"
        event: {input: "file:/var/log/app/a.log"}
        expect: {Target(0).User: bob}
`
	e, err := New([]Source{{Name: "s.yaml", Data: []byte(src)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := e.CheckSamples(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if e.sets[0].rules[0].pat.fast != nil {
		t.Error("the scanner is used for a pattern that redefines WORD")
	}
	ev := func(input string, facility int, msg string) *logevent.Event {
		x := logevent.New(input, time.Now(), []byte(msg))
		x.Facility = facility
		return &x
	}
	cases := []struct {
		ev   *logevent.Event
		want string
	}{
		{ev("file:/var/log/app/a.log", 19, "APP user=bob"), "s.a"},
		{ev("file:/var/log/app/a.log", 19, "APP user=BOB"), ""}, // the custom WORD is lower case only
		{ev("file:/var/log/app/a.log", 4, "APP user=bob"), ""},  // facility
		{ev("file:/var/log/other.log", 19, "APP user=bob"), ""}, // input
		{ev("file:/var/log/app/a.log", 19, "user=bob"), ""},     // explicit literal
	}
	for i, c := range cases {
		if _, id, err := e.Process(c.ev); id != c.want || err != nil {
			t.Errorf("case %d: rule %q, %v; want %q", i, id, err, c.want)
		}
	}
}
