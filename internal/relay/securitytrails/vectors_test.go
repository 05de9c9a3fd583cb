package securitytrails_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The conformance vectors of SPEC §11. The copies in testdata keep the
// package self-contained; when the shared originals are present they are
// used instead, so that vector files added there (the acceptance set) are
// replayed too, and TestVectorCopiesMatchShared keeps the copies honest.
const (
	localVectors  = "testdata/vectors"
	sharedVectors = "../../../../shared/securitytrails/vectors"
)

// vectorDir returns the directory the vectors are read from.
func vectorDir() string {
	if _, err := os.Stat(filepath.Join(sharedVectors, "index.json")); err == nil {
		return sharedVectors
	}
	return localVectors
}

func TestVectorCopiesMatchShared(t *testing.T) {
	if _, err := os.Stat(sharedVectors); err != nil {
		t.Skipf("shared vectors not present (%v); using the testdata copies", err)
	}
	local, err := filepath.Glob(filepath.Join(localVectors, "*.json"))
	if err != nil || len(local) == 0 {
		t.Fatalf("no vectors in %s: %v", localVectors, err)
	}
	for _, path := range local {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			mine, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := os.ReadFile(filepath.Join(sharedVectors, name))
			if err != nil {
				t.Fatalf("%s is no longer in the shared vectors: %v", name, err)
			}
			if !bytes.Equal(mine, theirs) {
				t.Errorf("%s differs from %s; copy it again", path, sharedVectors)
			}
		})
	}
}

// vectorFile is one black-box group file.
type vectorFile struct {
	Title string       `json:"title"`
	Cases []vectorCase `json:"cases"`
}

type vectorCase struct {
	Name      string      `json:"name"`
	Origin    string      `json:"origin"`
	Note      string      `json:"note"`
	Normative bool        `json:"normative"`
	Request   vectorReq   `json:"request"`
	JWKS      jwksSpec    `json:"jwks"`
	ST        stSpec      `json:"securitytrails"`
	Fetches   []string    `json:"expected_jwks_fetches"`
	Expected  expectation `json:"expected"`
}

type vectorReq struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Auth    authSpec          `json:"auth"`
	JSON    json.RawMessage   `json:"json"`
	RawBody *string           `json:"raw_body"`
}

type authSpec struct {
	Kind          string         `json:"kind"`
	Authorization string         `json:"authorization"`
	Scheme        string         `json:"scheme"`
	Alg           string         `json:"alg"`
	Header        map[string]any `json:"header"`
	Payload       map[string]any `json:"payload"`
	SignWith      string         `json:"sign_with"`
}

type jwksSpec struct {
	Status         int             `json:"status"`
	JSONRef        string          `json:"json_ref"`
	JSON           json.RawMessage `json:"json"`
	Text           *string         `json:"text"`
	TransportError string          `json:"transport_error"`
}

type stSpec struct {
	Routes        []stRoute `json:"routes"`
	ExpectedCalls []stCall  `json:"expected_calls"`
	CallsOrder    string    `json:"expected_calls_order"`
}

type stRoute struct {
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Page           *int              `json:"page"`
	Status         int               `json:"status"`
	JSON           json.RawMessage   `json:"json"`
	Text           *string           `json:"text"`
	Headers        map[string]string `json:"headers"`
	TransportError string            `json:"transport_error"`
}

type stCall struct {
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Query    map[string][]string `json:"query"`
	JSONBody json.RawMessage     `json:"json_body"`
	Headers  map[string]string   `json:"headers"`
}

type expectation struct {
	Status int             `json:"status"`
	JSON   json.RawMessage `json:"json"`
}

// loadGroups reads every black-box group in dir: the files whose cases
// carry a request.
func loadGroups(t *testing.T, dir string) map[string]vectorFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]vectorFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct {
			Cases []map[string]json.RawMessage `json:"cases"`
		}
		if json.Unmarshal(b, &probe) != nil || len(probe.Cases) == 0 || probe.Cases[0]["request"] == nil {
			continue
		}
		var f vectorFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		groups[strings.TrimSuffix(filepath.Base(p), ".json")] = f
	}
	if len(groups) == 0 {
		t.Fatalf("no black-box vector groups in %s", dir)
	}
	return groups
}

// loadKeys reads keys.json as a generic document for json_ref look-ups.
func loadKeys(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// jsonRef resolves "keys.json#/a/b" against keys.json.
func jsonRef(t *testing.T, keys map[string]any, ref string) any {
	t.Helper()
	file, pointer, ok := strings.Cut(ref, "#/")
	if !ok || file != "keys.json" {
		t.Fatalf("unsupported json_ref %q", ref)
	}
	var cur any = keys
	for _, part := range strings.Split(pointer, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("json_ref %q: %q is not in an object", ref, part)
		}
		cur = m[part]
	}
	return cur
}

// sortedNames lists map keys in order, for deterministic subtests.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
