package doc

import (
	"testing"
	"time"

	"github.com/coplan/coplan/internal/traces"
)

// replayCadence types the trace with human gaps under pol and returns the
// saved size, the encoded bytes of all changes (what sync sends once per
// peer) and the number of changes.
func replayCadence(b *testing.B, tr *traces.Trace, pol CommitPolicy) (saved, changeBytes, changes int) {
	lib, err := OpenLibrary(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	p, err := lib.Create("Cadence", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Abandon()
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		b.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	pol.Now = clock.now
	if err := p.AutoCommit(pol); err != nil {
		b.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	gaps := traces.HumanGaps(len(tr.Txns))
	for i, tx := range tr.Txns {
		clock.advance(gaps[i])
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := p.Commit(); err != nil {
		b.Fatal(err)
	}
	s, err := p.Save()
	if err != nil {
		b.Fatal(err)
	}
	cb, err := p.TotalChangeBytes()
	if err != nil {
		b.Fatal(err)
	}
	h, err := p.History()
	if err != nil {
		b.Fatal(err)
	}
	return len(s), cb, len(h)
}

// BenchmarkCommitCadence: the default policy against the earlier one
// (commit on a 700 ms pause) on the sveltecomponent trace typed with human
// gaps: saved size and change bytes must stay within 1.2x.
func BenchmarkCommitCadence(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	before := CommitPolicy{Pause: 700 * time.Millisecond, Max: 2 * time.Second}
	for i := 0; i < b.N; i++ {
		s0, c0, n0 := replayCadence(b, tr, before)
		s1, c1, n1 := replayCadence(b, tr, DefaultPolicy)
		b.ReportMetric(float64(s1)/float64(s0), "saved-ratio")
		b.ReportMetric(float64(c1)/float64(c0), "change-bytes-ratio")
		b.ReportMetric(float64(n1)/float64(n0), "changes-ratio")
		b.ReportMetric(float64(s1), "saved-bytes")
	}
}
