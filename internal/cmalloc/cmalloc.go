// Package cmalloc bounds the C allocator's per-thread arenas, for program
// mains only: imported for its side effect, it sets the process-wide
// limit a library must not choose for its host program.
//
// Automerge runs in C (through cgo) and mallocs from whichever thread the
// Go scheduler runs the call on. glibc gives each new thread its own
// arena, up to eight per core, and memory freed in one arena serves only
// the threads on it, so each arena grows to its own peak: in a room of 40
// peers, two arenas instead of sixteen (two cores) took a node's peak from
// about 155 to 120 MB. A plan's C calls take the plan's lock anyway, so
// few arenas add little contention (a room of 20 used no more CPU).
//
// The limit is set by a C constructor, before the Go runtime starts its
// threads (each of which may already take an arena). A MALLOC_ARENA_MAX or
// glibc.malloc.arena_max tunable set by whoever starts the program is left
// to win. Elsewhere than glibc with cgo the package does nothing.
package cmalloc

// Arenas is the arena limit set at start; arena_glibc.go's constructor
// holds the same number.
const Arenas = 2
