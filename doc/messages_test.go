package doc

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// typeInto types s one keystroke at a time, 150 ms apart on the policy's
// clock, the way the window's editors do: set makes the field equal the
// text typed so far.
func typeInto(t *testing.T, clock *fakeClock, s string, set func(sofar string) error) {
	t.Helper()
	rs := []rune(s)
	for i := 1; i <= len(rs); i++ {
		if err := set(string(rs[:i])); err != nil {
			t.Fatal(err)
		}
		clock.advance(150 * time.Millisecond)
	}
}

// Typing a 40-character title keystroke by keystroke under the commit
// policy makes several changes (the policy commits every 2 s of typing),
// each named once by what it did with the title it had then, and history
// shows them as one entry naming the final title.
func TestTypedTitleIsOneHistoryEntry(t *testing.T) {
	const title = "Self-assessment report published online" // 39 runes + below
	final := title + "!"
	if utf8.RuneCountInString(final) != 40 {
		t.Fatalf("title has %d characters", utf8.RuneCountInString(final))
	}
	for _, tc := range []struct {
		name string
		// start makes the item (an hour before typing, unless new) and
		// returns a setter typing into its title
		start func(p *Plan) func(string) error
		want  string
	}{
		{"new timeline entry", func(p *Plan) func(string) error {
			id, err := p.AddTimeline("S", "2026-06-30", "")
			if err != nil {
				t.Fatal(err)
			}
			return func(s string) error { return p.SetTimelineField(id, "title", s) }
		}, "Add timeline entry “" + final + "”"},
		{"existing timeline entry", func(p *Plan) func(string) error {
			id, err := p.AddTimeline("Old title", "2026-06-30", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			return func(s string) error { return p.SetTimelineField(id, "title", s) }
		}, "Edit the title of timeline entry “" + final + "”"},
		{"commitment title (a text)", func(p *Plan) func(string) error {
			id, err := p.AddCommitment(NewCommitment{Title: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			return func(s string) error { return p.SetText(CommitmentText(id, "title"), s) }
		}, "Edit the title of commitment 1 “" + final + "”"},
		{"milestone title", func(p *Plan) func(string) error {
			cid, _ := p.AddCommitment(NewCommitment{Title: "Open contracting"})
			mid, err := p.AddMilestone(cid, "m")
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			return func(s string) error { return p.SetMilestoneField(cid, mid, "title", s) }
		}, "Edit the title of milestone “" + final + "” of commitment 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPlan(t)
			clock := &fakeClock{t: time.Date(2025, 11, 2, 14, 2, 0, 0, time.UTC)}
			if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
				t.Fatal(err)
			}
			set := tc.start(p)
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			if tc.name != "new timeline entry" {
				clock.advance(time.Hour)
			}
			before, err := p.History()
			if err != nil {
				t.Fatal(err)
			}
			setup, err := p.ChangeCount()
			if err != nil {
				t.Fatal(err)
			}
			typeInto(t, clock, final, set)
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			changes, err := p.ChangeLog()
			if err != nil {
				t.Fatal(err)
			}
			changes = changes[setup:]
			if len(changes) < 3 {
				t.Fatalf("%d changes: the test needs typing that spans several commits", len(changes))
			}
			for _, c := range changes {
				if strings.Contains(c.Message, ";") || strings.Count(c.Message, "“") > 1 {
					t.Errorf("change message joins several edits: %q", c.Message)
				}
			}
			h, err := p.History()
			if err != nil {
				t.Fatal(err)
			}
			// Whatever was there before typing, plus one entry for it; a new
			// entry's addition and its title's typing are one.
			n := len(before)
			if tc.name == "new timeline entry" {
				n--
			}
			if len(h) != n+1 {
				for _, e := range h {
					t.Logf("%s (%d changes)", e.Message, e.Changes)
				}
				t.Fatalf("%d history entries, want %d", len(h), n+1)
			}
			last := h[len(h)-1]
			if last.Message != tc.want {
				t.Fatalf("history entry %q, want %q", last.Message, tc.want)
			}
			if last.Changes < 2 || last.Author != testAuthor.Name || !last.Start.Before(last.Time) {
				t.Fatalf("entry %+v", last)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	c := func(f string) Edit {
		return Edit{Verb: VerbEdit, Item: ItemCommitment, ID: "c4", Number: 4, Title: "Open data", Field: f}
	}
	for _, tc := range []struct {
		name        string
		edits       []Edit
		now, past   string
		pastNoTitle string
	}{
		{"one field", []Edit{c("description")}, "Edit the description of commitment 4 “Open data”",
			"edited the description of commitment 4 “Open data”", "edited the description of commitment 4"},
		{"fields of one item", []Edit{c("description"), c("problem"), c("response")},
			"Edit the description, the problem and the reasoned response of commitment 4 “Open data”", "", ""},
		{"state", []Edit{{Verb: VerbState, Item: ItemCommitment, Number: 2, Title: "T", Value: string(NotAdopted)}},
			"Move commitment 2 “T” to not adopted", "moved commitment 2 “T” to not adopted", ""},
		{"words", []Edit{{Words: "Add member Ann"}}, "Add member Ann", "added member Ann", ""},
		{"many", []Edit{c("a"), {Verb: VerbAdd, Item: ItemTimeline, ID: "t", Title: "IRM"}, {Verb: VerbRemove, Item: ItemNote, Title: "N"},
			{Verb: VerbAdd, Item: ItemMilestone, ID: "c4", Sub: "m", Number: 4, Title: "M"}, {Words: "Sign release 1.0"}},
			"Edit the a of commitment 4 “Open data”; add timeline entry “IRM”; remove meeting notes “N”; 2 more edits", "", ""},
		{"long title", []Edit{{Verb: VerbAdd, Item: ItemTimeline, Title: strings.Repeat("x", 100)}},
			"Add timeline entry “" + strings.Repeat("x", maxTitle-1) + "…”", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.edits, false, true); got != tc.now {
				t.Errorf("present: %q, want %q", got, tc.now)
			}
			if got := describe(tc.edits, true, true); tc.past != "" && got != tc.past {
				t.Errorf("past: %q, want %q", got, tc.past)
			}
			if got := describe(tc.edits, true, false); tc.pastNoTitle != "" && got != tc.pastNoTitle {
				t.Errorf("past without titles: %q, want %q", got, tc.pastNoTitle)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	edits := []Edit{{Verb: VerbEdit, Item: ItemCommitment, ID: "abc", Field: "description", Number: 3, Title: "T\n“x”",
		Inserted: 12, Deleted: 3}, {Words: "Add member Ann"}}
	msg := changeMessage(edits, nil)
	words, got := ParseMessage(msg, nil)
	want := edits[0]
	want.Title = "T “x”" // a trailer line keeps a title on one line
	if words != describe(edits, false, true) || len(got) != 2 || got[0] != want || got[1] != edits[1] {
		t.Fatalf("round trip: %q %+v", words, got)
	}
	typing := Edit{Verb: VerbEdit, Item: ItemCommitment, ID: "3f2a9b1c0d4e", Field: "description", Number: 1, Title: "Replay", Inserted: 12, Deleted: 3}
	if n := len(changeMessage([]Edit{typing}, nil)); n > 105 {
		t.Errorf("a typing change's message is %d bytes: every change carries it", n)
	}
	// Typing on: the next change refers back to its actor's previous one.
	more := typing
	more.Inserted, more.Deleted = 40, 0
	msg = changeMessage([]Edit{more}, []Edit{typing})
	if !strings.HasSuffix(msg, "\n"+trailerPrefix+"=\t40\t0") {
		t.Fatalf("typing on: %q", msg)
	}
	if _, got := ParseMessage(msg, []Edit{typing}); len(got) != 1 || got[0] != more {
		t.Fatalf("typing on parsed as %+v", got)
	}
	for _, prev := range [][]Edit{nil, {{Words: "Add member Ann"}}, {typing, typing}} {
		if _, got := ParseMessage(msg, prev); got != nil {
			t.Fatalf("a reference back to %+v parsed as %+v", prev, got)
		}
	}
	renamed := more
	renamed.Title = "Replay 2"
	if msg := changeMessage([]Edit{renamed}, []Edit{typing}); strings.Contains(msg, trailerPrefix+"=") {
		t.Fatalf("a renamed item referred back: %q", msg)
	}
	for _, tc := range []struct{ name, msg, words string }{
		{"plain", "Edit commitment 1 description", "Edit commitment 1 description"},
		{"bad trailer", "Words\n\n" + trailerPrefix + "e", "Words"},
		{"too many fields", "Words\n\n" + trailerPrefix + "e\tc\t\t\t\t\t\t\t\t\t\t", "Words"},
		{"negative counts", "Words\n\n" + trailerPrefix + "edit\tcommitment\tc\t\tdescription\t1\t-1\t0\t\tT", "Words"},
		{"not a number", "Words\n\n" + trailerPrefix + "edit\tcommitment\tc\t\tdescription\tone\t1\t0\t\tT", "Words"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, e := ParseMessage(tc.msg, nil)
			if w != tc.words || e != nil {
				t.Fatalf("got %q %+v", w, e)
			}
		})
	}
}

// Change messages come from peers: parsing any bytes must not panic, and
// what parses has no negative counts.
func FuzzParseMessage(f *testing.F) {
	f.Add(changeMessage([]Edit{{Verb: VerbAdd, Item: ItemTimeline, ID: "t", Title: "IRM", Inserted: 3}}, nil))
	f.Add("Edit\n\n" + trailerPrefix + "=\t3\t4")
	f.Add("Words\n\n" + trailerPrefix + "edit\tcommitment\tc\t\tdescription\t1\t2\t3\t\tT")
	f.Add("Words\n\n" + trailerPrefix + "w\tAdd member Ann")
	f.Add("")
	f.Fuzz(func(t *testing.T, msg string) {
		_, edits := ParseMessage(msg, []Edit{{Verb: VerbEdit, Item: ItemNote, ID: "n", Field: "body"}})
		for _, e := range edits {
			if e.Inserted < 0 || e.Deleted < 0 || e.Number < 0 {
				t.Fatalf("negative counts in %+v", e)
			}
			_ = describe([]Edit{e}, true, false)
		}
	})
}
