package doc

import (
	"slices"
	"testing"
	"time"
)

// CommittedHeads reads the heads without cutting the typing: pending
// keystrokes stay one change, committed when the policy says, and nothing
// typed is lost.
func TestCommittedHeads(t *testing.T) {
	type step struct {
		gap  time.Duration
		text string
	}
	tests := []struct {
		name  string
		steps []step
		// commits the policy makes inside the steps (before the final
		// Commit), and whether CommittedHeads is then still the start.
		commits  int
		atStart  bool
		mergeMid bool // a peer's change is merged while typing
	}{
		{name: "idle", atStart: true},
		{name: "typing", steps: []step{{0, "a"}, {100 * time.Millisecond, "b"}, {100 * time.Millisecond, "c"}}, atStart: true},
		{name: "after a pause", steps: []step{{0, "a"}, {100 * time.Millisecond, "b"}, {time.Second, "c"}, {50 * time.Millisecond, "d"}}, commits: 1},
		{name: "merge while typing", steps: []step{{0, "a"}, {100 * time.Millisecond, "b"}}, commits: 1, mergeMid: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
			p := newTestPlanAt(t, clock)
			id, err := p.AddCommitment(NewCommitment{Title: "Heads"})
			must(t, err)
			other := replica(t, p, testBob)
			must(t, p.Commit())
			ref := CommitmentText(id, "description")
			start := p.Heads()
			want := ""
			for _, s := range tc.steps {
				clock.advance(s.gap)
				must(t, p.Splice(ref, len([]rune(want)), 0, s.text))
				want += s.text
				// Reading the heads, as sync does on every frame, commits
				// nothing.
				if got := p.CommittedHeads(); len(got) == 0 {
					t.Fatal("no heads")
				}
			}
			merged := 0
			if tc.mergeMid {
				_, err := other.AddCommitment(NewCommitment{Title: "Theirs"})
				must(t, err)
				chunk, err := other.ChangeBytes(other.Heads()[0])
				must(t, err)
				if _, err := p.ApplyChanges(chunk); err != nil {
					t.Fatal(err)
				}
				merged = 1
			}
			got := p.CommittedHeads()
			if tc.atStart != slices.Equal(got, start) {
				t.Errorf("CommittedHeads %v, start %v: want at start %v", got, start, tc.atStart)
			}
			// What sync asks while the typing is open commits nothing
			// either: nothing committed lies beyond the committed heads.
			if refs, err := p.ChangesSince(got); err != nil || len(refs) != 0 {
				t.Errorf("ChangesSince(CommittedHeads) = %d changes (%v), want none", len(refs), err)
			}
			if c, err := p.ClockSince(got); err != nil || len(c) != 0 {
				t.Errorf("ClockSince(CommittedHeads) = %v (%v), want empty", c, err)
			}
			before := got
			must(t, p.Commit())
			after := p.Heads()
			if !slices.Equal(p.CommittedHeads(), after) {
				t.Errorf("after Commit, CommittedHeads %v != Heads %v", p.CommittedHeads(), after)
			}
			refs, err := p.ChangesSince(start)
			must(t, err)
			wantChanges := tc.commits + merged
			if len(tc.steps) > 0 && !tc.mergeMid {
				wantChanges++ // the final Commit
			}
			if len(refs) != wantChanges {
				t.Errorf("%d changes since the start, want %d", len(refs), wantChanges)
			}
			if len(tc.steps) > 0 && !tc.mergeMid && slices.Equal(before, after) {
				t.Error("the final commit did not move the heads")
			}
			if s, err := p.Text(ref); err != nil || s != want {
				t.Errorf("text %q (%v), want %q", s, err, want)
			}
		})
	}
}

// After this actor's commit, what is merged before the next keystroke
// (a peer's concurrent change) is among the heads that keystroke's group
// builds on: the heads remembered from the commit are not used stale.
func TestCommittedHeadsAfterMerge(t *testing.T) {
	tests := []struct {
		name  string
		merge func(t *testing.T, p, other *Plan)
	}{
		{"ApplyChanges", func(t *testing.T, p, other *Plan) {
			chunk, err := other.ChangeBytes(other.Heads()[0])
			must(t, err)
			if _, err := p.ApplyChanges(chunk); err != nil {
				t.Fatal(err)
			}
		}},
		{"Merge", func(t *testing.T, p, other *Plan) {
			saved, err := other.Save()
			must(t, err)
			if _, err := p.Merge(saved); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
			p := newTestPlanAt(t, clock)
			id, err := p.AddCommitment(NewCommitment{Title: "Heads"})
			must(t, err)
			other := replica(t, p, testBob)
			ref := CommitmentText(id, "description")
			must(t, p.Splice(ref, 0, 0, "ours"))
			must(t, p.Commit())
			_, err = other.AddCommitment(NewCommitment{Title: "Theirs"})
			must(t, err)
			tc.merge(t, p, other)
			want := p.Heads() // nothing pending: commits nothing
			if len(want) != 2 {
				t.Fatalf("heads after merging a concurrent change: %v, want two", want)
			}
			must(t, p.Splice(ref, 4, 0, " more"))
			got := p.CommittedHeads()
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("CommittedHeads while typing %v, want the heads after the merge %v", got, want)
			}
		})
	}
}
