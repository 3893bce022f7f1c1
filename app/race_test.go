//go:build race

package app

// The software painter is very slow under the race detector; image
// snapshots run in the ordinary test run.
const raceEnabled = true
