package doc

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
	"github.com/coplan/coplan/doc/store"
	"github.com/coplan/coplan/internal/traces"
)

// replayPlan types the sequential trace into a commitment's description
// through the plan API under the default commit policy, with a fake clock
// advancing 150 ms per keystroke (steady typing).
func replayPlan(b testing.TB, p *Plan, tr *traces.Trace) {
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		b.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		b.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				b.Fatal(err)
			}
		}
		clock.advance(150 * time.Millisecond)
	}
	if err := p.Commit(); err != nil {
		b.Fatal(err)
	}
}

// replayBare does the same splices on a bare automerge Text, committing at
// the same points the policy does (every Max of typing).
func replayBare(b testing.TB, tr *traces.Trace) *am.Doc {
	d := am.New()
	if err := d.RootMap().Set("t", am.NewText("")); err != nil {
		b.Fatal(err)
	}
	v, _ := d.RootMap().Get("t")
	t := v.Text()
	var elapsed time.Duration
	for _, tx := range tr.Txns {
		if elapsed >= DefaultPolicy.Max {
			if _, err := d.Commit("edit"); err != nil {
				b.Fatal(err)
			}
			elapsed = 0
		}
		for _, pt := range tx.Patches {
			if err := t.Splice(pt.Pos, pt.Del, pt.Ins); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += 150 * time.Millisecond
	}
	d.Commit("edit")
	return d
}

// BenchmarkTyping: the plan API with the commit policy against a bare
// automerge Text doing the same splices, in the same run (target ratio ≤ 1.25).
// The two alternate and the fastest replay of each counts, so load from
// other work on the machine does not land on one side only.
func BenchmarkTyping(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	planT, bareT := time.Duration(1<<62), time.Duration(1<<62)
	for i := 0; i < b.N; i++ {
		p := newTestPlan(b)
		runtime.GC()
		t0 := time.Now()
		replayPlan(b, p, tr)
		planT = min(planT, time.Since(t0))
		runtime.GC()
		t0 = time.Now()
		replayBare(b, tr)
		bareT = min(bareT, time.Since(t0))
	}
	b.ReportMetric(float64(planT.Milliseconds()), "plan-ms/replay")
	b.ReportMetric(float64(bareT.Milliseconds()), "bare-ms/replay")
	b.ReportMetric(float64(planT)/float64(bareT), "ratio")
}

var openFixture struct {
	once    sync.Once
	dir, id string
	snap    []byte
	changes int
}

// A stored plan with a history of 20,000 changes: the sequential trace
// committed after every transaction, topped up with small edits.
func makeOpenFixture(b testing.TB) (string, string, []byte, int) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	openFixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "coplan-open-bench-")
		if err != nil {
			b.Fatal(err)
		}
		lib, err := OpenLibrary(dir)
		if err != nil {
			b.Fatal(err)
		}
		p, err := lib.Create("Open bench", "Testland", "2025", "2027", testAuthor)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := p.AddCommitment(NewCommitment{Title: "Replay"})
		ref := CommitmentText(id, "description")
		n := 2
		for _, tx := range tr.Txns {
			for _, pt := range tx.Patches {
				if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
					b.Fatal(err)
				}
			}
			p.Commit()
			n++
		}
		for ; n < 20000; n++ {
			p.Splice(ref, 0, 0, "x")
			p.Commit()
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		// Compact, as closing the app after a day's work would.
		p2, err := lib.Open(p.ID(), testAuthor)
		if err != nil {
			b.Fatal(err)
		}
		compactNow(p2)
		p2.Close()
		openFixture.dir, openFixture.id = dir, p.ID()
		snaps, _, err := store.Salvage(filepath.Join(dir, "plans", p.ID()))
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range snaps {
			if s.File == "snapshot" {
				openFixture.snap = s.Data // the payload, without the store's header
			}
		}
		chs, _ := p2.d.Changes()
		openFixture.changes = len(chs)
	})
	return openFixture.dir, openFixture.id, openFixture.snap, openFixture.changes
}

// BenchmarkOpen: opening a stored plan with 20,000 changes against a bare
// automerge.Load of the same bytes (target ratio ≤ 1.1).
func BenchmarkOpen(b *testing.B) {
	dir, id, snap, changes := makeOpenFixture(b)
	lib, _ := OpenLibrary(dir)
	var openT, loadT time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		p, err := lib.Open(id, testAuthor)
		if err != nil {
			b.Fatal(err)
		}
		if p.Info().Title == "" {
			b.Fatal("no title")
		}
		openT += time.Since(t0)
		p.Abandon()
		t0 = time.Now()
		d, err := am.Load(snap)
		if err != nil {
			b.Fatal(err)
		}
		loadT += time.Since(t0)
		_ = d
	}
	b.ReportMetric(float64(changes), "changes")
	b.ReportMetric(float64(openT.Microseconds())/1000/float64(b.N), "open-ms")
	b.ReportMetric(float64(loadT.Microseconds())/1000/float64(b.N), "load-ms")
	b.ReportMetric(float64(openT)/float64(loadT), "ratio")
}

// BenchmarkDisk: bytes on disk after the sequential replay with the
// commit policy and compaction as in daily use, and after Close, against
// the document's own saved size (target ≤ 2 at Close, where the session
// ends: typing without a pause compacts only as the log doubles, and
// Close folds in the rest and leaves a copy of the newest snapshot as the
// fallback). The plan's files before Close are reported apart.
func BenchmarkDisk(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	var ratio float64
	for i := 0; i < b.N; i++ {
		lib, err := OpenLibrary(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		p, err := lib.Create("Disk bench", "Testland", "2025", "2027", testAuthor)
		if err != nil {
			b.Fatal(err)
		}
		replayPlan(b, p, tr)
		p.compactWG.Wait()
		snap, logSize, err := p.store.Sizes()
		if err != nil {
			b.Fatal(err)
		}
		saved, _ := p.Save()
		ps, pl := p.store.PrevSizes()
		b.ReportMetric(float64(snap+logSize)/float64(len(saved)), "before-close-ratio")
		b.ReportMetric(float64(snap+logSize+ps+pl)/float64(len(saved)), "before-close-with-fallback-ratio")
		dir := lib.planDir(p.ID())
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		disk := storedBytes(b, dir)
		n := savedSize(b, lib, p.ID())
		ratio = float64(disk) / float64(n)
		b.ReportMetric(float64(disk), "disk-bytes")
		b.ReportMetric(float64(n), "saved-bytes")
	}
	b.ReportMetric(ratio, "ratio")
}
