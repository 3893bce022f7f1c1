package doc

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
	"github.com/coplan/coplan/doc/store"
	"github.com/coplan/coplan/internal/traces"
)

// storedReplay is what typing a trace into a stored plan cost.
type storedReplay struct {
	wall, cpu, user time.Duration // typing, up to the last commit and any compaction it started
	closeCPU        time.Duration // Close: the compaction at close and its check
	commits         int
	tenthWall       [10]time.Duration // wall time typing each tenth of the trace
	tenthCommits    [10]int
	tenthPersist    [10]time.Duration // time in the store's Append per tenth
	tenthSync       [10]time.Duration // of which waiting for fsync
	tenthBytes      [10]int64         // bytes appended per tenth
	// The typing thread's CPU time per window (windows per tenth), and
	// the commits in each window. The fsyncs run on the store's flusher,
	// not on this thread.
	windowCPU     [10 * windows]time.Duration
	windowCommits [10 * windows]int
	windowCommit  [10 * windows]time.Duration // of which in commits, less Automerge's Commit
	sync          time.Duration               // waiting for fsync in all (the typing path does not)
	syncCPU       time.Duration               // the fsyncs' CPU time in all
	flush         store.SyncStats             // the flusher's fsyncs and the durability lag
	maxEdit       time.Duration               // the slowest single edit (a stall)
	maxFork       time.Duration               // the longest a compaction held the document
	scans         int
	disk          int64 // the plan's files after Close: snapshot, log and any fallback
	saved         int   // the document's own saved size
}

// settle collects the garbage of what ran before and waits for its
// finalizers (automerge-go frees the engine's memory in them), so one
// replay's clean-up is not charged to the next.
func settle() {
	runtime.GC()
	done := make(chan struct{})
	x := new([16]byte)
	runtime.SetFinalizer(x, func(*[16]byte) { close(done) })
	x = nil
	runtime.GC()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	runtime.GC()
}

// windows is how many windows each tenth of a replay is timed in.
const windows = 10

// cpuTime is the process's CPU time so far: user, and user plus system.
func cpuTime() (user, total time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// flatTrace is a trace with no pointers for the garbage collector to chase:
// the 250,000 small objects of a decoded trace would otherwise be scanned
// on every collection, and charged to whichever side allocates more.
type flatTrace struct {
	pos, del, end []int32 // end: where each patch's insertion ends in ins
	txnEnd        []int32 // where each transaction's patches end
	ins           string
	endContent    string
}

func flatten(tr *traces.Trace) *flatTrace {
	var f flatTrace
	var b strings.Builder
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			b.WriteString(pt.Ins)
			f.pos, f.del, f.end = append(f.pos, int32(pt.Pos)), append(f.del, int32(pt.Del)), append(f.end, int32(b.Len()))
		}
		f.txnEnd = append(f.txnEnd, int32(len(f.pos)))
	}
	f.ins, f.endContent = b.String(), tr.EndContent
	return &f
}

func (f *flatTrace) patch(i int) (pos, del int, ins string) {
	start := int32(0)
	if i > 0 {
		start = f.end[i-1]
	}
	return int(f.pos[i]), int(f.del[i]), f.ins[start:f.end[i]]
}

// txn returns the patch indexes of transaction t.
func (f *flatTrace) txn(t int) (from, to int) {
	if t > 0 {
		from = int(f.txnEnd[t-1])
	}
	return from, int(f.txnEnd[t])
}

// replayStored types tr into a new stored plan in dir under the default
// commit policy (a fake clock, 150 ms a keystroke), waits for any
// background compaction (so the CPU time counts all the typing's work),
// then closes the plan and measures its files.
func replayStored(tb testing.TB, dir string, tr *flatTrace) storedReplay {
	lib, err := OpenLibrary(dir)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := lib.Create("Replay", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		tb.Fatal(err)
	}
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		tb.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		tb.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	var r storedReplay
	scans0 := p.scans
	stats := func() store.Stats { return p.store.Stats() }
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p.commitClock = threadCPU
	settle()
	user0, cpu0 := cpuTime()
	start, st0, fl0 := time.Now(), stats(), p.store.SyncStats()
	n := len(tr.txnEnd)
	for tenth := 0; tenth < 10; tenth++ {
		t0, s0 := time.Now(), stats()
		for w := 0; w < windows; w++ {
			k := tenth*windows + w
			c0, ws0, cc0, ec0 := threadCPU(), stats(), p.commitCPU, p.engineCommitCPU
			for t := k * n / (10 * windows); t < (k+1)*n/(10*windows); t++ {
				e0 := time.Now()
				from, to := tr.txn(t)
				for i := from; i < to; i++ {
					pos, del, ins := tr.patch(i)
					if err := p.Splice(ref, pos, del, ins); err != nil {
						tb.Fatal(err)
					}
				}
				r.maxEdit = max(r.maxEdit, time.Since(e0))
				clock.advance(150 * time.Millisecond)
			}
			ws1 := stats()
			r.windowCPU[k] = threadCPU() - c0
			r.windowCommit[k] = p.commitCPU - cc0 - (p.engineCommitCPU - ec0)
			r.windowCommits[k] = ws1.Appends - ws0.Appends
		}
		s1 := stats()
		r.tenthWall[tenth] = time.Since(t0)
		r.tenthCommits[tenth] = s1.Appends - s0.Appends
		r.tenthPersist[tenth] = s1.AppendTime - s0.AppendTime
		r.tenthSync[tenth] = s1.SyncTime - s0.SyncTime
		r.tenthBytes[tenth] = s1.AppendBytes - s0.AppendBytes
	}
	if err := p.Commit(); err != nil {
		tb.Fatal(err)
	}
	p.compactWG.Wait()
	user1, cpu1 := cpuTime()
	r.wall, r.cpu, r.user = time.Since(start), cpu1-cpu0, user1-user0
	got, err := p.Text(ref)
	if err != nil {
		tb.Fatal(err)
	}
	if got != tr.endContent {
		tb.Fatalf("replayed text differs from endContent (%d vs %d bytes)", len(got), len(tr.endContent))
	}
	st := stats()
	r.commits, r.sync, r.syncCPU, r.scans = st.Appends-st0.Appends, st.SyncTime-st0.SyncTime, st.SyncCPU-st0.SyncCPU, p.scans-scans0
	r.flush = p.store.SyncStats()
	r.flush.Syncs -= fl0.Syncs
	r.flush.SyncTime -= fl0.SyncTime
	r.flush.Lag = r.flush.Lag.Since(fl0.Lag)
	plans, err := filepath.Glob(filepath.Join(dir, "plans", "*"))
	if err != nil || len(plans) != 1 {
		tb.Fatalf("plan folders %v %v", plans, err)
	}
	_, c0 := cpuTime()
	if err := p.Close(); err != nil {
		tb.Fatal(err)
	}
	_, c1 := cpuTime()
	r.closeCPU = c1 - c0
	r.maxFork = p.maxFork
	r.disk = storedBytes(tb, plans[0])
	r.saved = savedSize(tb, lib, p.ID())
	return r
}

// storedBytes is what a plan's folder holds of the plan: the snapshot and
// log of each generation (not the locks, nor the content cache, which is
// the plan's text as JSON for a fast first frame).
func storedBytes(tb testing.TB, dir string) int64 {
	var n int64
	for _, name := range []string{"snapshot", "log", "snapshot.prev", "log.prev"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err == nil {
			n += fi.Size()
		} else if !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
	return n
}

// perCommitMedian is the median over windows from..to of the CPU time per
// commit, in µs: a window that a compaction's copy or the machine's
// other work fell on moves it little.
func perCommitMedian(r storedReplay, from, to int) float64 {
	var xs []float64
	for k := from; k < to; k++ {
		if r.windowCommits[k] > 0 {
			xs = append(xs, perCommit(r.windowCPU[k], r.windowCommits[k]))
		}
	}
	return median(xs)
}

// commitMedian is the median over windows from..to of the CPU time per
// commit spent in the commits themselves (the message, the change's
// bytes, the append, any copy for a compaction; not Automerge's own
// Commit, nor the fsync), in µs.
func commitMedian(r storedReplay, from, to int) float64 {
	var xs []float64
	for k := from; k < to; k++ {
		if r.windowCommits[k] > 0 {
			xs = append(xs, perCommit(r.windowCommit[k], r.windowCommits[k]))
		}
	}
	return median(xs)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// bareReplay does the same splices on a bare automerge Text, committing at
// the same points the policy does (every Max of typing), with no storage;
// tenth is the thread's CPU time for each tenth.
func bareReplay(tb testing.TB, tr *flatTrace) (wall, cpu, user time.Duration, tenth [10]time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	settle()
	user0, cpu0 := cpuTime()
	start := time.Now()
	d := am.New()
	if err := d.RootMap().Set("t", am.NewText("")); err != nil {
		tb.Fatal(err)
	}
	v, _ := d.RootMap().Get("t")
	t := v.Text()
	var elapsed time.Duration
	n := len(tr.txnEnd)
	for k := 0; k < 10; k++ {
		t0 := threadCPU()
		for x := k * n / 10; x < (k+1)*n/10; x++ {
			if elapsed >= DefaultPolicy.Max {
				if _, err := d.Commit("Edit commitment 1 description"); err != nil {
					tb.Fatal(err)
				}
				elapsed = 0
			}
			from, to := tr.txn(x)
			for i := from; i < to; i++ {
				pos, del, ins := tr.patch(i)
				if err := t.Splice(pos, del, ins); err != nil {
					tb.Fatal(err)
				}
			}
			elapsed += 150 * time.Millisecond
		}
		tenth[k] = threadCPU() - t0
	}
	d.Commit("Edit commitment 1 description")
	user1, cpu1 := cpuTime()
	return time.Since(start), cpu1 - cpu0, user1 - user0, tenth
}

// memoryReplay types tr into a plan in memory, as replayStored does with
// storage, and returns the CPU time it took.
func memoryReplay(tb testing.TB, tr *flatTrace) time.Duration {
	p := newTestPlan(tb)
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		tb.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		tb.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	settle()
	_, c0 := cpuTime()
	for x := range tr.txnEnd {
		from, to := tr.txn(x)
		for i := from; i < to; i++ {
			pos, del, ins := tr.patch(i)
			if err := p.Splice(ref, pos, del, ins); err != nil {
				tb.Fatal(err)
			}
		}
		clock.advance(150 * time.Millisecond)
	}
	if err := p.Commit(); err != nil {
		tb.Fatal(err)
	}
	_, c1 := cpuTime()
	return c1 - c0
}

func perCommit(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

// synthetic250k is the long trace of issue 11: a paper's length of typing
// into one text, words typed and corrected.
func synthetic250k() *traces.Trace { return traces.Synthetic(11, 250_000) }

// BenchmarkTypingStored types a trace through the plan API with the commit
// policy and storage, against bare automerge-go doing the same splices and
// commits without storage, in the same run, at three lengths of the
// synthetic trace to show how the cost grows. Targets (issue 11): CPU ratio
// at most 2; the last tenth's cost per commit within 1.3 of the first
// tenth's. The fsyncs are reported apart: their wall time, and their own
// CPU time (the kernel's work to write the log through), with the ratio
// without them.
func BenchmarkTypingStored(b *testing.B) {
	for _, tc := range []struct {
		name string
		tr   func() *traces.Trace
	}{
		{"sveltecomponent", func() *traces.Trace { return traces.LoadOrSkip(b, "sveltecomponent.json.gz") }},
		{"synthetic25k", func() *traces.Trace { return traces.Synthetic(11, 25_000) }},
		{"synthetic100k", func() *traces.Trace { return traces.Synthetic(11, 100_000) }},
		{"synthetic250k", synthetic250k},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tr := flatten(tc.tr())
			var r storedReplay
			var bareWall, bareCPU, bareUser, memCPU time.Duration
			var bareTenth [10]time.Duration
			for i := 0; i < b.N; i++ {
				r = replayStored(b, b.TempDir(), tr)
				bareWall, bareCPU, bareUser, bareTenth = bareReplay(b, tr)
				// The plan API alone, in memory, to tell its cost from storage's.
				memCPU = memoryReplay(b, tr)
			}
			b.ReportMetric(float64(r.cpu.Milliseconds()), "plan-cpu-ms")
			b.ReportMetric(float64(bareCPU.Milliseconds()), "bare-cpu-ms")
			b.ReportMetric(float64(r.cpu)/float64(bareCPU), "cpu-ratio")
			b.ReportMetric(float64(r.cpu-r.syncCPU)/float64(bareCPU), "cpu-ratio-without-fsync")
			b.ReportMetric(float64(r.user)/float64(bareUser), "user-cpu-ratio")
			b.ReportMetric(float64(r.syncCPU.Milliseconds()), "fsync-cpu-ms")
			b.ReportMetric(float64(r.closeCPU.Milliseconds()), "close-cpu-ms")
			b.ReportMetric(float64(memCPU.Milliseconds()), "plan-in-memory-cpu-ms")
			b.ReportMetric(float64(r.wall.Milliseconds()), "plan-wall-ms")
			b.ReportMetric(float64(bareWall.Milliseconds()), "bare-wall-ms")
			b.ReportMetric(float64(r.flush.SyncTime.Milliseconds()), "fsync-wall-ms")
			b.ReportMetric(float64(r.sync.Milliseconds()), "fsync-wait-ms")
			b.ReportMetric(float64(r.flush.Syncs), "fsyncs")
			b.ReportMetric(float64(r.flush.Lag.Quantile(0.5).Microseconds())/1000, "durable-lag-p50-ms")
			b.ReportMetric(float64(r.flush.Lag.Quantile(0.99).Microseconds())/1000, "durable-lag-p99-ms")
			b.ReportMetric(float64(r.commits), "commits")
			first, last := perCommitMedian(r, 0, windows), perCommitMedian(r, 9*windows, 10*windows)
			b.ReportMetric(first, "cpu-first-us/commit")
			b.ReportMetric(last, "cpu-last-us/commit")
			b.ReportMetric(last/first, "cpu-last/first")
			b.ReportMetric(commitMedian(r, 9*windows, 10*windows)/commitMedian(r, 0, windows), "commit-cpu-last/first")
			nf := perCommit(r.tenthPersist[0]-r.tenthSync[0], r.tenthCommits[0])
			nl := perCommit(r.tenthPersist[9]-r.tenthSync[9], r.tenthCommits[9])
			b.ReportMetric(nl/nf, "persist-nofsync-last/first")
			b.ReportMetric(float64(bareTenth[9])/float64(bareTenth[0]), "bare-last/first")
			b.ReportMetric(float64(r.maxEdit.Microseconds())/1000, "max-edit-ms")
			b.ReportMetric(float64(r.maxFork.Microseconds())/1000, "max-fork-ms")
			b.ReportMetric(float64(r.disk)/float64(r.saved), "disk/saved")
		})
	}
}

// BenchmarkPersistCost: what persisting one commit costs with 1,000 and
// with 20,000 changes of history (target ratio at most 1.3). Each commit is
// one keystroke; the stores are compacted first so no compaction runs, and
// the two plans take turns, so the disk's mood falls on both alike. The
// fsync is reported apart: it is the disk's, whatever the history.
func BenchmarkPersistCost(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	const commits = 300
	sizes := []int{1000, 20000}
	type plan struct {
		p   *Plan
		ref TextRef
	}
	var persist, sync, commit [2]time.Duration
	for i := 0; i < b.N; i++ {
		var ps [2]plan
		for k, history := range sizes {
			lib, err := OpenLibrary(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			p, err := lib.Create("Persist", "Testland", "2025", "2027", testAuthor)
			if err != nil {
				b.Fatal(err)
			}
			id, _ := p.AddCommitment(NewCommitment{Title: "History"})
			ref := CommitmentText(id, "description")
			for n, t := 0, 0; n < history; n++ {
				if t < len(tr.Txns) {
					for _, pt := range tr.Txns[t].Patches {
						p.Splice(ref, pt.Pos, pt.Del, pt.Ins)
					}
					t++
				} else {
					p.Splice(ref, 0, 0, "x")
				}
				if err := p.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			p.compactWG.Wait()
			compactNow(p)
			ps[k] = plan{p, ref}
		}
		var s0 [2]store.Stats
		for k := range ps {
			s0[k] = ps[k].p.store.Stats()
		}
		for j := 0; j < commits; j++ {
			for k, x := range ps {
				t0 := time.Now()
				x.p.Splice(x.ref, 0, 0, "y")
				if err := x.p.Commit(); err != nil {
					b.Fatal(err)
				}
				commit[k] += time.Since(t0)
			}
		}
		for k, x := range ps {
			st := x.p.store.Stats()
			persist[k] += st.AppendTime - s0[k].AppendTime
			sync[k] += st.SyncTime - s0[k].SyncTime
			if x.p.scans != 0 {
				b.Fatalf("%d commits scanned the history", x.p.scans)
			}
			x.p.Close()
		}
	}
	n := time.Duration(b.N * commits)
	for k, h := range sizes {
		b.ReportMetric(float64((persist[k]-sync[k])/n)/1e3, fmt.Sprintf("persist-us@%d", h))
		b.ReportMetric(float64(sync[k]/n)/1e3, fmt.Sprintf("fsync-us@%d", h))
		b.ReportMetric(float64(commit[k]/n)/1e3, fmt.Sprintf("commit-us@%d", h))
	}
	b.ReportMetric(float64(persist[1]-sync[1])/float64(persist[0]-sync[0]), "persist-ratio")
	b.ReportMetric(float64(persist[1])/float64(persist[0]), "persist+fsync-ratio")
	b.ReportMetric(float64(commit[1])/float64(commit[0]), "commit-ratio")
}

// TestStoredReplayConstantCost replays the sequential trace and the long
// synthetic one into a stored plan: every commit is appended as its own
// bytes, never by scanning the history; the bytes appended per commit in
// the last tenth are about those of the first; and the last tenth costs no
// more CPU per commit than the first, within 30%. The time checked is the
// typing thread's CPU time in what this layer adds to each commit (the
// message, the change's bytes, the write and any copy for a compaction;
// the fsyncs run on the store's flusher, and their cost is the disk's,
// not the history's), without Automerge's own Commit; each tenth is timed in
// windows and the median taken, so a window that the machine's other work
// fell on does not decide. Automerge's splices and commits are the
// engine's, and bare Automerge's own cost per tenth grows on these traces
// (its ratio is logged beside the whole replay's).
//
// Its commits wait for their fsync, as before the group commit: with the
// fsyncs on the store's flusher, whether a write has to wake it makes the
// write cost about 10 or about 20 µs, in stretches as long as a tenth.
// That cost is the same at any length of history; BenchmarkTypingStored
// measures it with the flusher.
func TestStoredReplayConstantCost(t *testing.T) {
	lazyCommits = false
	t.Cleanup(func() { lazyCommits = true })
	cases := []struct {
		name    string
		tr      func() *traces.Trace
		replays int // the median ratio of this many replays decides
	}{
		// 131 commits a tenth: three replays, for enough of them.
		{"sveltecomponent", func() *traces.Trace { return traces.LoadOrSkip(t, "sveltecomponent.json.gz") }, 3},
		{"synthetic250k", synthetic250k, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.name == "synthetic250k" {
				t.Skip("the long trace takes a while")
			}
			tr := flatten(tc.tr())
			var ratios []float64
			for range tc.replays - 1 {
				r := replayStored(t, t.TempDir(), tr)
				if mf := commitMedian(r, 0, windows); mf > 0 {
					ratios = append(ratios, commitMedian(r, 9*windows, 10*windows)/mf)
				}
			}
			r := replayStored(t, t.TempDir(), tr)
			if r.scans != 0 {
				t.Fatalf("%d of %d commits scanned the history to persist", r.scans, r.commits)
			}
			if r.commits < len(tr.txnEnd)/20 {
				t.Fatalf("only %d commits", r.commits)
			}
			first := float64(r.tenthBytes[0]) / float64(r.tenthCommits[0])
			last := float64(r.tenthBytes[9]) / float64(r.tenthCommits[9])
			if last > 1.3*first {
				t.Fatalf("bytes appended per commit: %.0f in the first tenths, %.0f in the last", first, last)
			}
			cf, cl := perCommitMedian(r, 0, windows), perCommitMedian(r, 9*windows, 10*windows)
			mf, ml := commitMedian(r, 0, windows), commitMedian(r, 9*windows, 10*windows)
			_, _, _, bare := bareReplay(t, tr)
			t.Logf("%d commits; per commit: %.0f bytes first, %.0f last; commit CPU %.1f µs first, %.1f last (%.2f); all typing CPU %.0f µs first, %.0f last (%.2f; bare Automerge's own %.2f); fsync %v wall, %v CPU in all; slowest edit %v",
				r.commits, first, last, mf, ml, ml/mf, cf, cl, cl/cf, float64(bare[9])/float64(bare[0]), r.sync, r.syncCPU, r.maxEdit)
			if mf == 0 {
				t.Skip("no per-thread CPU time on this platform")
			}
			ratios = append(ratios, ml/mf)
			if g := median(ratios); g > 1.3 {
				t.Fatalf("CPU per commit grows with the history: the last tenth costs %.2f times the first (replays: %.2f)", g, ratios)
			}
		})
	}
}

// Typing in real time with the commit policy's timers: the background
// compaction takes its copy at a pause (or after compactQuietWait of
// continuous typing), compacts while typing goes on, and nothing is lost.
func TestBackgroundCompactionWhileTyping(t *testing.T) {
	old := compactDue
	compactDue = func(st store.Stats, _, _ time.Duration, _ bool) bool { return st.LogRecords >= 4 }
	t.Cleanup(func() { compactDue = old })
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Typing", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := p.AddCommitment(NewCommitment{Title: "Typed"})
	ref := CommitmentText(id, "description")
	if err := p.AutoCommit(CommitPolicy{Pause: 30 * time.Millisecond, Max: 120 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		w := fmt.Sprintf("w%d ", i)
		if err := p.Splice(ref, want.Len(), 0, w); err != nil {
			t.Fatal(err)
		}
		want.WriteString(w)
		if i%20 == 19 {
			time.Sleep(60 * time.Millisecond) // a pause: the policy commits
		} else {
			time.Sleep(2 * time.Millisecond)
		}
	}
	p.mu.Lock()
	gen, fork := p.store.Stats(), p.maxFork
	p.mu.Unlock()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if fork == 0 || gen.SnapshotRecords == 0 {
		t.Fatalf("no background compaction ran (copy held %v, snapshot folded %d records)", fork, gen.SnapshotRecords)
	}
	q, rep, err := lib.OpenWithReport(p.ID(), testAuthor)
	if err != nil || rep != nil {
		t.Fatalf("reopen: %v %+v", err, rep)
	}
	defer q.Abandon()
	got, _ := q.Text(ref)
	if got != want.String() {
		t.Fatalf("text after reopening differs: %d bytes, want %d", len(got), want.Len())
	}
	t.Logf("the longest copy held the document %v", fork)
}
