package doc

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coplan/coplan/internal/traces"
)

// histFixture is a stored plan with a history of 20,000 changes: the
// sequential trace typed into a commitment's description on the policy's
// clock, committed after every transaction, with a break every 2,000
// transactions, topped up with edits of a second commitment and the
// timeline. first and mid are versions along the way.
var histFixture struct {
	once       sync.Once
	dir, id    string
	changes    int
	first, mid []string
	midTime    time.Time
}

func makeHistFixture(b testing.TB) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	histFixture.once.Do(func() {
		clock := &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
		p := newTestPlan(b)
		histFixture.first = p.Heads()
		autoCommit(b, p, clock)
		id, _ := p.AddCommitment(NewCommitment{Title: "Replay"})
		other, _ := p.AddCommitment(NewCommitment{Title: "Second commitment"})
		tl, _ := p.AddTimeline("Self-assessment", "2026-09-30", "")
		ref := CommitmentText(id, "description")
		n := 2
		for i, tx := range tr.Txns {
			for _, pt := range tx.Patches {
				if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Commit(); err != nil {
				b.Fatal(err)
			}
			n++
			clock.advance(150 * time.Millisecond)
			if i%2000 == 1999 {
				clock.advance(20 * time.Minute)
			}
			if i == len(tr.Txns)/2 {
				histFixture.mid, histFixture.midTime = p.Heads(), clock.t
			}
		}
		words := []string{"open ", "data ", "for ", "all "}
		for i := 0; n < 20000; i, n = i+1, n+1 {
			if i%10 == 9 {
				p.SetTimelineField(tl, "date", time.Date(2026, 9, 1+i%28, 0, 0, 0, 0, time.UTC).Format(DateLayout))
			} else {
				p.Splice(CommitmentText(other, "description"), 0, 0, words[i%len(words)])
			}
			p.Commit()
			clock.advance(time.Second)
		}
		dir, err := os.MkdirTemp("", "coplan-history-bench-")
		if err != nil {
			b.Fatal(err)
		}
		lib, err := OpenLibrary(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := lib.attach(p, nil); err != nil {
			b.Fatal(err)
		}
		histFixture.changes, _ = p.ChangeCount()
		p.Close()
		histFixture.dir, histFixture.id = dir, p.ID()
	})
	if histFixture.id == "" {
		b.Fatal("the fixture failed to build")
	}
}

func openHistFixture(b testing.TB) *Plan {
	lib, err := OpenLibrary(histFixture.dir)
	if err != nil {
		b.Fatal(err)
	}
	p, err := lib.Open(histFixture.id, testAuthor)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkSessions: grouping a 20,000-change history into sessions on a
// freshly opened plan (cold: the change index is read from Automerge) and
// again (warm: from the index). Target: at most 0.5 s.
func BenchmarkSessions(b *testing.B) {
	makeHistFixture(b)
	var cold, warm time.Duration
	var sessions int
	for i := 0; i < b.N; i++ {
		p := openHistFixture(b)
		runtime.GC()
		t0 := time.Now()
		ss, err := p.Sessions(HistoryFilter{})
		if err != nil {
			b.Fatal(err)
		}
		cold += time.Since(t0)
		t0 = time.Now()
		if _, err := p.Sessions(HistoryFilter{}); err != nil {
			b.Fatal(err)
		}
		warm += time.Since(t0)
		sessions = len(ss)
		p.Abandon()
	}
	b.ReportMetric(float64(histFixture.changes), "changes")
	b.ReportMetric(float64(sessions), "sessions")
	b.ReportMetric(float64(cold.Microseconds())/1000/float64(b.N), "cold-ms")
	b.ReportMetric(float64(warm.Microseconds())/1000/float64(b.N), "warm-ms")
}

// BenchmarkPastVersion: opening a 20,000-change plan and reading it,
// against opening a past version of it (At, then reading it) in the same
// run: the middle of its history, and the change before the last (the
// costliest, as Fork replays everything up to it). Target: at most 1.2x.
func BenchmarkPastVersion(b *testing.B) {
	makeHistFixture(b)
	var openT, midT, lastT time.Duration
	for i := 0; i < b.N; i++ {
		runtime.GC()
		t0 := time.Now()
		p := openHistFixture(b)
		if len(p.Content().Commitments) == 0 {
			b.Fatal("no commitments")
		}
		openT += time.Since(t0)
		log, err := p.ChangeLog()
		if err != nil {
			b.Fatal(err)
		}
		prev := log[len(log)-2].Hash
		for _, c := range []struct {
			ref string
			d   *time.Duration
		}{{histFixture.mid[0], &midT}, {prev, &lastT}} {
			runtime.GC()
			t0 = time.Now()
			old, err := p.At(c.ref)
			if err != nil {
				b.Fatal(err)
			}
			if len(old.Content().Commitments) == 0 {
				b.Fatal("no commitments")
			}
			*c.d += time.Since(t0)
		}
		p.Abandon()
	}
	n := float64(b.N)
	b.ReportMetric(float64(openT.Microseconds())/1000/n, "open-ms")
	b.ReportMetric(float64(midT.Microseconds())/1000/n, "mid-ms")
	b.ReportMetric(float64(lastT.Microseconds())/1000/n, "last-ms")
	b.ReportMetric(float64(lastT)/float64(openT), "ratio")
}

// BenchmarkDiff: comparing the first and the last version of a
// 20,000-change plan, commitment by commitment and word by word, on an
// open plan. Target: at most 1 s.
func BenchmarkDiff(b *testing.B) {
	makeHistFixture(b)
	p := openHistFixture(b)
	defer p.Abandon()
	first := strings.Join(histFixture.first, ",")
	var total, mid time.Duration
	var fields int
	for i := 0; i < b.N; i++ {
		runtime.GC()
		t0 := time.Now()
		d, err := p.Diff(first, "now")
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		fields = 0
		for _, c := range d.Commitments {
			fields += len(c.Fields)
		}
		if len(d.Commitments) != 2 {
			b.Fatalf("%d commitments differ", len(d.Commitments))
		}
		// and the middle of history against now, where texts differ
		// inside (both versions hold the commitment)
		t0 = time.Now()
		if _, err := p.Diff(histFixture.mid[0], "now"); err != nil {
			b.Fatal(err)
		}
		mid += time.Since(t0)
	}
	b.ReportMetric(float64(fields), "fields")
	b.ReportMetric(float64(mid.Microseconds())/1000/float64(b.N), "mid-last-ms")
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "first-last-ms")
}

// BenchmarkBlame: who typed each passage of the 20,000-change plan's
// replayed description (the words it holds are reported). Target: a
// 2,000-word text in at most 0.5 s.
func BenchmarkBlame(b *testing.B) {
	makeHistFixture(b)
	p := openHistFixture(b)
	defer p.Abandon()
	id := p.Summaries()[0].ID
	ref := CommitmentText(id, "description")
	text, err := p.Text(ref)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	var passages int
	for i := 0; i < b.N; i++ {
		runtime.GC()
		t0 := time.Now()
		ps, err := p.Blame(ref)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		passages = len(ps)
	}
	b.ReportMetric(float64(len(strings.Fields(text))), "words")
	b.ReportMetric(float64(len([]rune(text))), "chars")
	b.ReportMetric(float64(passages), "passages")
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "blame-ms")
}
