// Command gen generates the typed IDMEFv2 model of package idmefv2 from the
// official JSON schema: the structs and enums (model_gen.go), the schema
// checks of the fast validation path (validate_gen.go), the strict decoder and
// the encoder (codec_gen.go) and the IDMEF path accessors (path_gen.go).
//
// It reads the copy of the V08 schema committed next to it, so `go generate`
// works in a clean clone:
//
//	go run ./internal/gen -schema internal/gen/IDMEFv2.V08.schema -out .
//
// A test in package idmefv2 regenerates into a temporary directory and fails
// when the committed files differ.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	schema := flag.String("schema", "internal/gen/IDMEFv2.V08.schema", "path of the IDMEFv2 JSON schema")
	outDir := flag.String("out", ".", "directory that receives the generated files")
	extra := flag.String("extra-versions", "2.D.V09-Dev", "comma-separated Version values accepted besides the schema's (drafts whose schema differs only in Version)")
	flag.Parse()
	if err := run(*schema, *outDir, *extra); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, outDir, extra string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var extraVersions []string
	if extra != "" {
		extraVersions = strings.Split(extra, ",")
	}
	files, err := Generate(data, extraVersions)
	if err != nil {
		return err
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Generate returns the generated files, by name, for the schema text.
func Generate(schema []byte, extraVersions []string) (map[string][]byte, error) {
	m, err := load(schema, extraVersions)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for name, emit := range map[string]func(*model) ([]byte, error){
		"model_gen.go":    emitModel,
		"validate_gen.go": emitValidate,
		"codec_gen.go":    emitCodec,
		"path_gen.go":     emitPaths,
	} {
		src, err := emit(m)
		if err != nil {
			return nil, err
		}
		files[name] = src
	}
	return files, nil
}
