package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		Action    string `json:"x-vigie-action"`
		Responses map[string]struct {
			Ref     string `json:"$ref"`
			Content map[string]struct {
				Example json.RawMessage `json:"example"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
}

func loadDoc(t *testing.T) openAPIDoc {
	t.Helper()
	var d openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}

// TestOpenAPIMatchesRoutes checks that the document describes exactly the
// registered routes, with the action each requires.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	d := loadDoc(t)
	var inDoc, inCode []string
	for path, ops := range d.Paths {
		for method, op := range ops {
			inDoc = append(inDoc, strings.ToUpper(method)+" "+path+" "+op.Action)
		}
	}
	for _, rt := range f.api.routes {
		act := string(rt.action)
		if rt.path == "/metrics" {
			act = "" // the action applies only with MetricsRequireAuth
		}
		inCode = append(inCode, rt.method+" "+rt.path+" "+act)
	}
	slices.Sort(inDoc)
	slices.Sort(inCode)
	if diff := cmp.Diff(inCode, inDoc); diff != "" {
		t.Errorf("routes (-code +document):\n%s", diff)
	}
}

// TestOpenAPIExamples validates every example response against its schema.
func TestOpenAPIExamples(t *testing.T) {
	d := loadDoc(t)
	n := 0
	for path, ops := range d.Paths {
		for method, op := range ops {
			for status, resp := range op.Responses {
				ex := resp.Content["application/json"].Example
				if resp.Ref != "" {
					name := strings.TrimPrefix(resp.Ref, "#/components/responses/")
					r, err := lookup("/components/responses/" + name + "/content/application~1json")
					if err != nil {
						t.Fatalf("%s %s %s: %v", method, path, status, err)
					}
					if e, ok := r["example"]; ok {
						ex, _ = json.Marshal(e)
					}
				}
				if len(ex) == 0 {
					continue
				}
				t.Run(method+" "+path+" "+status, func(t *testing.T) {
					sch, err := responseSchema(path, method, atoi(t, status))
					if err != nil {
						t.Fatal(err)
					}
					var v any
					if err := json.Unmarshal(ex, &v); err != nil {
						t.Fatal(err)
					}
					if err := sch.Validate(v); err != nil {
						t.Errorf("example does not match its schema: %v", err)
					}
				})
				n++
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d examples; every JSON response should have one", n)
	}
}

func atoi(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("status %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
