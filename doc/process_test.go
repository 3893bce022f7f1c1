package doc

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestTimelineAndNotes(t *testing.T) {
	p, err := NewPlan("Plan", "", "", "", keyedAuthor("Ana", "", CivilSociety))
	if err != nil {
		t.Fatal(err)
	}
	late, _ := p.AddTimeline("IRM report", "2026-06-01", "")
	early, _ := p.AddTimeline("Consultation", "2025-03-01", "online")
	n, _ := p.AddNote("2025-02-01", "Forum 1")
	if err := p.SetNoteField(n, "body", "Agreed the themes."); err != nil {
		t.Fatal(err)
	}
	tl := p.Timeline()
	if len(tl) != 2 || tl[0].ID != early || tl[1].ID != late || tl[0].Note != "online" {
		t.Fatalf("Timeline = %+v", tl)
	}
	c := p.Content()
	if !slices.Equal(tl, c.Timeline) || !slices.Equal(p.Notes(), c.Notes) {
		t.Fatalf("Timeline/Notes disagree with Content")
	}
}

// Timeline entries and meeting notes share one path: each field lands
// where it should, a new date moves the item, and the messages and
// refusals name the kind of item.
func TestDatedItems(t *testing.T) {
	p := newTestPlan(t)
	lastMsg := func() string {
		t.Helper()
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
		h, err := p.ChangeLog()
		if err != nil {
			t.Fatal(err)
		}
		return h[len(h)-1].Message
	}
	e1, err := p.AddTimeline("  Consultation ", "2025-03", "online")
	if err != nil {
		t.Fatal(err)
	}
	if m := lastMsg(); m != "Add timeline entry “Consultation”" {
		t.Fatalf("message %q", m)
	}
	e2, _ := p.AddTimeline("IRM report", "2026-06-01", "")
	n1, err := p.AddNote("", "")
	if err != nil {
		t.Fatal(err)
	}
	if m := lastMsg(); !strings.HasPrefix(m, "Add timeline entry “IRM report”; add meeting notes “Meeting ") {
		t.Fatalf("message %q", m)
	}
	n1Title := p.Notes()[0].Title
	n2, _ := p.AddNote("2025-01-15", "Forum 1")
	lastMsg()
	for _, tc := range []struct {
		name  string
		set   func() error
		msg   string
		check func() bool
	}{
		{"timeline note", func() error { return p.SetTimelineField(e1, "note", "in person") }, "Edit the note of timeline entry “Consultation”",
			func() bool { return p.Timeline()[0].Note == "in person" }},
		{"timeline date reorders", func() error { return p.SetTimelineField(e1, "date", "2027") }, "Edit the date of timeline entry “Consultation”",
			func() bool { tl := p.Timeline(); return tl[0].ID == e2 && tl[1].ID == e1 && tl[1].Date == "2027-01-01" }},
		{"timeline title", func() error { return p.SetTimelineField(e2, "title", "IRM results report") }, "Edit the title of timeline entry “IRM results report”",
			func() bool { return p.Timeline()[0].Title == "IRM results report" }},
		{"notes attendees", func() error { return p.SetNoteField(n2, "attendees", "Ana, Bruno") }, "Edit the attendees of meeting notes “Forum 1”",
			func() bool { return p.Notes()[0].Attendees == "Ana, Bruno" }},
		{"notes body", func() error { return p.SetNoteField(n2, "body", "Agreed ŵ themes.") }, "Edit the body of meeting notes “Forum 1”",
			func() bool { return p.Notes()[0].Body == "Agreed ŵ themes." }},
		{"notes date reorders", func() error { return p.SetNoteField(n2, "date", "2099-01-01") }, "Edit the date of meeting notes “Forum 1”",
			func() bool { ns := p.Notes(); return ns[0].ID == n1 && ns[1].ID == n2 }},
		{"remove timeline entry", func() error { return p.RemoveTimeline(e2) }, "Remove timeline entry “IRM results report”",
			func() bool { return len(p.Timeline()) == 1 }},
		{"remove notes", func() error { return p.RemoveNote(n1) }, "Remove meeting notes “" + n1Title + "”",
			func() bool { return len(p.Notes()) == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.set(); err != nil {
				t.Fatal(err)
			}
			if m := lastMsg(); m != tc.msg {
				t.Fatalf("message %q, want %q", m, tc.msg)
			}
			if !tc.check() {
				t.Fatalf("timeline %+v, notes %+v", p.Timeline(), p.Notes())
			}
		})
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
		says string
	}{
		{"timeline field", p.SetTimelineField(e1, "body", "x"), ErrUnknownField, `timeline field "body" (want title, date, note)`},
		{"notes field", p.SetNoteField(n2, "note", "x"), ErrUnknownField, `notes field "note" (want title, date, attendees, body)`},
		{"timeline date", p.SetTimelineField(e1, "date", "soon"), ErrInvalid, `"soon" is not a date`},
		{"missing entry", p.SetTimelineField("nope", "title", "x"), ErrNotFound, "timeline entry nope"},
		{"missing notes", p.SetNoteField("nope", "title", "x"), ErrNotFound, "meeting notes nope"},
		{"remove missing", p.RemoveNote("nope"), ErrNotFound, "nope"},
		{"untitled entry", func() error { _, err := p.AddTimeline(" ", "2025", ""); return err }(), ErrInvalid, "needs a title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %s", tc.err, tc.want, tc.says)
			}
		})
	}
}
