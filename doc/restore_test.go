package doc

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Restoring an old text or a deleted item writes a new change by the
// restorer, brings back exactly what the version held (IDs included), and
// keeps every earlier change.
func TestRestore(t *testing.T) {
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	c1, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting", Lead: "Cabinet Office"})
	c2, _ := ann.AddCommitment(NewCommitment{Title: "Beneficial ownership"})
	c3, _ := ann.AddCommitment(NewCommitment{Title: "Lobbying register"})
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract over £10,000 within a month.")
	ann.SetCommitmentThemes(c1, []string{"procurement", "open data"})
	ann.SetCommitmentState(c2, Agreed)
	m1, _ := ann.AddMilestone(c1, "Data standard adopted")
	ann.SetMilestoneField(c1, m1, "end", "2026-06-30")
	m2, _ := ann.AddMilestone(c2, "Register opened")
	ann.SetText(MilestoneText(c2, m2, "deliverable"), "A searchable register.")
	tl, _ := ann.AddTimeline("Consultation", "2025-12-01", "online and in Cardiff")
	n1, _ := ann.AddNote("2025-11-01", "Forum 1")
	ann.SetText(NoteBody(n1), "Agreed the themes.\nNext: milestones.")
	clock.advance(time.Minute)
	if _, err := ann.SaveDraft("Before the forum"); err != nil {
		t.Fatal(err)
	}
	before, err := ann.ResolveVersion("Before the forum")
	if err != nil {
		t.Fatal(err)
	}
	then := ann.Content()

	// Afterwards: edits on two laptops, and deletions.
	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)
	clock.advance(time.Hour)
	ann.SetText(CommitmentText(c1, "description"), "Publish contracts.")
	ann.SetCommitmentShort(c1, FieldLead, "Treasury")
	ann.SetCommitmentThemes(c1, []string{"budgets"})
	ann.RemoveMilestone(c1, m1)
	ann.RemoveCommitment(c2)
	ann.RemoveTimeline(tl)
	ann.RemoveNote(n1)
	ann.SetText(CommitmentText(c3, "title"), "Lobbying register for all")
	ann.Commit()
	exchange(t, ann, mau)

	commitment := func(p *Plan, id string) Commitment {
		for _, c := range p.Content().Commitments {
			if c.ID == id {
				return c
			}
		}
		return Commitment{}
	}
	find := func(c Content, id string) Commitment {
		for _, cm := range c.Commitments {
			if cm.ID == id {
				return cm
			}
		}
		t.Fatalf("commitment %s not in %+v", id, c.Commitments)
		return Commitment{}
	}
	for _, tc := range []struct {
		name    string
		by      *Plan
		restore func(p *Plan) error
		check   func(p *Plan) bool
		msg     string // the words the change starts with
	}{
		{"a text", mau, func(p *Plan) error { return p.RestoreText(CommitmentText(c1, "description"), before) },
			func(p *Plan) bool { return commitment(p, c1).Description == find(then, c1).Description },
			"Restore the description of commitment 1 “Open contracting” from draft “Before the forum”"},
		{"a short field", ann, func(p *Plan) error { return p.RestoreCommitmentField(c1, "lead", before) },
			func(p *Plan) bool { return commitment(p, c1).Lead == "Cabinet Office" },
			"Restore the lead agency of commitment 1"},
		{"a set of themes", ann, func(p *Plan) error { return p.RestoreCommitmentField(c1, "themes", before) },
			func(p *Plan) bool {
				return slices.Equal(commitment(p, c1).Themes, []string{"open data", "procurement"})
			},
			"Restore the themes of commitment 1"},
		{"a deleted milestone", mau, func(p *Plan) error { return p.RestoreMilestone(c1, m1, before) },
			func(p *Plan) bool {
				ms := commitment(p, c1).Milestones
				return len(ms) == 1 && ms[0] == find(then, c1).Milestones[0]
			}, "Restore milestone “Data standard adopted” of commitment 1"},
		{"a deleted commitment", ann, func(p *Plan) error { return p.RestoreCommitment(c2, before) },
			func(p *Plan) bool {
				c := p.Content()
				return len(c.Commitments) == 3 && c.Commitments[1].ID == c2 && showJSON(t, Content{Commitments: []Commitment{c.Commitments[1]}}) ==
					showJSON(t, Content{Commitments: []Commitment{find(then, c2)}})
			}, "Restore commitment 2 “Beneficial ownership”"},
		{"a deleted timeline entry", mau, func(p *Plan) error { return p.RestoreTimeline(tl, before) },
			func(p *Plan) bool { return slices.Equal(p.Timeline(), then.Timeline) },
			"Restore timeline entry “Consultation”"},
		{"deleted meeting notes", ann, func(p *Plan) error { return p.RestoreNote(n1, before) },
			func(p *Plan) bool { return slices.Equal(p.Notes(), then.Notes) },
			"Restore meeting notes “Forum 1”"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, err := tc.by.ChangeLog()
			if err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Minute)
			if err := tc.restore(tc.by); err != nil {
				t.Fatal(err)
			}
			if !tc.check(tc.by) {
				t.Fatalf("not restored: %s", showJSON(t, tc.by.Content()))
			}
			log, err := tc.by.ChangeLog()
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != len(old)+1 {
				t.Fatalf("%d changes after %d: a restore is one new change", len(log), len(old))
			}
			for i := range old {
				if log[i].Hash != old[i].Hash {
					t.Fatalf("change %d rewritten", i)
				}
			}
			last := log[len(log)-1]
			if last.PeerID != tc.by.Author().PeerID || !strings.HasPrefix(last.Message, tc.msg) {
				t.Fatalf("last change %q by %s, want %q by %s", last.Message, last.PeerID, tc.msg, tc.by.Author().PeerID)
			}
			exchange(t, ann, mau)
			if !tc.check(ann) || !tc.check(mau) {
				t.Fatal("the restore did not reach the other laptop")
			}
		})
	}

	// A restored text is spliced, not replaced: a colleague's concurrent
	// edit in the same text survives it.
	clock.advance(time.Hour)
	ann.SetText(CommitmentText(c1, "description"), "Publish contracts.")
	ann.Commit()
	exchange(t, ann, mau)
	if err := mau.SetText(CommitmentText(c1, "description"), "Publish contracts. Bryn adds this."); err != nil {
		t.Fatal(err)
	}
	mau.Commit()
	if err := ann.RestoreText(CommitmentText(c1, "description"), before); err != nil {
		t.Fatal(err)
	}
	exchange(t, ann, mau)
	if got := commitment(ann, c1).Description; !strings.Contains(got, "Bryn adds this.") || !strings.Contains(got, "within a month") {
		t.Fatalf("merged description %q", got)
	}

	for _, tc := range []struct {
		name string
		err  error
		want error
		says string
	}{
		{"text of a gone item", func() error {
			ann.RemoveCommitment(c3)
			return ann.RestoreText(CommitmentText(c3, "description"), before)
		}(), ErrNotFound, "restore the item it belongs to first"},
		{"milestone of a gone commitment", ann.RestoreMilestone(c3, "nope", before), ErrNotFound, "was not in the plan at draft"},
		{"unknown field", ann.RestoreCommitmentField(c1, "colour", before), ErrUnknownField, "colour"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", tc.err, tc.want, tc.says)
			}
		})
	}
}
