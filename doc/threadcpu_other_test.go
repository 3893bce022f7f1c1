//go:build !linux

package doc

import "time"

// threadCPU is measured on Linux only; elsewhere the timing checks that
// need it are skipped.
func threadCPU() time.Duration { return 0 }
