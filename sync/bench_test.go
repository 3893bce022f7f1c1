package sync

import (
	"context"
	"fmt"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/traces"
)

// sveltePlan replays the sveltecomponent trace into a commitment with the
// commit policy (a fake clock, 150 ms per transaction) and returns the
// saved plan and its owner.
func sveltePlan(b *testing.B, owner *testPeer) *doc.Plan {
	b.Helper()
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	p, err := owner.lib.Create("Bootstrap plan", "Freedonia", "2025", "2027", owner.author)
	must(b, err)
	id, err := p.AddCommitment(doc.NewCommitment{Title: "Replayed"})
	must(b, err)
	clock := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	must(b, p.AutoCommit(doc.CommitPolicy{Pause: doc.DefaultPolicy.Pause, Max: doc.DefaultPolicy.Max,
		Now: func() time.Time { return clock }}))
	ref := doc.CommitmentText(id, "description")
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			must(b, p.Splice(ref, pt.Pos, pt.Del, pt.Ins))
		}
		clock = clock.Add(150 * time.Millisecond)
	}
	must(b, p.Commit())
	return p
}

// A fresh peer receives a plan built by replaying sveltecomponent: bytes
// on the wire against the saved size, and time against an in-memory
// Automerge sync of the same document (sub-benchmark "automerge-in-memory").
func BenchmarkBootstrap(b *testing.B) {
	owner := newTestPeer(b, "Ana")
	p := sveltePlan(b, owner)
	defer p.Close()
	saved := mustSave(b, p)
	changes, err := p.ChangeCount()
	must(b, err)
	b.Logf("plan: %d changes, saved %d bytes", changes, len(saved))

	b.Run("p2p", func(b *testing.B) {
		owner.startNode(b)
		must(b, owner.n.Start(p))
		var wire int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			j := newTestPeer(b, fmt.Sprint("Joe", i))
			j.startNode(b)
			code, err := owner.n.Invite(p.ID(), time.Hour)
			must(b, err)
			b.StartTimer()
			start := time.Now()
			q, err := j.n.Join(ctxT(b, time.Minute), code, j.author)
			must(b, err)
			must(b, j.n.WaitLevel(ctxT(b, time.Minute), q.ID(), owner.n.ID(), start))
			b.StopTimer()
			st := j.n.Peers(q.ID())
			for _, ps := range st {
				wire += ps.Stats.BytesReceived + ps.Stats.BytesSent
			}
			j.n.Close()
			q.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/op")
		b.ReportMetric(float64(wire)/float64(b.N)/float64(len(saved)), "wire/saved")
	})
	b.Run("automerge-in-memory", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			a, err := doc.LoadPlan(saved, doc.Author{})
			must(b, err)
			c := doc.NewReplica(doc.Author{})
			b.StartTimer()
			sa, err := a.NewSyncState(nil)
			must(b, err)
			sc, err := c.NewSyncState(nil)
			must(b, err)
			var moved int
			for round := 0; round < 100; round++ {
				m1, _, ok1, err := sa.Generate()
				must(b, err)
				if ok1 {
					moved += len(m1)
					_, _, err = sc.Receive(m1)
					must(b, err)
				}
				m2, _, ok2, err := sc.Generate()
				must(b, err)
				if ok2 {
					moved += len(m2)
					_, _, err = sa.Receive(m2)
					must(b, err)
				}
				if !ok1 && !ok2 {
					break
				}
			}
			if !slices.Equal(a.Heads(), c.Heads()) {
				b.Fatal("in-memory sync did not converge")
			}
			b.ReportMetric(float64(moved), "sync-bytes/op")
		}
	})
}

// Live edit latency on loopback: a commit on A until it is in B's plan.
func BenchmarkLiveEditLatency(b *testing.B) {
	g := newGroup(b, "Ana", "Bo")
	a, bo := g[0], g[1]
	syncOnce(b, a, bo)
	ref := doc.CommitmentText(commitmentID(b, a.p), "description")
	events, cancel := bo.p.Subscribe()
	defer cancel()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		must(b, a.p.Splice(ref, 0, 0, "x"))
		must(b, a.p.Commit())
		want := a.p.Heads()
		deadline := time.After(10 * time.Second)
		for !bo.p.HasChanges(want) {
			select {
			case <-events:
			case <-deadline:
				b.Fatal("edit never arrived")
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}

// A room of 20 laptops, each with 100 offline edits, then all connected:
// time until all hold identical plans, and bytes sent against the ideal
// of every change crossing the wire once per receiving peer.
func BenchmarkRoom(b *testing.B) {
	const peers, edits = 20, 100
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		names := make([]string, peers)
		for k := range names {
			names[k] = fmt.Sprint("P", k)
		}
		g := newRoom(b, names)
		ref := doc.CommitmentText(commitmentID(b, g[0].p), "description")
		for k, tp := range g {
			for e := range edits {
				must(b, tp.p.Splice(ref, 0, 0, fmt.Sprintf("[%d.%d]", k, e)))
				must(b, tp.p.Commit())
			}
		}
		b.StartTimer()
		start := time.Now()
		var wg gosync.WaitGroup
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := g[x].n.connect(ctx, g[x].n.plan(g[x].p.ID()), g[y].info()); err != nil {
						b.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		waitFor(b, 2*time.Minute, "the room to converge", func() bool { return sameHeads(g...) })
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		var sent int64
		for _, tp := range g {
			for _, ps := range tp.n.Peers(tp.p.ID()) {
				sent += ps.Stats.BytesSent
			}
		}
		all, err := g[0].p.TotalChangeBytes()
		must(b, err)
		ideal := int64(all-g[0].baseBytes) * (peers - 1)
		b.ReportMetric(elapsed.Seconds(), "converge-s")
		b.ReportMetric(float64(sent), "bytes-sent")
		b.ReportMetric(float64(ideal), "ideal-bytes")
		b.ReportMetric(float64(sent)/float64(ideal), "sent/ideal")
		for _, tp := range g {
			tp.n.Close()
		}
		b.StartTimer()
	}
}

// newRoom is a group held in memory, nodes started, not yet connected.
func newRoom(b *testing.B, names []string) []*testPeer {
	peers := make([]*testPeer, len(names))
	for i, nm := range names {
		peers[i] = newTestPeer(b, nm)
	}
	p, err := doc.NewPlan("Room plan", "Freedonia", "2025", "2027", peers[0].author)
	must(b, err)
	for _, tp := range peers[1:] {
		must(b, p.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Side: tp.author.Side}))
	}
	_, err = p.AddCommitment(doc.NewCommitment{Title: "Room"})
	must(b, err)
	saved := mustSave(b, p)
	baseBytes, err := p.TotalChangeBytes()
	must(b, err)
	for i, tp := range peers {
		if i == 0 {
			tp.p = p
		} else {
			tp.p, err = doc.LoadPlan(saved, tp.author)
			must(b, err)
		}
		tp.baseBytes = baseBytes
		tp.startNode(b)
		must(b, tp.n.Start(tp.p))
	}
	return peers
}
