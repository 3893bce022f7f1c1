package doc

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// A meeting started and ended on one laptop, with edits from two laptops
// merged in between, records both laptops' edits, the decisions and the
// attendees in its notes, which both sides wrote together.
func TestMeetingRecordsEveryPeersEdits(t *testing.T) {
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	c1, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting"})
	c2, _ := ann.AddCommitment(NewCommitment{Title: "Beneficial ownership", Side: CivilSociety, Org: "Transparency International"})
	ann.SetCommitmentState(c2, Discussion)
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract.")
	ann.Commit()
	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)

	clock.t = at(14, 0)
	m, err := ann.StartMeeting("Forum 3", []string{" Maurice Frankel ", "Carla Diaz", "maurice frankel", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Ann Jones", "Maurice Frankel", "Carla Diaz"}; !slices.Equal(m.Attendees, want) {
		t.Fatalf("attendees %q, want %q", m.Attendees, want)
	}
	if _, err := ann.StartMeeting("Another", nil); !errors.Is(err, ErrMeetingRunning) {
		t.Fatalf("a second meeting while one runs: %v", err)
	}
	exchange(t, ann, mau)

	// During the meeting: Ann adopts commitment 1 and edits it; on his own
	// laptop Maurice records that commitment 2 is not adopted, with the
	// reasoned response, and both type into the notes.
	clock.advance(20 * time.Minute)
	ann.SetCommitmentState(c1, Adopted)
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract within a month.")
	ann.SetText(NoteBody(m.Note), "Ann: welcome.\n")
	ann.Commit()
	clock.advance(10 * time.Minute)
	mau.SetCommitmentState(c2, NotAdopted)
	mau.SetText(CommitmentText(c2, "response"), "Covered by the Companies Act register.")
	body, _ := mau.Text(NoteBody(m.Note))
	mau.SetText(NoteBody(m.Note), body+"Maurice: we disagree with the response on 2.\n")
	mau.Commit()
	exchange(t, ann, mau)

	clock.t = at(15, 30)
	rec, err := ann.EndMeeting("")
	if err != nil {
		t.Fatal(err)
	}
	var editors []string
	for _, a := range rec.Editors {
		editors = append(editors, a.Name)
	}
	if !slices.Equal(editors, []string{"Ann Jones", "Maurice Frankel"}) {
		t.Fatalf("editors %q", editors)
	}
	if len(rec.Decisions) != 2 || rec.Decisions[0].To != Adopted || rec.Decisions[0].From != Proposal ||
		rec.Decisions[1].From != Discussion || rec.Decisions[1].To != NotAdopted || rec.Decisions[1].Response == "" {
		t.Fatalf("decisions %+v", rec.Decisions)
	}
	exchange(t, ann, mau)
	for _, p := range []*Plan{ann, mau} {
		var notes Note
		for _, n := range p.Notes() {
			if n.ID == m.Note {
				notes = n
			}
		}
		// Both typed at once into the empty notes: both lines stay, in
		// the order the merge gives them, and the record follows.
		rec := strings.Index(notes.Body, "Meeting record: 2 November 2025, ")
		if a, b := strings.Index(notes.Body, "Ann: welcome.\n"), strings.Index(notes.Body, "Maurice: we disagree with the response on 2.\n"); a < 0 || b < 0 || rec < a || rec < b {
			t.Errorf("notes:\n%s", notes.Body)
		}
		for _, want := range []string{
			"Attendees: Ann Jones, Maurice Frankel, Carla Diaz",
			"Edited during the meeting by: Ann Jones (Cabinet Office), Maurice Frankel (Campaign for Freedom of Information)",
			"- Commitment 1 “Open contracting”: moved from proposal to adopted",
			"- Commitment 2 “Beneficial ownership”: moved from under discussion to not adopted. Reasoned response: Covered by the Companies Act register.",
			"- Commitment 1 “Open contracting”: status “proposal” → “adopted”; what is the commitment? “Publish every contract.” → “Publish every contract within a month.”",
		} {
			if !strings.Contains(notes.Body, want) {
				t.Errorf("the notes lack %q:\n%s", want, notes.Body)
			}
		}
		if notes.Attendees != "Ann Jones, Maurice Frankel, Carla Diaz" || notes.Title != "Forum 3" {
			t.Errorf("notes %+v", notes)
		}
		ms := p.Meetings()
		if len(ms) != 1 || !ms[0].Ended() || ms[0].EndedBy != testAuthor.PeerID {
			t.Fatalf("meetings %+v", ms)
		}
	}
	// The meeting's start and end are versions to open and compare.
	d, err := ann.Diff("meeting:Forum 3:start", "meeting:"+m.ID[:6])
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Commitments) != 2 {
		t.Fatalf("the meeting's diff: %+v", d.Commitments)
	}
	if _, err := ann.EndMeeting(m.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ending an ended meeting: %v", err)
	}
	if _, err := ann.EndMeeting(""); !errors.Is(err, ErrNoMeeting) {
		t.Fatalf("ending with none running: %v", err)
	}
}
