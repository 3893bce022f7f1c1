package doc

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coplan/coplan/internal/traces"
)

// The sequential trace replayed through a commitment's description with the
// commit policy ends at the trace's endContent.
func TestReplaySequentialTrace(t *testing.T) {
	tr := traces.LoadOrSkip(t, "sveltecomponent.json.gz")
	p := newTestPlan(t)
	id, err := p.AddCommitment(NewCommitment{Title: "Replay"})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now})
	ref := CommitmentText(id, "description")
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				t.Fatal(err)
			}
		}
		clock.advance(150 * time.Millisecond)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := p.Text(ref)
	if err != nil {
		t.Fatal(err)
	}
	if got != tr.EndContent {
		t.Fatalf("replayed text differs from endContent (%d vs %d bytes)", len(got), len(tr.EndContent))
	}
	h, err := p.ChangeLog()
	if err != nil {
		t.Fatal(err)
	}
	// 150 ms per keystroke and a 2 s cap: about one change per 13 keystrokes.
	if len(h) > len(tr.Txns)/10 || len(h) < len(tr.Txns)/20 {
		t.Fatalf("%d changes for %d transactions: the commit policy is not grouping keystrokes", len(h), len(tr.Txns))
	}
	if h[len(h)-1].Message != "Edit the description of commitment 1 “Replay”" {
		t.Fatalf("change message %q", h[len(h)-1].Message)
	}
}

// The concurrent trace: each agent types on its own replica; before each
// transaction its replica merges the transactions the trace says it was typed
// on top of. Both replicas end at endContent.
func TestReplayConcurrentTrace(t *testing.T) {
	tr := traces.LoadOrSkip(t, "friendsforever.json.gz")
	base := newTestPlan(t)
	id, err := base.AddCommitment(NewCommitment{Title: "Concurrent"})
	if err != nil {
		t.Fatal(err)
	}
	ref := CommitmentText(id, "description")
	reps := make([]*Plan, tr.NumAgents)
	for i := range reps {
		reps[i] = replica(t, base, Author{PeerID: fmt.Sprint("peer", i), Name: fmt.Sprint("Agent ", i)})
	}
	chunks := make([][]byte, len(tr.Txns))
	applied := make([][]bool, tr.NumAgents)
	for i := range applied {
		applied[i] = make([]bool, len(tr.Txns))
	}
	for i, tx := range tr.Txns {
		a := tx.Agent
		r := reps[a]
		// Bring in every ancestor this agent has not seen, oldest first.
		var need []int
		stack := slices.Clone(tx.Parents)
		seen := map[int]bool{}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[n] || applied[a][n] {
				continue
			}
			seen[n] = true
			need = append(need, n)
			stack = append(stack, tr.Txns[n].Parents...)
		}
		slices.Sort(need)
		for _, n := range need {
			if _, err := r.ApplyChanges(chunks[n]); err != nil {
				t.Fatalf("txn %d: apply %d: %v", i, n, err)
			}
			applied[a][n] = true
		}
		for _, pt := range tx.Patches {
			if err := r.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				t.Fatalf("txn %d: %v", i, err)
			}
		}
		if err := r.Commit(); err != nil {
			t.Fatal(err)
		}
		chunks[i], err = r.ChangeBytes(r.Heads()[0])
		if err != nil {
			t.Fatal(err)
		}
		applied[a][i] = true
	}
	// Final exchange: everyone gets everything.
	for a, r := range reps {
		for i := range tr.Txns {
			if !applied[a][i] {
				if _, err := r.ApplyChanges(chunks[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for a, r := range reps {
		got, err := r.Text(ref)
		if err != nil {
			t.Fatal(err)
		}
		if got != tr.EndContent {
			t.Fatalf("agent %d ends with %d bytes, want endContent's %d", a, len(got), len(tr.EndContent))
		}
	}
}
