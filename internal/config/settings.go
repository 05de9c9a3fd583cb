package config

import (
	"reflect"
	"strings"
)

// Setting describes one leaf setting of the configuration.
type Setting struct {
	// Path is the dotted YAML path, e.g. "ingest.rate_limit.burst".
	Path string
	// Env is the environment variable that overrides it:
	// "VIGIE_" + the path upper-cased with dots turned to underscores.
	Env string
	// Path settings are file or directory names: relative ones are
	// resolved against the configuration file's directory, and ${VAR} is
	// expanded in them.
	IsPath bool
	// Expand is true where ${VAR} is expanded (path settings and bus.url).
	Expand bool

	index []int // field index path in Config
}

// EnvPrefix starts every environment override.
const EnvPrefix = "VIGIE_"

// Settings lists every leaf setting in file order. The version key is not
// a setting: it describes the file.
func Settings() []Setting {
	var out []Setting
	walkSettings(reflect.TypeFor[Config](), "", nil, &out)
	return out
}

// isLeaf reports whether a type is a single value rather than a section.
func isLeaf(t reflect.Type) bool {
	return t.Kind() != reflect.Struct
}

func walkSettings(t reflect.Type, prefix string, index []int, out *[]Setting) {
	for i := range t.NumField() {
		f := t.Field(i)
		key := yamlKey(f)
		if key == "" || (prefix == "" && key == "version") {
			continue
		}
		path := prefix + key
		idx := append(append([]int(nil), index...), i)
		if !isLeaf(f.Type) {
			walkSettings(f.Type, path+".", idx, out)
			continue
		}
		tag := f.Tag.Get("vigie")
		*out = append(*out, Setting{
			Path:   path,
			Env:    EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_")),
			IsPath: tag == "path",
			Expand: tag == "path" || tag == "expand",
			index:  idx,
		})
	}
}

func yamlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// field returns the addressable value of s in c.
func (s Setting) field(c *Config) reflect.Value {
	return reflect.ValueOf(c).Elem().FieldByIndex(s.index)
}

// sections are the top-level keys that hold sections, for telling a
// mistyped override of a known section from someone else's VIGIE_ variable.
func sections() []string {
	var out []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if f := t.Field(i); !isLeaf(f.Type) {
			out = append(out, yamlKey(f))
		}
	}
	return out
}
