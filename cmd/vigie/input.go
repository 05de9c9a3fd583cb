package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// message is one IDMEFv2 message read from an input, with where it came from.
type message struct {
	Source string // file path, or "-" for stdin
	Index  int    // position of the message in its source (0-based)
	Data   []byte // the raw JSON value; for unparsable input, the rest of the source
	Err    error  // a syntax error that stopped reading the source at this message
}

// Name identifies the message in output: the file, with "#N" when the source
// holds several messages.
func (m message) Name(multi bool) string {
	src := m.Source
	if src == "-" {
		src = "stdin"
	}
	if multi {
		return fmt.Sprintf("%s#%d", src, m.Index+1)
	}
	return src
}

// messageExts are the file extensions read when walking a directory.
var messageExts = []string{".json", ".jsonl", ".ndjson", ".idmef", ".idmefv2"}

// expandInputs turns command-line arguments (files, directories, "-") into a
// sorted list of files. Directories are walked recursively for message files.
// No argument means stdin.
func expandInputs(args []string) ([]string, error) {
	if len(args) == 0 {
		return []string{"-"}, nil
	}
	var files []string
	for _, arg := range args {
		if arg == "-" {
			files = append(files, arg)
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", arg, err)
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && slices.Contains(messageExts, strings.ToLower(filepath.Ext(path))) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", arg, err)
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	return files, nil
}

// readMessages splits a source into messages. A source holds one JSON value
// or a stream of them (JSON lines, or values separated by white space). A
// top-level array is one message (and an invalid one: the format has no batch
// envelope). When the source stops parsing, the unparsable remainder becomes a
// final message carrying the syntax error, so that nothing is dropped.
func readMessages(name string, r io.Reader, fn func(message) error) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var raw json.RawMessage
		start := dec.InputOffset()
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			if i == 0 {
				return fn(message{Source: name, Data: data, Err: errors.New("empty input: no JSON value")})
			}
			return nil
		}
		if err != nil {
			rest := bytes.TrimSpace(data[start:])
			return fn(message{Source: name, Index: i, Data: rest, Err: fmt.Errorf("not JSON: %w", err)})
		}
		if err := fn(message{Source: name, Index: i, Data: raw}); err != nil {
			return err
		}
	}
}

// openInput opens a file, or returns stdin for "-".
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	return f, nil
}
