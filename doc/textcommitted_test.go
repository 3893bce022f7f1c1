package doc

import (
	"slices"
	"testing"
	"time"
)

// TextIfCommitted reads a text as a peer holding the committed heads
// reads it: not while an edit of that text is pending, and as committed
// while only other texts' edits are.
func TestTextIfCommitted(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(p *Plan, id string) error // pending when read
		ok       bool
		wantText string
	}{
		{"nothing pending", nil, true, "abc"},
		{"this text typed", func(p *Plan, id string) error { return p.Splice(CommitmentText(id, "description"), 3, 0, "d") }, false, ""},
		{"another text typed", func(p *Plan, id string) error { return p.Splice(CommitmentText(id, "problem"), 0, 0, "x") }, true, "abc"},
		{"the vision typed", func(p *Plan, id string) error { return p.Splice(VisionText(), 0, 0, "x") }, true, "abc"},
		{"a timeline entry added", func(p *Plan, id string) error {
			_, err := p.AddTimeline("kick-off", "2025-04-01", "")
			return err
		}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
			p := newTestPlanAt(t, clock)
			id, err := p.AddCommitment(NewCommitment{Title: "Texts"})
			must(t, err)
			ref := CommitmentText(id, "description")
			must(t, p.Splice(ref, 0, 0, "abc"))
			must(t, p.Commit())
			committed := p.Heads()
			if tc.edit != nil {
				must(t, tc.edit(p, id))
			}
			text, heads, ok, err := p.TextIfCommitted(ref)
			must(t, err)
			if ok != tc.ok || text != tc.wantText {
				t.Fatalf("got %q ok=%v, want %q ok=%v", text, ok, tc.wantText, tc.ok)
			}
			if ok && !slices.Equal(heads, committed) {
				t.Fatalf("read at %v, want the committed heads %v", heads, committed)
			}
			// Reading cut nothing: what was pending, and what is typed
			// after, is one change.
			if tc.edit != nil {
				must(t, tc.edit(p, id))
				if _, _, _, err := p.TextIfCommitted(ref); err != nil {
					t.Fatal(err)
				}
				must(t, p.Commit())
				refs, err := p.ChangesSince(committed)
				must(t, err)
				if len(refs) != 1 {
					t.Fatalf("%d changes since the commit, want 1: reading committed the edits", len(refs))
				}
			}
		})
	}
}
