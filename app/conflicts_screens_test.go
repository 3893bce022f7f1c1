package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// brunoWindow is Bruno's own window on a copy of the fixture's plan,
// taken now, in his own data folder: from here on the two edit apart.
func brunoWindow(t *testing.T, f *fixture) *fixture {
	t.Helper()
	saved, err := f.plan.Save()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := doc.OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Adopt(saved, bruno)
	if err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	g := &fixture{app: f.app, lib: lib, ids: f.ids, sync: &fakeSync{}}
	cfgDir := t.TempDir()
	g.cfg = Config{Library: lib, ConfigDir: cfgDir, Author: bruno, Sync: g.sync,
		SaveProfile: func(doc.Author) error { return nil }}
	(&appState{LastPlan: id, Width: 1100, Height: 720}).save(cfgDir)
	g.ui = New(f.app, g.cfg)
	g.ui.win.Resize(fyne.NewSize(1100, 720))
	runHopsUntil(t, func() bool { return g.ui.plan != nil })
	g.plan = g.ui.plan
	t.Cleanup(func() {
		g.ui.Close()
		runQueuedHops()
	})
	return g
}

// screenCase is one screen's short field: how a person sets it in the
// window, where its marker is and what the field shows.
type screenCase struct {
	name   string
	field  string // doc's name for it
	label  string // in the marker's words
	values [2]string
	// shows is the value in the words the marker uses for it.
	shows  func(v string) string
	open   func(t *testing.T, f *fixture)
	set    func(t *testing.T, f *fixture, v string)
	marker func(t *testing.T, f *fixture) *conflictMarker
	shown  func(t *testing.T, f *fixture) string // what the field shows now
}

func screenCases() []screenCase {
	milestone := func(t *testing.T, f *fixture) *milestoneRow {
		t.Helper()
		ce, ok := f.ui.ws.current.(*commitmentEditor)
		if !ok || len(ce.milestones.ids) == 0 {
			t.Fatalf("no milestones shown (%T)", f.ui.ws.current)
		}
		return ce.milestones.row[ce.milestones.ids[0]]
	}
	overview := func(t *testing.T, f *fixture) *overview {
		t.Helper()
		o, ok := f.ui.ws.current.(*overview)
		if !ok {
			t.Fatalf("centre shows %T", f.ui.ws.current)
		}
		return o
	}
	timeline := func(t *testing.T, f *fixture) *timelineRow {
		t.Helper()
		ts, ok := f.ui.ws.current.(*timelineScreen)
		if !ok || len(ts.ids) == 0 {
			t.Fatalf("no timeline entries shown (%T)", f.ui.ws.current)
		}
		return ts.entry[ts.ids[0]]
	}
	notes := func(t *testing.T, f *fixture) *notesScreen {
		t.Helper()
		n, ok := f.ui.ws.current.(*notesScreen)
		if !ok || n.current == "" {
			t.Fatalf("no meeting notes shown (%T)", f.ui.ws.current)
		}
		return n
	}
	typeInto := func(e interface{ SetText(string) }, v string) { e.SetText(v) }
	return []screenCase{
		{
			name: "overview country", field: "country", label: "country", values: [2]string{"Freedonia and its islands", "Republic of Freedonia"}, shows: quoted,
			open: func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindOverview}) },
			set: func(t *testing.T, f *fixture, v string) {
				e := overview(t, f).country.entry
				e.SetText("")
				test.Type(e, v)
			},
			marker: func(t *testing.T, f *fixture) *conflictMarker { return overview(t, f).conflicts.markers["country"] },
			shown:  func(t *testing.T, f *fixture) string { return overview(t, f).country.entry.Text },
		},
		{
			name: "overview period end", field: "periodEnd", label: "period end", values: [2]string{"2027-06-30", "2027-08-31"}, shows: quoted,
			open:   func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindOverview}) },
			set:    func(t *testing.T, f *fixture, v string) { typeInto(overview(t, f).end.entry, v) },
			marker: func(t *testing.T, f *fixture) *conflictMarker { return overview(t, f).conflicts.markers["periodEnd"] },
			shown:  func(t *testing.T, f *fixture) string { return overview(t, f).end.entry.Text },
		},
		{
			name: "milestone end", field: "end", label: "end date", values: [2]string{"2026-04-30", "2026-06-30"}, shows: quoted,
			open:   func(t *testing.T, f *fixture) { f.commitment(t, f.ids[0]) },
			set:    func(t *testing.T, f *fixture, v string) { typeInto(milestone(t, f).end.entry, v) },
			marker: func(t *testing.T, f *fixture) *conflictMarker { return milestone(t, f).conflicts.markers["end"] },
			shown:  func(t *testing.T, f *fixture) string { return milestone(t, f).end.entry.Text },
		},
		{
			name: "milestone progress", field: "progress", label: "progress", values: [2]string{string(doc.Limited), string(doc.Substantial)},
			shows: func(v string) string { return progressLabels[doc.Progress(v)] },
			open:  func(t *testing.T, f *fixture) { f.commitment(t, f.ids[0]) },
			set: func(t *testing.T, f *fixture, v string) {
				milestone(t, f).progress.SetSelected(progressLabels[doc.Progress(v)])
			},
			marker: func(t *testing.T, f *fixture) *conflictMarker { return milestone(t, f).conflicts.markers["progress"] },
			shown: func(t *testing.T, f *fixture) string {
				sel := milestone(t, f).progress.Selected
				for p, l := range progressLabels {
					if l == sel {
						return string(p)
					}
				}
				return sel
			},
		},
		{
			name: "timeline title", field: "title", label: "title", values: [2]string{"Self-assessment published", "Self-assessment sent to OGP"}, shows: quoted,
			open: func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindTimeline}) },
			set: func(t *testing.T, f *fixture, v string) {
				e := timeline(t, f).title.entry
				e.SetText("")
				test.Type(e, v)
			},
			marker: func(t *testing.T, f *fixture) *conflictMarker { return timeline(t, f).conflicts.markers["title"] },
			shown:  func(t *testing.T, f *fixture) string { return timeline(t, f).title.entry.Text },
		},
		{
			name: "timeline date", field: "date", label: "date", values: [2]string{"2026-10-15", "2026-11-01"}, shows: quoted,
			open:   func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindTimeline}) },
			set:    func(t *testing.T, f *fixture, v string) { typeInto(timeline(t, f).date.entry, v) },
			marker: func(t *testing.T, f *fixture) *conflictMarker { return timeline(t, f).conflicts.markers["date"] },
			shown:  func(t *testing.T, f *fixture) string { return timeline(t, f).date.entry.Text },
		},
		{
			name: "notes attendees", field: "attendees", label: "attendees", values: [2]string{"Ana, Bruno, Chidi, Dara", "Ana, Bruno, Chidi, Efe"}, shows: quoted,
			open: func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindNotes}) },
			set: func(t *testing.T, f *fixture, v string) {
				e := notes(t, f).attendees.entry
				e.SetText("")
				test.Type(e, v)
			},
			marker: func(t *testing.T, f *fixture) *conflictMarker { return notes(t, f).conflicts.markers["attendees"] },
			shown:  func(t *testing.T, f *fixture) string { return notes(t, f).attendees.entry.Text },
		},
		{
			name: "notes title", field: "title", label: "title", values: [2]string{"Forum meeting 1 (Cardiff)", "First forum meeting"}, shows: quoted,
			open: func(t *testing.T, f *fixture) { f.open(t, outlineItem{kind: kindNotes}) },
			set: func(t *testing.T, f *fixture, v string) {
				e := notes(t, f).title.entry
				e.SetText("")
				test.Type(e, v)
			},
			marker: func(t *testing.T, f *fixture) *conflictMarker { return notes(t, f).conflicts.markers["title"] },
			shown:  func(t *testing.T, f *fixture) string { return notes(t, f).title.entry.Text },
		},
	}
}

// Ana and Bruno, each in a window of their own, set the same short field
// of each screen while apart; after a merge both ways both windows mark the
// field with both values and who set each. Ana keeps Bruno's value with
// one click: her marker goes and her field shows his value; once her
// change reaches Bruno, his marker goes too and his plan has no conflict.
func TestConflictMarkersOnEveryScreen(t *testing.T) {
	for _, tc := range screenCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			g := brunoWindow(t, f)
			tc.open(t, f)
			tc.open(t, g)
			if m := tc.marker(t, f); m.box.Visible() {
				t.Fatal("a marker shows before anyone disagreed")
			}
			tc.set(t, f, tc.values[0])
			tc.set(t, g, tc.values[1])
			for _, x := range []*fixture{f, g} {
				if err := x.plan.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			mergeFrom(t, f.plan, g.plan)
			mergeFrom(t, g.plan, f.plan)
			f.ui.ws.drain()
			g.ui.ws.drain()

			for _, x := range []struct {
				who string
				f   *fixture
			}{{"Ana", f}, {"Bruno", g}} {
				m := tc.marker(t, x.f)
				text := markerText(m)
				if !m.box.Visible() || len(m.buttons) != 2 {
					t.Fatalf("%s's marker: visible %v, values %+v\n%s", x.who, m.box.Visible(), m.values, text)
				}
				for _, want := range []string{"2 values for the " + tc.label,
					tc.shows(tc.values[0]) + " — set by Ana Costa (Open Budget Coalition, civil society)",
					tc.shows(tc.values[1]) + " — set by Bruno Mensah (Cabinet Office, government)"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s's marker lacks %q:\n%s", x.who, want, text)
					}
				}
				if n := len(x.f.plan.Conflicts()); n != 1 {
					t.Errorf("%s's plan has %d conflicts, want 1: %+v", x.who, n, x.f.plan.Conflicts())
				}
			}

			// Ana keeps Bruno's value.
			m := tc.marker(t, f)
			k := -1
			for j, v := range m.values {
				if v.Value == tc.values[1] {
					k = j
				}
			}
			if k < 0 {
				t.Fatalf("Bruno's value is not among %+v", m.values)
			}
			test.Tap(m.buttons[k])
			if m := tc.marker(t, f); m.box.Visible() {
				t.Errorf("Ana's marker stays after Keep:\n%s", markerText(m))
			}
			if got := tc.shown(t, f); got != tc.values[1] {
				t.Errorf("Ana's field shows %q after keeping %q", got, tc.values[1])
			}
			if m := tc.marker(t, g); !m.box.Visible() {
				t.Error("Bruno's marker went before Ana's choice reached him")
			}
			if err := f.plan.Commit(); err != nil {
				t.Fatal(err)
			}
			f.ui.ws.drain()
			if m := tc.marker(t, f); m.box.Visible() {
				t.Error("Ana's marker came back after the commit")
			}
			mergeFrom(t, g.plan, f.plan)
			g.ui.ws.drain()
			if m := tc.marker(t, g); m.box.Visible() {
				t.Errorf("Bruno's marker stays after Ana's choice reached him:\n%s", markerText(m))
			}
			if got := tc.shown(t, g); got != tc.values[1] {
				t.Errorf("Bruno's field shows %q, want the kept %q", got, tc.values[1])
			}
			for _, x := range []*fixture{f, g} {
				if cs := x.plan.Conflicts(); len(cs) != 0 {
					t.Errorf("conflicts left: %+v", cs)
				}
			}
		})
	}
}

// With every field of the overview in conflict, the fields scroll within
// half the pane and the vision keeps its room: the markers never push the
// text (or the status bar) out of the window.
func TestOverviewMarkersScroll(t *testing.T) {
	f := newFixture(t)
	f.open(t, outlineItem{kind: kindOverview})
	other := brunoApart(t, f)
	for _, fv := range [][3]string{{"title", "Fourth Plan (Ana)", "Fourth Plan (Bruno)"}, {"country", "Freedonia (Ana)", "Freedonia (Bruno)"},
		{"periodStart", "2025-03-01", "2025-02-01"}, {"periodEnd", "2027-06-30", "2027-08-31"}} {
		if err := f.plan.SetPlanField(fv[0], fv[1]); err != nil {
			t.Fatal(err)
		}
		if err := other.SetPlanField(fv[0], fv[2]); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*doc.Plan{f.plan, other} {
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	mergeFrom(t, f.plan, other)
	f.ui.ws.drain()
	o := f.ui.ws.current.(*overview)
	for field, m := range o.conflicts.markers {
		if !m.box.Visible() {
			t.Errorf("the %s marker is hidden", field)
		}
	}
	f.ui.win.Resize(fyne.NewSize(1100, 720))
	box := f.ui.ws.center.Objects[0].(*fyne.Container)
	top, text := box.Objects[0], box.Objects[1]
	if h := f.ui.ws.center.Size().Height; top.Size().Height > h/2+1 {
		t.Errorf("the fields take %v of %v", top.Size().Height, h)
	}
	if text.Size().Height < text.MinSize().Height {
		t.Errorf("the vision has %v, needs %v", text.Size().Height, text.MinSize().Height)
	}
	st := f.ui.ws.status.sync
	if y := fyne.CurrentApp().Driver().AbsolutePositionForObject(st).Y + st.Size().Height; y > f.ui.win.Canvas().Size().Height {
		t.Errorf("the status bar ends at %v, below the window's %v", y, f.ui.win.Canvas().Size().Height)
	}
}
