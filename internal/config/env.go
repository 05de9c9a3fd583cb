package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
)

// envLookup indexes KEY=VALUE strings; the last of duplicates wins, as in
// os.Getenv.
func envLookup(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// expandAll expands ${VAR} in the settings that allow it (Setting.Expand).
func expandAll(c *Config, env map[string]string, lines map[string]int) []Problem {
	var probs []Problem
	for _, s := range Settings() {
		if !s.Expand {
			continue
		}
		for _, f := range stringsOf(s.field(c)) {
			out, err := expand(f.String(), env)
			if err != nil {
				probs = append(probs, Problem{Path: s.Path, Line: lines[s.Path], Value: f.String(), Msg: err.Error(), Err: ErrInvalid})
				continue
			}
			f.SetString(out)
		}
	}
	return probs
}

// stringsOf returns the string values of a string setting or of the
// elements of a list-of-strings setting.
func stringsOf(f reflect.Value) []reflect.Value {
	if f.Kind() != reflect.Slice {
		return []reflect.Value{f}
	}
	out := make([]reflect.Value, f.Len())
	for i := range out {
		out[i] = f.Index(i)
	}
	return out
}

// expand replaces ${NAME} with the variable's value; "$$" is a literal "$".
// An unset variable is an error (an empty password or URL part would
// otherwise fail later, far from its cause); a set but empty one expands
// to nothing. A "$" followed by anything else is kept as it is.
func expand(s string, env map[string]string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '$':
			b.WriteByte(s[i])
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i++
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ at byte %d", i)
			}
			name := s[i+2 : i+end]
			if !validEnvName(name) {
				return "", fmt.Errorf("invalid variable name %q in ${…}", name)
			}
			v, ok := env[name]
			if !ok {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// resolvePaths makes the relative path settings absolute against base.
func resolvePaths(c *Config, base string) {
	for _, s := range Settings() {
		if !s.IsPath {
			continue
		}
		for _, f := range stringsOf(s.field(c)) {
			if p := f.String(); p != "" && !filepath.IsAbs(p) {
				f.SetString(filepath.Join(base, p))
			}
		}
	}
}

// applyEnv applies the VIGIE_ overrides. It returns the setting paths it
// set, with their variable, and the problems: values that do not parse and
// variables of a known section that name no setting (a typo would otherwise
// be ignored silently). Relative paths in overrides are resolved against
// cwd.
func applyEnv(c *Config, environ []string, cwd string) (map[string]string, []Problem) {
	env := envLookup(environ)
	set := map[string]string{}
	known := map[string]bool{}
	var probs []Problem
	for _, s := range Settings() {
		known[s.Env] = true
		v, ok := env[s.Env]
		if !ok {
			continue
		}
		set[s.Path] = s.Env
		if err := setFromString(s.field(c), v); err != nil {
			probs = append(probs, Problem{Path: s.Path, Env: s.Env, Value: v, Msg: err.Error(), Err: ErrInvalid})
			continue
		}
		if f := s.field(c); s.IsPath && f.String() != "" && !filepath.IsAbs(f.String()) {
			f.SetString(filepath.Join(cwd, f.String()))
		}
	}
	for name := range env {
		if known[name] || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		for _, sec := range sections() {
			if strings.HasPrefix(name, EnvPrefix+strings.ToUpper(sec)+"_") {
				probs = append(probs, Problem{Env: name, Err: ErrUnknownSetting,
					Msg: fmt.Sprintf("environment variable %s names no setting of section %q (see docs/CONFIGURATION.md for the list)", name, sec)})
				break
			}
		}
	}
	return set, probs
}

// setFromString parses an environment value into a setting's field.
func setFromString(f reflect.Value, v string) error {
	switch f.Interface().(type) {
	case Duration:
		if v == "0" {
			f.SetInt(0)
			return nil
		}
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
		return nil
	case ByteSize:
		b, err := ParseByteSize(v)
		if err != nil {
			return err
		}
		f.SetInt(int64(b))
		return nil
	case []string:
		var items []string
		for _, it := range strings.Split(v, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		f.Set(reflect.ValueOf(items))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(v)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number")
		}
		f.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("want a number")
		}
		f.SetFloat(n)
	default:
		return fmt.Errorf("cannot be set from the environment (type %s)", f.Type())
	}
	return nil
}
