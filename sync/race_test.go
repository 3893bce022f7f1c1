//go:build race

package sync

// The race detector multiplies a process's memory; the backlog test
// checks the receiver's memory in the ordinary test run only.
const raceEnabled = true
