//go:build unix

package sqlite

import (
	"syscall"
	"time"
)

// processCPU is the user + system CPU time the process has used so far:
// on a machine shared with other jobs it moves much less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
