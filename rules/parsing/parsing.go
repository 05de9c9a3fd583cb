// Package parsing embeds the log parsing rule sets shipped with Vigie: one
// YAML file per program or device family, in the format of
// docs/PARSING-RULES.md. internal/parse compiles them.
package parsing

import "embed"

// Files holds the shipped rule set files (*.yaml).
//
//go:embed *.yaml
var Files embed.FS
