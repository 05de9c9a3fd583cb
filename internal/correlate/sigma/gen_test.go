package sigma

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
)

// A seeded, realistic workload for benchmarks and differential tests: the
// Concerto/REE detection rules plus generated variants using equality,
// lists, contains, startswith, endswith, cidr, re, numbers and "1 of".

var (
	genCategories = []idmefv2.Category{
		idmefv2.CategoryAccessOther, idmefv2.CategoryAccessUnauthorized, idmefv2.CategoryAccessAuthorized,
		idmefv2.CategoryAccessForced, idmefv2.CategoryAccessEscalation, idmefv2.CategoryReconNetwork,
		"Malware.Virus", "Malware.Worm", "Malware.Trojan", "Sabotage.Data", "Theft.Data",
		"Availability.DoS", "Fraud.Masquerade", "Operational.Misuse",
	}
	genAnalyzers = []string{"sshd", "nginx", "sudo", "iptables", "suricata", "wazuh", "clamav", "zabbix", "apache", "postfix", "radius", "auditd"}
	genUsers     = []string{"root", "admin", "alice", "bob", "svc_backup", "www-data", "oracle", "postgres", "administrator", "guest"}
	genWords     = []string{"failed", "password", "invalid", "user", "denied", "GET", "POST", "/wp-login.php", "/etc/passwd", "select", "union", "timeout", "refused", "powershell", "wget", "curl", "base64", "sudo", "session", "opened"}
	genNets      = []string{"10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32", "172.16.0.0/12"}
	genPorts     = []int{22, 23, 80, 443, 445, 3389, 8080, 3306, 5432, 25}
)

// concertoDetections are the detection parts of the saved Concerto and REE
// rule files (../shared/rules/concerto), restated for the benchmark.
var concertoDetections = []string{
	"Category: Access.Other\nTarget_Service: sshd",
	"Target_Service: nginx",
	"Category: Access.Other",
	"Category: Access.Unauthorized\nAnalyzer.Data: Authentication",
	"Category: Access.Authorized\nAnalyzer.Data: Authentication",
	"Category: Access.Unauthorized\nAnalyzer.Data: Network",
}

func pick[T any](r *rand.Rand, l []T) T { return l[r.IntN(len(l))] }

func quoteList[T any](vals []T) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprintf("'%v'", v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// genRules returns n rule documents (YAML).
func genRules(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	var out []string
	add := func(title, searches, cond string) {
		out = append(out, fmt.Sprintf("title: %s\nlogsource: {category: alerts}\nlevel: medium\ndetection:\n%s\n  condition: %s\n", title, indent(searches, "  "), cond))
	}
	for i, d := range concertoDetections {
		add(fmt.Sprintf("concerto %d", i), "selection:\n"+indent(d, "  "), "selection")
	}
	for i := len(out); i < n; i++ {
		title := fmt.Sprintf("generated %d", i)
		switch i % 8 {
		case 0:
			add(title, fmt.Sprintf("selection:\n  Category: %s\n  Target_Service: %s", pick(r, genCategories), pick(r, genAnalyzers)), "selection")
		case 1:
			add(title, fmt.Sprintf("selection:\n  Category: %s\n  Analyzer.Name: %s\nfilter:\n  Source_IP|cidr: %s",
				quoteList([]idmefv2.Category{pick(r, genCategories), pick(r, genCategories)}), pick(r, genAnalyzers), pick(r, genNets)), "selection and not filter")
		case 2:
			add(title, fmt.Sprintf("selection:\n  Analyzer.Name: %s\n  Description|contains: %s",
				pick(r, genAnalyzers), quoteList([]string{pick(r, genWords), pick(r, genWords), pick(r, genWords)})), "selection")
		case 3:
			add(title, fmt.Sprintf("selection:\n  Category: %s\n  Source.IP|cidr: %s\n  Target.Port: %s",
				pick(r, genCategories), pick(r, genNets), quoteList([]int{pick(r, genPorts), pick(r, genPorts)})), "selection")
		case 4:
			add(title, fmt.Sprintf("selection:\n  Analyzer_Name: %s\n  Description|re: '(?i)%s.*(from|for) '",
				pick(r, genAnalyzers), pick(r, genWords[:5])), "selection")
		case 5:
			add(title, fmt.Sprintf("selection:\n  Category: %s\n  Target_User|startswith: '%s'",
				pick(r, genCategories), pick(r, genUsers)[:3]), "selection")
		case 6:
			add(title, fmt.Sprintf("sel_name:\n  Analyzer.Name|endswith: '%s'\nsel_text:\n  Description|contains|all: %s\nsel_cat:\n  Category: %s",
				pick(r, genAnalyzers)[2:], quoteList([]string{pick(r, genWords), pick(r, genWords)}), pick(r, genCategories)), "sel_cat and 1 of sel_n* or all of sel_t*")
		case 7:
			add(title, fmt.Sprintf("selection:\n  Target_Service: %s\n  Target.User: %s\n  Source_Port|gte: 1024",
				quoteList([]string{pick(r, genAnalyzers), pick(r, genAnalyzers), pick(r, genAnalyzers)}), quoteList([]string{pick(r, genUsers), pick(r, genUsers)})), "selection")
		}
	}
	return out[:n]
}

// genAlerts returns n valid alerts.
func genAlerts(tb testing.TB, n int, seed uint64) []*idmefv2.Alert {
	r := rand.New(rand.NewPCG(seed, 2))
	ips := func() string {
		switch r.IntN(5) {
		case 0:
			return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
		case 1:
			return fmt.Sprintf("192.168.%d.%d", r.IntN(256), 1+r.IntN(254))
		case 2:
			return fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
		case 3:
			return fmt.Sprintf("2001:db8::%x", 1+r.IntN(65000))
		}
		return fmt.Sprintf("198.51.100.%d", 1+r.IntN(254))
	}
	out := make([]*idmefv2.Alert, 0, n)
	for i := 0; i < n; i++ {
		an := pick(r, genAnalyzers)
		words := make([]string, 6+r.IntN(8))
		for k := range words {
			words[k] = pick(r, genWords)
		}
		desc := fmt.Sprintf("%s: %s for %s from %s", an, strings.Join(words, " "), pick(r, genUsers), ips())
		data := []idmefv2.AnalyzerData{idmefv2.AnalyzerDataLog}
		if r.IntN(3) == 0 {
			data = append(data, pick(r, []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAuthentication, idmefv2.AnalyzerDataNetwork}))
		}
		cats := []idmefv2.Category{pick(r, genCategories)}
		if r.IntN(4) == 0 {
			cats = append(cats, pick(r, genCategories))
		}
		spec := alertSpec{
			analyzer: an, data: data, category: cats, description: desc, priority: idmefv2.PriorityMedium,
			sources: []idmefv2.Source{{IP: ips(), Port: []int{1024 + r.IntN(60000)}}},
			targets: []idmefv2.Target{{IP: ips(), Service: an, User: pick(r, genUsers), Port: []int{pick(r, genPorts)}}},
		}
		if r.IntN(5) == 0 {
			spec.sources = append(spec.sources, idmefv2.Source{IP: ips()})
		}
		out = append(out, buildAlert(tb, spec))
	}
	return out
}

func compileAll(tb testing.TB, docs []string) []*Rule {
	tb.Helper()
	rules := make([]*Rule, 0, len(docs))
	for _, d := range docs {
		rules = append(rules, compileYAML(tb, d))
	}
	return rules
}

// TestRuleSetAgreesWithRules checks the index never changes the answer.
func TestRuleSetAgreesWithRules(t *testing.T) {
	rules := compileAll(t, genRules(100, 7))
	alerts := genAlerts(t, 2000, 7)
	set := NewRuleSet(rules...)
	if set.Indexed() < 80 {
		t.Errorf("only %d of 100 generated rules indexed", set.Indexed())
	}
	total := 0
	for i, a := range alerts {
		want := matchOneByOne(rules, a)
		got := set.Match(a)
		total += len(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("alert %d: RuleSet %v, one by one %v", i, got, want)
		}
	}
	// The workload must exercise matches, not only misses.
	if total < len(alerts)/10 {
		t.Fatalf("only %d matches over %d alerts: the workload is unrealistic", total, len(alerts))
	}
}

// TestConcurrentMatch shares one RuleSet between goroutines (run with
// -race): results equal the sequential ones.
func TestConcurrentMatch(t *testing.T) {
	set := NewRuleSet(compileAll(t, genRules(60, 3))...)
	alerts := genAlerts(t, 300, 3)
	want := make([]string, len(alerts))
	for i, a := range alerts {
		want[i] = fmt.Sprint(set.Match(a))
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i, a := range alerts {
				if got := fmt.Sprint(set.Match(a)); got != want[i] {
					errs <- fmt.Sprintf("alert %d: %s, want %s", i, got, want[i])
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
