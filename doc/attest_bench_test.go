package doc

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/coplan/coplan/internal/traces"
)

// attestEveryTxns is how many transactions of the replay make AttestEvery
// of typing at 150 ms each: the most often a live sync session attests.
var attestEveryTxns = int(AttestEvery / (150 * time.Millisecond))

// replayAttesting is replayPlan, attesting every attestEveryTxns
// transactions (attest false: never, as a plan made before this issue).
func replayAttesting(b testing.TB, p *Plan, tr *traces.Trace, attest bool) {
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		b.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		b.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	for i, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				b.Fatal(err)
			}
		}
		clock.advance(150 * time.Millisecond)
		if attest && i%attestEveryTxns == attestEveryTxns-1 {
			p.Attest()
		}
	}
	if attest {
		p.Attest()
	}
	if err := p.Commit(); err != nil {
		b.Fatal(err)
	}
}

// syncBytes syncs p into an empty replica in memory and counts the bytes
// both ways.
func syncBytes(b testing.TB, p *Plan) int {
	saved, err := p.Save()
	if err != nil {
		b.Fatal(err)
	}
	a, err := LoadPlan(saved, Author{})
	if err != nil {
		b.Fatal(err)
	}
	c := NewReplica(Author{})
	sa, _ := a.NewSyncState(nil)
	sc, _ := c.NewSyncState(nil)
	moved := 0
	for range 200 {
		m1, _, ok1, err := sa.Generate()
		if err != nil {
			b.Fatal(err)
		}
		if ok1 {
			moved += len(m1)
			if _, _, err := sc.Receive(m1); err != nil {
				b.Fatal(err)
			}
		}
		m2, _, ok2, err := sc.Generate()
		if err != nil {
			b.Fatal(err)
		}
		if ok2 {
			moved += len(m2)
			if _, _, err := sa.Receive(m2); err != nil {
				b.Fatal(err)
			}
		}
		if !ok1 && !ok2 {
			break
		}
	}
	if !slices.Equal(a.Heads(), c.Heads()) {
		b.Fatal("sync did not converge")
	}
	return moved
}

// BenchmarkAttestationCost: the sveltecomponent replay with an attestation
// per AttestEvery of typing (the most a live sync makes) against the same replay
// with none, in the same run: saved size and sync bytes (budget ≤ 1.15 each).
func BenchmarkAttestationCost(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	for i := 0; i < b.N; i++ {
		plain, signed := newTestPlan(b), newTestPlan(b)
		replayAttesting(b, plain, tr, false)
		replayAttesting(b, signed, tr, true)
		ps, _ := plain.Save()
		ss, _ := signed.Save()
		st, _ := signed.Authority()
		atts := len(st.Attributions()[0].Ranges)
		b.ReportMetric(float64(atts), "attestations")
		b.ReportMetric(float64(len(ps)), "plain-saved-bytes")
		b.ReportMetric(float64(len(ss)), "signed-saved-bytes")
		b.ReportMetric(float64(len(ss))/float64(len(ps)), "saved-ratio")
		pb, sb := syncBytes(b, plain), syncBytes(b, signed)
		b.ReportMetric(float64(sb)/float64(pb), "sync-ratio")
		if h, err := signed.History(); err == nil {
			un := 0
			for _, e := range h {
				if !e.Verified {
					un++
				}
			}
			b.ReportMetric(float64(un), "unverified-changes")
		}
	}
}

// openFixture2 is a stored plan of 20,000 content changes (one per
// transaction of the trace, topped up), with or without an attestation
// (and its own change) every 20 of them.
func openFixture2(b *testing.B, attest bool) (string, string) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	dir := b.TempDir()
	if keep := os.Getenv("COPLAN_BENCH_FIXTURES"); keep != "" { // reuse across runs while measuring
		dir = filepath.Join(keep, map[bool]string{false: "plain", true: "signed"}[attest])
		if ids, err := os.ReadDir(filepath.Join(dir, "plans")); err == nil && len(ids) == 1 {
			return dir, ids[0].Name()
		}
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
	step := func() {
		p.Commit()
		n++
		if attest && n%20 == 0 {
			p.Attest() // its own change comes on top of the 20,000
		}
	}
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				b.Fatal(err)
			}
		}
		step()
	}
	for n < 20000 {
		p.Splice(ref, 0, 0, "x")
		step()
	}
	p.compactWG.Wait()
	compactNow(p)
	p.Abandon() // no attestation at close: the two fixtures differ only as built
	return dir, p.ID()
}

// BenchmarkOpenWithAttestations: opening a plan of 20,000 changes and
// reading its members (which evaluates every statement, the attestations'
// signatures included) against the same plan without attestations, in the
// same run (budget ≤ 1.15). ratio is of the fastest wall times; cpu-ratio
// of the smallest process CPU times, which other load on the machine
// disturbs less.
func BenchmarkOpenWithAttestations(b *testing.B) {
	plainDir, plainID := openFixture2(b, false)
	signedDir, signedID := openFixture2(b, true)
	var authT, cpuT time.Duration
	open := func(dir, id string) time.Duration {
		lib, _ := OpenLibrary(dir)
		runtime.GC()
		_, c0 := cpuTime()
		t0 := time.Now()
		p, err := lib.Open(id, testAuthor)
		if err != nil {
			b.Fatal(err)
		}
		if p.Info().Title == "" {
			b.Fatal("no title")
		}
		t1 := time.Now()
		if len(p.Members()) != 1 {
			b.Fatal("no members")
		}
		d := time.Since(t0)
		_, c1 := cpuTime()
		cpuT = c1 - c0
		if id == signedID {
			authT = time.Since(t1)
		}
		p.Abandon()
		return d
	}
	plainT, signedT := time.Duration(1<<62), time.Duration(1<<62)
	plainC, signedC := time.Duration(1<<62), time.Duration(1<<62)
	for i := 0; i < b.N; i++ {
		plainT = min(plainT, open(plainDir, plainID))
		plainC = min(plainC, cpuT)
		signedT = min(signedT, open(signedDir, signedID))
		signedC = min(signedC, cpuT)
	}
	b.ReportMetric(float64(authT.Microseconds())/1000, "signed-authority-ms")
	lib, _ := OpenLibrary(signedDir)
	p, _ := lib.Open(signedID, Author{})
	n, _ := p.ChangeCount()
	st, _ := p.Authority()
	p.Abandon()
	b.ReportMetric(float64(n), "changes")
	b.ReportMetric(float64(len(st.Attributions()[0].Ranges)), "attestations")
	b.ReportMetric(float64(plainT.Microseconds())/1000, "plain-open-ms")
	b.ReportMetric(float64(signedT.Microseconds())/1000, "signed-open-ms")
	b.ReportMetric(float64(signedT)/float64(plainT), "ratio")
	b.ReportMetric(float64(signedC)/float64(plainC), "cpu-ratio")
}
