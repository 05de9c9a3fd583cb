//go:build !unix

package sigma

import "time"

// processCPU is not available on this platform; benchmarks then report
// wall-clock throughput only.
func processCPU() time.Duration { return 0 }
