package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, q, want string
	}{
		{"empty", "  ", "<nil>"},
		{"term", "Source(*).IP = 10.0.0.1", "Source(*).IP = 10.0.0.1"},
		{"implied any", "Source.IP = 10.0.0.1", "Source(*).IP = 10.0.0.1"},
		{"explicit index kept", "Source(1).IP = 10.0.0.1", "Source(1).IP = 10.0.0.1"},
		{"no spaces", "Priority>=High", "Priority >= High"},
		{"all operators", "Priority != Low or Priority < High or Priority <= High or Priority > Low",
			"(((Priority != Low or Priority < High) or Priority <= High) or Priority > Low)"},
		{"in list", `Target.Hostname in (a, "b c")`, `Target(*).Hostname in (a, "b c")`},
		{"in CIDR", "Source.IP in 10.0.0.0/8", "Source(*).IP in (10.0.0.0/8)"},
		{"not in", "Category not in (Recon.Network)", "not Category in (Recon.Network)"},
		{"wildcard", `Target.Hostname ~ web-*`, "Target(*).Hostname ~ web-*"},
		{"exists", "exists Source", "exists Source(*)"},
		{"not exists", "not exists Target.User", "not exists Target(*).User"},
		{"and binds tighter", "a or b and c", "(a or (b and c))"},
		{"implicit and", "brute force", "(brute and force)"},
		{"parentheses", "(a or b) c", "((a or b) and c)"},
		{"phrase", `"brute force"`, `"brute force"`},
		{"prefix", "ransom*", "ransom*"},
		{"escapes", `Description = "say \"hi\" \\ bye"`, `Description = "say \"hi\" \\ bye"`},
		{"keywords any case", "A AND NOT B OR C", "((A and not B) or C)"},
		{"in as text", "login in progress", "((login and in) and progress)"},
		{"lifecycle", "state = new and tag = x and assignee = bob", "((state = new and tag = x) and assignee = bob)"},
		{"time", "CreateTime >= 2026-01-01T00:00:00+02:00", "CreateTime >= 2026-01-01T00:00:00+02:00"},
		{"IPv6", "Source.IP = 2001:db8::1", "Source(*).IP = 2001:db8::1"},
		{"ext path", "ext-Category = x", "ext-Category = x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.q)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.q, err)
			}
			got := "<nil>"
			if e != nil {
				got = e.String()
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, q string
		pos     int
		msg     string
	}{
		{"unknown path", "Sorce.IP = 1", 0, "unknown class or attribute"},
		{"case hint", "source.IP = 1", 0, "did you mean"},
		{"missing value", "Priority =", 10, "expected a value"},
		{"missing operator after path in", "Source.IP in", 12, "expected a value"},
		{"dangling and", "a and", 5, "expected a term"},
		{"dangling or", "a or", 4, "expected a term"},
		{"unclosed paren", "(a or b", 7, `expected ")"`},
		{"stray paren", "a)", 1, "expected and, or or end"},
		{"lone bang", "Priority ! High", 9, `expected "!="`},
		{"unterminated", `a "b`, 2, "unterminated string"},
		{"bad escape", `"a\n"`, 2, `expected \" or \\`},
		{"bad in list", "Source.IP in (1 2)", 16, `expected "," or ")"`},
		{"exists without path", "exists", 6, "expected a path"},
		{"exists bad path", "exists Nope", 7, "unknown class"},
		{"index on value", "Priority(1) = x", 0, "not a list"},
		{"operator first", "= x", 0, "expected a term"},
		{"control character", "a\x01", 1, "control character"},
		{"too deep", strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), 101, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.q)
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tt.q, err)
			}
			if qe.Pos != tt.pos || !strings.Contains(qe.Msg, tt.msg) {
				t.Errorf("Parse(%q) = %v; want offset %d and %q", tt.q, err, tt.pos, tt.msg)
			}
		})
	}
}

func TestParseField(t *testing.T) {
	for in, want := range map[string]string{"Source.IP": "Source(*).IP", "Category": "Category", "tag": "tag", "Analyzer.Name": "Analyzer.Name"} {
		f, err := ParseField(in)
		if err != nil || f.Name != want {
			t.Errorf("ParseField(%q) = %q, %v; want %q", in, f.Name, err, want)
		}
	}
	for _, bad := range []string{"", "and", "Nope", "Source.Nope"} {
		if _, err := ParseField(bad); err == nil {
			t.Errorf("ParseField(%q) succeeded", bad)
		}
	}
}

// FuzzParse checks that Parse never panics, that errors are *Error with an
// offset inside the query, and that a parsed query prints to a query that
// parses to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := Parse(q)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q): error %v is not an *Error", q, err)
			}
			if qe.Pos < 0 || qe.Pos > len(q) {
				t.Fatalf("Parse(%q): offset %d outside the query", q, qe.Pos)
			}
			return
		}
		if e == nil {
			return
		}
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", q, e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("round trip of %q: %q then %q", q, e.String(), again.String())
		}
	})
}

// seeds are the fuzz seed corpus.
var seeds = []string{
	"", "Source(*).IP = 10.0.0.0/8 and Priority >= High",
	`Category ~ "Recon.*" or Target.Hostname in (web-01, web-02)`,
	`not exists Target.User and "brute force"`, "state = new and tag = phishing",
	"Source.IP in 2001:db8::/32", "ransom*", "(a or b) not c", "CreateTime > now-1h",
	"Source(1).Port(0) = 22", "Attachment.Hash = x", "superseded = true",
	`Description = "a \"b\""`, "Priority != Low", "x in (1,2", "((", "Source.IP ~",
}
