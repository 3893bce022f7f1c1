package cmalloc

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	gosync "sync"
	"testing"
)

// threadsMalloc has threads C threads malloc at once, each for the first
// time, and returns how many arenas malloc then holds.
func threadsMalloc(threads int) int {
	var ready, done gosync.WaitGroup
	ready.Add(threads)
	done.Add(threads)
	release := make(chan struct{})
	for range threads {
		go func() {
			defer done.Done()
			runtime.LockOSThread() // one goroutine per thread while they hold memory
			defer runtime.UnlockOSThread()
			free := mallocFree(256)
			ready.Done()
			<-release
			free()
		}()
	}
	ready.Wait()
	n := arenas()
	close(release)
	done.Wait()
	return n
}

// TestArenaChild is the child half of TestArenaLimit.
func TestArenaChild(t *testing.T) {
	if os.Getenv("COPLAN_CMALLOC_CHILD") == "" {
		t.Skip("runs only as a child of TestArenaLimit")
	}
	fmt.Printf("ARENAS %d LIMIT %d\n", threadsMalloc(48), limit())
}

// Each case is a fresh process (the limit binds only before malloc has
// made its ninth arena), with 48 threads allocating at once.
func TestArenaLimit(t *testing.T) {
	if arenas() < 0 {
		t.Skip("not glibc with cgo: the package does nothing here")
	}
	if _, ok := os.LookupEnv("MALLOC_ARENA_MAX"); ok || strings.Contains(os.Getenv("GLIBC_TUNABLES"), "arena_max") {
		t.Skip("the environment sets the arena limit already")
	}
	if limit() != Arenas {
		t.Fatalf("the limit set at start is %d, want %d", limit(), Arenas)
	}
	cases := []struct {
		name     string
		env      []string
		min, max int
		limit    int // what the constructor set
	}{
		{"the package's limit", nil, 1, Arenas, Arenas},
		{"MALLOC_ARENA_MAX wins", []string{"MALLOC_ARENA_MAX=6"}, Arenas + 1, 6, 0},
		{"the glibc tunable wins", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=5"}, Arenas + 1, 5, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestArenaChild$", "-test.count=1")
			cmd.Env = append(append(os.Environ(), "COPLAN_CMALLOC_CHILD=1"), c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			_, after, ok := strings.Cut(string(out), "ARENAS ")
			if !ok {
				t.Fatalf("no arena count in %q", out)
			}
			var n, set int
			if _, err := fmt.Sscanf(after, "%d LIMIT %d", &n, &set); err != nil {
				t.Fatalf("%q: %v", after, err)
			}
			if n < c.min || n > c.max {
				t.Errorf("%d arenas with 48 threads allocating, want %d to %d", n, c.min, c.max)
			}
			if set != c.limit {
				t.Errorf("the constructor set a limit of %d, want %d", set, c.limit)
			}
		})
	}
}
