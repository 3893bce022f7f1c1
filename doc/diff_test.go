package doc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc/textdiff"
)

// outline lists what a diff says changed, one line per item, fields in
// template order.
func outline(d PlanDiff) string {
	var lines []string
	names := func(fs []FieldDiff) string {
		var ns []string
		for _, f := range fs {
			ns = append(ns, f.Field)
		}
		return strings.Join(ns, ",")
	}
	if len(d.Plan) > 0 {
		lines = append(lines, "plan: "+names(d.Plan))
	}
	for _, c := range d.Commitments {
		lines = append(lines, fmt.Sprintf("commitment %d %s (from %d) %s: %s", c.Number, c.Title, c.FromNumber, c.Change, names(c.Fields)))
		for _, m := range c.Milestones {
			lines = append(lines, fmt.Sprintf("  milestone %s %s: %s", m.Title, m.Change, names(m.Fields)))
		}
	}
	for _, it := range d.Timeline {
		lines = append(lines, fmt.Sprintf("timeline %s %s: %s", it.Title, it.Change, names(it.Fields)))
	}
	for _, it := range d.Notes {
		lines = append(lines, fmt.Sprintf("notes %s %s: %s", it.Title, it.Change, names(it.Fields)))
	}
	return strings.Join(lines, "\n")
}

// A diff of known edits, made on two laptops and merged, lists exactly
// those edits, with word diffs of the texts.
func TestDiffKnownEdits(t *testing.T) {
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	c1, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting"})
	c2, _ := ann.AddCommitment(NewCommitment{Title: "Beneficial ownership"})
	c3, _ := ann.AddCommitment(NewCommitment{Title: "Lobbying register"})
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract over £10,000.")
	m1, _ := ann.AddMilestone(c1, "Data standard adopted")
	tl, _ := ann.AddTimeline("Consultation", "2025-12-01", "")
	n1, _ := ann.AddNote("2025-11-01", "Forum 1")
	ann.SetText(NoteBody(n1), "Agreed the themes.")
	clock.advance(time.Minute)
	ann.SaveDraft("For consultation")

	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)
	clock.advance(time.Hour)
	ann.SetText(CommitmentText(c1, "description"), "Publish each contract over £10,000 within a month.")
	ann.SetCommitmentState(c2, NotAdopted)
	ann.SetText(CommitmentText(c2, "response"), "Covered by the Companies Act.")
	ann.RemoveCommitment(c3)
	ann.Commit()
	mau.SetMilestoneField(c1, m1, "end", "2026-06-30")
	mau.AddMilestone(c1, "Portal live")
	c4, _ := mau.AddCommitment(NewCommitment{Title: "Open budgets"})
	mau.SetTimelineField(tl, "date", "2025-12-15")
	mau.SetText(NoteBody(n1), "Agreed the themes and the timetable.")
	mau.Commit()
	exchange(t, ann, mau)

	d, err := ann.Diff("For consultation", "now")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"commitment 1 Open contracting (from 0) changed: description",
		"  milestone Data standard adopted changed: end",
		"  milestone Portal live added: title",
		"commitment 2 Beneficial ownership (from 0) changed: state,response",
		"commitment 3 Open budgets (from 0) added: title,state,origin",
		"commitment 3 Lobbying register (from 0) removed: title,state,origin",
		"timeline Consultation changed: date",
		"notes Forum 1 changed: body",
	}, "\n")
	if got := outline(d); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if d.From.Kind != VersionDraft || d.To.Kind != VersionNow || d.Commitments[2].ID != c4 {
		t.Fatalf("versions %+v %+v", d.From, d.To)
	}
	words := d.Commitments[0].Fields[0].Words
	wantWords := []textdiff.Chunk{{Op: textdiff.Equal, Text: "Publish "}, {Op: textdiff.Delete, Text: "every"}, {Op: textdiff.Insert, Text: "each"},
		{Op: textdiff.Equal, Text: " contract over £10,000"}, {Op: textdiff.Insert, Text: " within a month"}, {Op: textdiff.Equal, Text: "."}}
	if fmt.Sprint(words) != fmt.Sprint(wantWords) {
		t.Fatalf("words %+v", words)
	}
	if st := d.Commitments[1].Fields[0]; st.From != "proposal" || st.To != "not adopted" || d.Commitments[1].State != NotAdopted {
		t.Fatalf("state %+v", st)
	}
	// Backwards, the same edits the other way round.
	back, err := ann.Diff("now", "draft:For consultation")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(back.Commitments); n != 4 || back.Commitments[2].Change != Added || back.Commitments[3].Change != Removed {
		t.Fatalf("backwards:\n%s", outline(back))
	}
	same, err := ann.Diff("now", strings.Join(ann.Heads(), ","))
	if err != nil || !same.Empty() {
		t.Fatalf("a version against itself: %v\n%s", err, outline(same))
	}
}
