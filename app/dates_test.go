package app

import (
	"regexp"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/coplan/coplan/doc"
)

// flagged reports whether a date field shows the outside-the-period flag.
func flagged(f *dateField) bool {
	return f.msg.Visible() && regexp.MustCompile(`(?i)outside the plan period`).MatchString(f.msg.Text)
}

// The fixture's plan runs 2025-01-01 to 2027-12-31.
func TestOnlyPlanDatesAreFlaggedOutsideThePeriod(t *testing.T) {
	f := newFixture(t)
	t.Run("timeline before the period", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindTimeline})
		ts := f.ui.ws.current.(*timelineScreen)
		r := ts.entry[ts.ids[0]]
		r.date.entry.SetText("2024-11-01") // the consultation
		if got := f.plan.Timeline()[0].Date; got != "2024-11-01" {
			t.Fatalf("date written %q", got)
		}
		if flagged(r.date) || r.date.Err() != "" {
			t.Errorf("a consultation before the period is flagged: %q", r.date.msg.Text)
		}
	})
	t.Run("new timeline entry", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindTimeline})
		ts := f.ui.ws.current.(*timelineScreen)
		test.Tap(findButton(t, f.ui.win.Canvas().Content(), "Add date"))
		es := f.plan.Timeline()
		var added doc.TimelineEntry
		for _, e := range es {
			if e.Title == "New date" {
				added = e
			}
		}
		if added.Date != fixedNow.Format(doc.DateLayout) {
			t.Errorf("a new entry is dated %q, want today", added.Date)
		}
		if r := ts.entry[added.ID]; r == nil || flagged(r.date) || r.date.msg.Visible() {
			t.Error("a new timeline entry starts out flagged")
		}
	})
	t.Run("meeting notes before the period", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindNotes})
		ns := f.ui.ws.current.(*notesScreen)
		ns.date.entry.SetText("2024-10-15")
		if flagged(ns.date) || ns.date.msg.Visible() {
			t.Errorf("meeting notes before the period are flagged: %q", ns.date.msg.Text)
		}
		test.Tap(findButton(t, f.ui.win.Canvas().Content(), "New meeting notes"))
		if ns.date.entry.Text != fixedNow.Format(doc.DateLayout) || ns.date.msg.Visible() {
			t.Errorf("new notes dated %q, message %q", ns.date.entry.Text, ns.date.msg.Text)
		}
	})
	t.Run("commitment and milestone dates", func(t *testing.T) {
		ce := f.commitment(t, f.ids[1])
		ce.start.entry.SetText("2024-06-01")
		if !flagged(ce.start) {
			t.Errorf("a commitment starting before the period is not flagged: %q", ce.start.msg.Text)
		}
		ce.start.entry.SetText("2025-06-01")
		if ce.start.msg.Visible() {
			t.Errorf("a commitment inside the period is flagged: %q", ce.start.msg.Text)
		}
		selectTab(t, ce.tabs, "Milestones")
		test.Tap(findButton(t, f.ui.win.Canvas().Content(), "Add milestone"))
		c, _ := f.plan.Commitment(f.ids[1])
		row := ce.milestones.row[c.Milestones[0].ID]
		if row.start.msg.Visible() || row.end.msg.Visible() {
			t.Error("a new milestone starts out flagged")
		}
		row.start.entry.SetText("2024-12-31")
		if !flagged(row.start) {
			t.Errorf("a milestone before the period is not flagged: %q", row.start.msg.Text)
		}
	})
}

func TestMilestoneDateErrorIsShort(t *testing.T) {
	f := newFixture(t)
	f.ui.win.Resize(fyne.NewSize(868, 700))
	ce := f.commitment(t, f.ids[0])
	selectTab(t, ce.tabs, "Milestones")
	c, _ := f.plan.Commitment(f.ids[0])
	row := ce.milestones.row[c.Milestones[0].ID]
	for _, bad := range []string{"2025-13-45", "31/03/2026", "next spring"} {
		row.end.entry.SetText(bad)
		msg := row.end.Err()
		if msg == "" {
			t.Fatalf("no error for %q", bad)
		}
		// Lay the window out and count the message's lines.
		f.ui.win.Resize(fyne.NewSize(868, 701))
		f.ui.win.Resize(fyne.NewSize(868, 700))
		th := f.ui.app.Settings().Theme()
		size := th.Size(theme.SizeNameCaptionText)
		line := fyne.MeasureText("Xg", size, fyne.TextStyle{}).Height
		lines := (row.end.msg.Size().Height - 2*th.Size(theme.SizeNameInnerPadding)) / line
		if row.end.msg.Size().Width < 300 || lines > 2.2 {
			t.Errorf("the error %q takes %.1f lines %.0f px wide", msg, lines, row.end.msg.Size().Width)
		}
		ex := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).FindString(msg)
		if info := f.plan.Info(); ex == "" || ex < info.PeriodStart || ex > info.PeriodEnd {
			t.Errorf("the example date %q in %q is not inside the period %s to %s", ex, msg, info.PeriodStart, info.PeriodEnd)
		}
	}
}

func TestExampleDate(t *testing.T) {
	for _, tc := range []struct {
		start, end, want string
	}{
		{"2025-01-01", "2027-12-31", "2026-07-31"},
		{"2025-09-01", "2027-08-31", "2026-08-31"},
		{"2025-01-01", "2025-01-10", "2025-01-10"},
		{"2025-01-01", "", "2025-01-01"},
		{"", "", "2025-03-14"},
	} {
		t.Run(tc.start+".."+tc.end, func(t *testing.T) {
			if got := exampleDate(doc.Info{PeriodStart: tc.start, PeriodEnd: tc.end}); got != tc.want {
				t.Errorf("example %q, want %q", got, tc.want)
			}
		})
	}
}
