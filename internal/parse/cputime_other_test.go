//go:build !unix

package parse

import "time"

// cpuTime is unknown here; the lines/cpu-s metric is then omitted.
func cpuTime() time.Duration { return 0 }
