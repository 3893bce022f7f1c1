package store

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// onThreadCPU runs f on one OS thread and returns the CPU time (user and
// kernel) that thread spent in it: what an fsync costs the processor, as
// apart from the wall time it waits for the disk.
func onThreadCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	a, ok := threadClock()
	f()
	b, ok2 := threadClock()
	if !ok || !ok2 {
		return 0
	}
	return b - a
}

// threadClock reads the thread's CPU clock, which (unlike getrusage's
// per-thread figures, updated at scheduler ticks) is exact.
func threadClock() (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
