package sigma

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFoldHelpersAgainstStdlib compares the ASCII fast paths with
// strings.ToLower-based results on random inputs.
func TestFoldHelpersAgainstStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	alphabet := "aAbB.-/ *?xX1"
	gen := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		s, p := gen(r.IntN(20)), strings.ToLower(gen(r.IntN(5)))
		ls := strings.ToLower(s)
		if got, want := indexASCIIFold(s, p), strings.Index(ls, p); got != want {
			t.Fatalf("indexASCIIFold(%q, %q) = %d, want %d", s, p, got, want)
		}
		if got, want := eqFold(s, p), ls == p; got != want {
			t.Fatalf("eqFold(%q, %q) = %v", s, p, got)
		}
		if got, want := prefixFold(s, p), strings.HasPrefix(ls, p); got != want {
			t.Fatalf("prefixFold(%q, %q) = %v", s, p, got)
		}
		if got, want := suffixFold(s, p), strings.HasSuffix(ls, p); got != want {
			t.Fatalf("suffixFold(%q, %q) = %v", s, p, got)
		}
	}
}

// TestGlobAgainstRegexp compares the glob matcher with an equivalent
// regular expression on random patterns and inputs.
func TestGlobAgainstRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 5000; i++ {
		var pat, re strings.Builder
		re.WriteString("(?is)^")
		for k := r.IntN(6); k >= 0; k-- {
			switch r.IntN(4) {
			case 0:
				pat.WriteString("*")
				re.WriteString(".*")
			case 1:
				pat.WriteString("?")
				re.WriteString(".")
			default:
				c := string("abAB."[r.IntN(5)])
				pat.WriteString(c)
				re.WriteString(regexpQuote(c))
			}
		}
		re.WriteString("$")
		g := newStrPat(parseWildcards(pat.String()), false)
		rx := mustRegexp(t, re.String())
		for j := 0; j < 20; j++ {
			var s strings.Builder
			for k := r.IntN(8); k > 0; k-- {
				s.WriteByte("abAB.x"[r.IntN(6)])
			}
			if s.Len() == 0 {
				continue // the accessors never produce empty values
			}
			if got, want := g.match(value{s: s.String()}), rx.MatchString(s.String()); got != want {
				t.Fatalf("glob %q on %q = %v, regexp %s says %v", pat.String(), s.String(), got, re.String(), want)
			}
		}
	}
}

// TestRegexPrefilter checks the required-literal prefilter never changes
// the answer of the regular expression.
func TestRegexPrefilter(t *testing.T) {
	exprs := []string{`(?i)failed.*(from|for) `, `port \d+ ssh2`, `^admin(istrator)?$`, `(?i)(select|union) .*from`, `abc|def`, `(?i)ÉVIL`, `x{3}yz`}
	inputs := []string{"Failed password for root", "FAILED x from y ", "port 22 ssh2", "port ssh2", "admin", "Administrator", "administrator",
		"UNION all from t", "select * FROM t", "abc", "zdefz", "évil", "xxxyz", "xxyz", ""}
	for _, e := range exprs {
		p, err := newRePat(e)
		if err != nil {
			t.Fatal(err)
		}
		re := mustRegexp(t, e)
		for _, in := range inputs {
			if got, want := p.match(value{s: in}), re.MatchString(in); got != want {
				t.Errorf("%s on %q: prefiltered %v, regexp %v (need %v)", e, in, got, want, p.need)
			}
		}
	}
	if p, _ := newRePat(`(?i)failed.*(from|for) `); len(p.need) != 1 || p.need[0].lit != "failed" || !p.need[0].fold {
		t.Errorf("required literals of the Concerto-like pattern: %+v", p.need)
	}
}

// TestGlobHostilePattern: many stars against a long input must be decided
// (this would not finish with naive recursive backtracking).
func TestGlobHostilePattern(t *testing.T) {
	g := newStrPat(parseWildcards(strings.Repeat("*a", 30)+"*b"), false)
	s := strings.Repeat("a", 20000)
	if g.match(value{s: s}) {
		t.Fatal("matched an input without b")
	}
	if !g.match(value{s: s + "B"}) {
		t.Fatal("did not match once b is present")
	}
}

func TestIsASCII(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{{"", true}, {"abc", true}, {"abcdefgh", true}, {"abcdefghi", true}, {"abcdefgé", false}, {"é", false}, {"abcdefghijklmnoé", false}, {"\x7f\x00", true}} {
		if got := isASCII(c.s); got != c.want {
			t.Errorf("isASCII(%q) = %v", c.s, got)
		}
	}
}
