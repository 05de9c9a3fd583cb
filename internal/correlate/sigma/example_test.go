package sigma_test

import (
	"fmt"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/correlate/sigma"
)

func Example() {
	docs, err := sigma.ParseNamedFile("ssh.yml", []byte(`
title: Failed SSH authentication
name: failed_ssh_auth
logsource: {category: alerts}
detection:
  selection:
    Category: Access.Other
    Target_Service: sshd
  filter:
    Source.IP|cidr: 10.0.0.0/8
  condition: selection and not filter
---
title: SSH bruteforce
correlation: {type: event_count, rules: [failed_ssh_auth], group-by: [Source_IP], timespan: 5m, condition: {gte: 10}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rules, err := sigma.CompileDocuments(docs)
	if err != nil {
		fmt.Println(err)
		return
	}
	set := sigma.NewRuleSet(rules...)

	alert := &idmefv2.Alert{
		Category: []idmefv2.Category{idmefv2.CategoryAccessOther},
		Source:   []idmefv2.Source{{IP: "203.0.113.7"}},
		Target:   []idmefv2.Target{{Service: "sshd", User: "root"}},
	}
	for _, r := range set.Match(alert) {
		fmt.Println("matched:", r.Meta.Name)
	}
	fmt.Println("second document:", docs[1].Kind, docs[1].Title)

	groupBy, _ := sigma.ParseField("Source_IP", nil)
	fmt.Println("group-by", groupBy, "=", groupBy.Values(alert))

	_, err = sigma.CompileDocuments(mustParse("nginx.yml", `
title: Nginx HTTP error
logsource: {category: alerts}
detection:
  selection:
    Target_Servce: nginx
  condition: selection
`))
	fmt.Println(err)
	// Output:
	// matched: failed_ssh_auth
	// second document: correlation SSH bruteforce
	// group-by Source(*).IP = [203.0.113.7]
	// sigma: nginx.yml:6: rule "Nginx HTTP error": detection.selection.Target_Servce: unknown field: field "Target_Servce" (alias of Target.Servce): idmefv2: path "Target.Servce": unknown attribute "Servce" of class Target
}

func mustParse(name, src string) []sigma.Document {
	docs, err := sigma.ParseNamedFile(name, []byte(src))
	if err != nil {
		panic(err)
	}
	return docs
}
