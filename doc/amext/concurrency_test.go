package amext

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// Readers on several goroutines while another edits and commits the same
// Doc (run with -race). Readers take heads from the editor's commits (not
// from Doc.Heads, which would commit the editor's pending typing) and check
// that what they read at one set of heads hangs together.
func TestConcurrentReadsWhileEditing(t *testing.T) {
	d := newDoc(t, actorA)
	if err := d.Path("t").Set(automerge.NewText("start ")); err != nil {
		t.Fatal(err)
	}
	if err := d.Path("m", "k").Set("v0"); err != nil {
		t.Fatal(err)
	}
	var latest atomic.Pointer[[]automerge.ChangeHash]
	latest.Store(&[]automerge.ChangeHash{commit(t, d, "init")})
	const edits = 300
	deadline := time.Now().Add(20 * time.Second)
	done := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range edits {
			if err := d.Path("t").Text().Splice(i%7, i%3, fmt.Sprint(i%10)); err != nil {
				errs <- err
				return
			}
			if err := d.Path("m", "k").Set(fmt.Sprint("v", i)); err != nil {
				errs <- err
				return
			}
			if i%4 == 0 {
				h, err := d.Commit("e")
				if err != nil {
					errs <- err
					return
				}
				latest.Store(&[]automerge.ChangeHash{h})
			}
		}
	}()
	var reads [4]int
	for r := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				select {
				case <-done:
					return
				default:
				}
				if err := readOnce(d, *latest.Load()); err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				reads[r]++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("reads per goroutine during %d edits: %v", edits, reads)
	if reads == [4]int{} {
		t.Fatal("no reads overlapped the edits")
	}
}

func readOnce(d *automerge.Doc, h []automerge.ChangeHash) error {
	text, err := TextAt(d, []any{"t"}, h)
	if err != nil {
		return err
	}
	runs, err := TextInserters(d, []any{"t"}, h)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(text); len(runs) == 0 || runs[len(runs)-1].End != n {
		return fmt.Errorf("blame %v does not cover %d code points", runs, n)
	}
	n, err := ListLenAt(d, []any{"t"}, h)
	if err != nil || n != utf8.RuneCountInString(text) {
		return fmt.Errorf("length %d, %v; text has %d", n, err, utf8.RuneCountInString(text))
	}
	if _, err := TextInserters(d, []any{"t"}, nil); err != nil {
		return err
	}
	keys, err := MapKeysAt(d, nil, nil)
	if err != nil || len(keys) != 2 {
		return fmt.Errorf("keys %v %v", keys, err)
	}
	c, err := MapGetAll(d, []any{"m"}, "k")
	if err != nil || len(c) != 1 {
		return fmt.Errorf("conflicts %v %v", c, err)
	}
	counts, err := MapValueCounts(d, []string{"m"}, []string{"k", "absent"})
	if err != nil || len(counts) != 2 || counts[0] != 1 || counts[1] != 0 {
		return fmt.Errorf("counts %v %v", counts, err)
	}
	v, _, err := GetAt(d, []any{"m", "k"}, h)
	if err != nil || v == nil {
		return fmt.Errorf("get %v %v", v, err)
	}
	return nil
}

// rss is the resident set size in bytes (Linux).
func rss(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// Every AMresult is freed: thousands of calls on results that are large
// (a 10,000-character text, a 16 KiB value and change, a wide map) leave the
// resident size flat; one leaked result per call would add 30 MiB or more.
func TestNoLeaks(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow; and the race detector's own memory would hide a leak")
	}
	a := newDoc(t, actorA)
	if err := a.Path("t").Set(automerge.NewText("")); err != nil {
		t.Fatal(err)
	}
	big := string(bytes.Repeat([]byte("x"), 16<<10))
	if err := a.Path("big").Set(big); err != nil {
		t.Fatal(err)
	}
	if err := a.Path("l").Set([]any{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := a.Path("wide", fmt.Sprintf("key-%03d", i)).Set(i); err != nil {
			t.Fatal(err)
		}
	}
	commit(t, a, "init")
	b := forkAs(t, a, actorB)
	for i := range 40 {
		d := []*automerge.Doc{a, b}[i%2]
		splice(t, d, []any{"t"}, 0, 0, strings.Repeat(string(rune('a'+i%26)), 250))
		commit(t, d, "t")
		merge(t, []*automerge.Doc{a, b}[1-i%2], d)
	}
	// The heads' change is large too, so the results that check heads show.
	if err := a.Path("big2").Set(big); err != nil {
		t.Fatal(err)
	}
	heads := []automerge.ChangeHash{commit(t, a, "big2")}
	type call struct {
		n int // enough calls that one leaked result each adds well over the limit
		f func() error
	}
	calls := map[string]call{
		"TextAt":        {2000, func() error { _, err := TextAt(a, []any{"t"}, heads); return err }},
		"TextInserters": {200, func() error { _, err := TextInserters(a, []any{"t"}, heads); return err }},
		"GetAt big":     {20000, func() error { _, _, err := GetAt(a, []any{"big"}, heads); return err }},
		"MapGetAll big": {20000, func() error { _, err := MapGetAllAt(a, nil, "big", heads); return err }},
		"MapKeysAt":     {2000, func() error { _, err := MapKeysAt(a, []any{"wide"}, heads); return err }},
		"ListLenAt":     {20000, func() error { _, err := ListLenAt(a, []any{"l"}, heads); return err }},
		"MapValueCounts big": {20000, func() error {
			_, err := MapValueCountsAt(a, nil, []string{"big", "big2"}, heads)
			return err
		}},
		"MapValueCounts path error": {20000, func() error {
			_, _ = MapValueCountsAt(a, []string{"wide", "key-001"}, []string{"x"}, heads)
			return nil
		}},
		"error path": {20000, func() error { _, _ = TextAt(a, []any{"wide", "key-001"}, heads); return nil }},
	}
	settle := func() int64 {
		runtime.GC()
		debug.FreeOSMemory()
		return rss(t)
	}
	const limit = 8 << 20
	for name, c := range calls {
		t.Run(name, func(t *testing.T) {
			for range 50 { // warm up allocator pools
				if err := c.f(); err != nil {
					t.Fatal(err)
				}
			}
			before := settle()
			for i := range c.n {
				if err := c.f(); err != nil {
					t.Fatal(err)
				}
				if i%100 == 99 && rss(t)-before > 8*limit {
					t.Fatalf("RSS grew over %d MiB within %d calls: a result is not freed", 8*limit>>20, i+1)
				}
			}
			after := settle()
			t.Logf("%d calls, RSS %d → %d KiB (%+d KiB)", c.n, before>>10, after>>10, (after-before)>>10)
			if after-before > limit {
				t.Errorf("RSS grew %d MiB over %d calls: a result is not freed", (after-before)>>20, c.n)
			}
		})
	}
}
