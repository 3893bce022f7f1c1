//go:build !race

package amext

const raceEnabled = false
