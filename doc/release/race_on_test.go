//go:build race

package release

// The race detector slows rendering several times; time budgets are
// checked only without it.
const raceEnabled = true
