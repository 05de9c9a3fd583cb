//go:build unix

package parse

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used (user + system, all
// threads): lines per CPU-second stay meaningful on a loaded machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
