// Package cputime reads the CPU time the process has used. Benchmarks
// report work per CPU-second with it: on a machine shared with other jobs,
// CPU time moves much less than wall-clock time.
package cputime

import "time"

// Process returns the user + system CPU time used so far by every thread
// of the process; 0 where the platform does not tell.
func Process() time.Duration { return process() }
