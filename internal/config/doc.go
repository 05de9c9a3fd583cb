// Package config is Vigie's configuration: one YAML file for every
// component, where every setting has a default, so that Vigie runs with no
// file at all.
//
// Load builds a Config in four steps:
//
//  1. Default() gives every value (see docs/CONFIGURATION.md).
//  2. The file, if any, is decoded strictly over it: the "version: 1" key
//     is checked first, and an unknown key, a future section included, is
//     an error that names it with its line. ${VAR} is expanded only in path
//     settings and in bus.url (Setting.Expand); an unset variable is an
//     error. Relative paths are resolved against the file's directory.
//  3. Environment overrides: every leaf setting has a variable named
//     "VIGIE_" + its path in upper case with dots turned into underscores
//     (ingest.rate_limit.burst → VIGIE_INGEST_RATE_LIMIT_BURST; Settings
//     lists them). Lists are comma-separated; relative paths are resolved
//     against the working directory. A VIGIE_ variable that starts like a
//     section (VIGIE_INGEST_…) but names no setting is an error.
//  4. Validate checks every value and reports all problems at once, each
//     naming its setting path, its value, and its line or variable.
//
// The strict decoder is go.yaml.in/yaml/v3 driven through its node tree
// rather than koanf: koanf flattens documents into maps and so loses the
// line of an unknown key, and its environment provider cannot tell the
// underscores of a key (rate_limit) from the section separator, which
// deriving variable names from the struct avoids.
package config
