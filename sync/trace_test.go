package sync

import (
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/traces"
)

// run is a stretch of one agent's transactions typed without looking at the
// other agent: the first may merge the other's work, the rest follow on
// directly. Each run becomes one change (as the commit policy groups
// keystrokes); a run ends where the other agent builds on it.
type run struct {
	agent   int
	txns    []int
	foreign []int // the other agent's transactions this run is typed on top of
}

func splitRuns(tr *traces.Trace) []run {
	referenced := map[int]bool{}
	for _, tx := range tr.Txns {
		for _, p := range tx.Parents {
			if tr.Txns[p].Agent != tx.Agent {
				referenced[p] = true
			}
		}
	}
	var runs []run
	last := map[int]int{}
	open := map[int]int{} // agent -> index in runs of its open run
	for i, tx := range tr.Txns {
		a := tx.Agent
		prev, had := last[a]
		if r, ok := open[a]; ok && had && len(tx.Parents) == 1 && tx.Parents[0] == prev && !referenced[prev] {
			runs[r].txns = append(runs[r].txns, i)
		} else {
			nr := run{agent: a, txns: []int{i}}
			for _, p := range tx.Parents {
				if tr.Txns[p].Agent != a {
					nr.foreign = append(nr.foreign, p)
				}
			}
			runs = append(runs, nr)
			open[a] = len(runs) - 1
		}
		last[a] = i
	}
	return runs
}

// The friendsforever trace typed live by two peers, one agent on each,
// while the peers sync continuously over libp2p. Each agent types into its
// editor's view of the plan, which takes in the other agent's work only
// once it has arrived over the network and only as far as the trace says
// the agent had seen it; every run is pushed to the peer as soon as it is
// committed. Both plans end at endContent.
func TestFriendsForeverTraceLive(t *testing.T) {
	tr := traces.LoadOrSkip(t, "friendsforever.json.gz")
	if tr.NumAgents != 2 {
		t.Fatalf("trace has %d agents, want 2", tr.NumAgents)
	}
	if testing.Short() {
		t.Skip("skipping the long trace replay in -short mode")
	}
	g := newMemGroup(t, "Ana", "Bo")
	cid := commitmentID(t, g[0].p)
	ref := doc.CommitmentText(cid, "description")
	start := g[0].p.Heads()
	runs := splitRuns(tr)
	runOf := map[int]int{} // last txn of a run -> run
	for i, r := range runs {
		runOf[r.txns[len(r.txns)-1]] = i
	}
	var mu gosync.Mutex
	cond := gosync.NewCond(&mu)
	hashes := make([]string, len(runs)) // change hash of each run, once typed
	failed := false

	saved := mustSave(t, g[0].p)
	var wg gosync.WaitGroup
	errs := make(chan error, 2)
	for agent := range 2 {
		tp := g[agent]
		editor, err := doc.LoadPlan(saved, tp.author)
		must(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := typeAgent(tr, runs, runOf, agent, tp.p, editor, ref, &mu, cond, hashes, &failed)
			if err != nil {
				mu.Lock()
				failed = true
				cond.Broadcast()
				mu.Unlock()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 60*time.Second, "both peers to converge", func() bool { return sameHeads(g...) })
	for _, tp := range g {
		if got := text(t, tp.p, ref); got != tr.EndContent {
			t.Fatalf("%s ends with %d bytes, want endContent's %d", tp.name, len(got), len(tr.EndContent))
		}
	}
	refs, err := g[0].p.ChangesSince(start)
	must(t, err)
	// Changes beyond the runs would be commits cut outside the policy.
	t.Logf("%d transactions as %d changes (%d in the plan since the start); %s sent %+v",
		len(tr.Txns), len(runs), len(refs), g[0].name, g[0].n.Peers(g[0].p.ID())[0].Stats)
}

func typeAgent(tr *traces.Trace, runs []run, runOf map[int]int, agent int, live, editor *doc.Plan, ref doc.TextRef,
	mu *gosync.Mutex, cond *gosync.Cond, hashes []string, failed *bool) error {
	other := 1 - agent
	nextOther := 0 // the other agent's runs the editor has taken in, in order
	var otherRuns []int
	for i, r := range runs {
		if r.agent == other {
			otherRuns = append(otherRuns, i)
		}
	}
	for i, r := range runs {
		if r.agent != agent {
			continue
		}
		for _, p := range r.foreign {
			target := runOf[p]
			// Wait until that run is typed and has reached this peer.
			deadline := time.Now().Add(60 * time.Second)
			mu.Lock()
			for hashes[target] == "" && !*failed {
				cond.Wait()
			}
			h := hashes[target]
			mu.Unlock()
			if *failed {
				return nil
			}
			for !live.HasChanges([]string{h}) {
				if time.Now().After(deadline) {
					return fmt.Errorf("agent %d: run %d never arrived over the network", agent, target)
				}
				time.Sleep(time.Millisecond)
			}
			// Take in the other agent's runs up to it, from the live plan.
			for nextOther < len(otherRuns) && otherRuns[nextOther] <= target {
				mu.Lock()
				oh := hashes[otherRuns[nextOther]]
				mu.Unlock()
				chunk, err := live.ChangeBytes(oh)
				if err != nil {
					return fmt.Errorf("agent %d: run %d: %w", agent, otherRuns[nextOther], err)
				}
				if _, err := editor.ApplyChanges(chunk); err != nil {
					return err
				}
				nextOther++
			}
		}
		for _, ti := range r.txns {
			for _, pt := range tr.Txns[ti].Patches {
				if err := editor.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
					return fmt.Errorf("agent %d txn %d: %w", agent, ti, err)
				}
			}
		}
		if err := editor.Commit(); err != nil {
			return err
		}
		heads := editor.Heads()
		if len(heads) != 1 {
			return fmt.Errorf("agent %d run %d: %d heads after commit", agent, i, len(heads))
		}
		chunk, err := editor.ChangeBytes(heads[0])
		if err != nil {
			return err
		}
		if _, err := live.ApplyChanges(chunk); err != nil { // the live plan pushes it to the peer
			return err
		}
		mu.Lock()
		hashes[i] = heads[0]
		cond.Broadcast()
		mu.Unlock()
	}
	return nil
}

// newMemGroup is newGroup with plans held in memory only (no fsync per
// change), for long replays.
func newMemGroup(t testing.TB, names ...string) []*testPeer {
	t.Helper()
	peers := make([]*testPeer, len(names))
	for i, nm := range names {
		peers[i] = newTestPeer(t, nm)
	}
	p, err := doc.NewPlan("National Action Plan", "Freedonia", "2025", "2027", peers[0].author)
	must(t, err)
	for _, tp := range peers[1:] {
		must(t, p.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Side: tp.author.Side}))
	}
	_, err = p.AddCommitment(doc.NewCommitment{Title: "Replay"})
	must(t, err)
	saved := mustSave(t, p)
	for i, tp := range peers {
		if i == 0 {
			tp.p = p
		} else {
			tp.p, err = doc.LoadPlan(saved, tp.author)
			must(t, err)
		}
		tp.startNode(t)
		must(t, tp.n.Start(tp.p))
	}
	// Connect them all once; the sessions stay open and push every change.
	for i := range peers {
		for j := i + 1; j < len(peers); j++ {
			syncOnce(t, peers[i], peers[j])
		}
	}
	return peers
}
