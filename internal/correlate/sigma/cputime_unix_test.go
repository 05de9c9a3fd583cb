//go:build unix

package sigma

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the test process has
// used, so benchmarks can report throughput per CPU-second, which a busy
// shared machine does not distort as it does wall-clock time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
