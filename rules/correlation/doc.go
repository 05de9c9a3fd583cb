// Package correlation embeds Vigie's preset correlation rules: Sigma
// rules (detection + correlation) for the scenarios of Prelude's
// correlator — brute force, successful login after failures, scan, event
// storm, sweep, worm propagation, password spraying, CTI-list match and
// activity outside business hours. docs/CORRELATION.md describes each.
package correlation

import "embed"

// FS holds the preset rule files (*.yml).
//
//go:embed *.yml
var FS embed.FS
