package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// brunoApart is Bruno's copy of the fixture's plan, taken now: he edits it
// while apart from Ana.
func brunoApart(t *testing.T, f *fixture) *doc.Plan {
	t.Helper()
	saved, err := f.plan.Save()
	if err != nil {
		t.Fatal(err)
	}
	other, err := doc.LoadPlan(saved, bruno)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

func mergeFrom(t *testing.T, to, from *doc.Plan) {
	t.Helper()
	saved, err := from.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := to.Merge(saved); err != nil {
		t.Fatal(err)
	}
}

// markerText is what a marker shows: its title and each row's words.
func markerText(m *conflictMarker) string {
	var b strings.Builder
	b.WriteString(m.title.Text)
	for _, row := range m.rows.Objects {
		for _, o := range row.(*fyne.Container).Objects {
			if l, ok := o.(*widget.Label); ok {
				b.WriteString("\n" + l.Text)
			}
		}
	}
	return b.String()
}

// Ana (in the window) and Bruno set the lead agency and the state of one
// commitment while apart. After the merge the editor marks both fields with
// both values and who set each; clicking Keep on Bruno's lead keeps it, the
// marker goes, and Bruno's copy has no conflict once Ana's change reaches
// it. Typing a new value into the state's field ends that conflict too.
func TestConflictMarkerKeep(t *testing.T) {
	f := newFixture(t)
	id := f.ids[1]
	other := brunoApart(t, f)
	ce := f.commitment(t, id)
	if ce.markers["lead"].box.Visible() {
		t.Fatal("a marker shows before anyone disagreed")
	}

	ce.lead.entry.SetText("Companies House") // Ana types in the window
	if err := f.plan.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := other.SetCommitmentShort(id, doc.FieldLead, "HM Treasury"); err != nil {
		t.Fatal(err)
	}
	if err := other.SetCommitmentState(id, doc.Agreed); err != nil {
		t.Fatal(err)
	}
	if err := f.plan.SetCommitmentState(id, doc.NotAdopted); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	mergeFrom(t, f.plan, other)
	f.ui.ws.drain()

	lead := ce.markers["lead"]
	if !lead.box.Visible() || len(lead.values) != 2 || len(lead.buttons) != 2 {
		t.Fatalf("lead marker: visible %v, values %+v", lead.box.Visible(), lead.values)
	}
	text := markerText(lead)
	for _, want := range []string{"2 values for the lead agency",
		"“Companies House” — set by Ana Costa (Open Budget Coalition, civil society)",
		"“HM Treasury” — set by Bruno Mensah (Cabinet Office, government)"} {
		if !strings.Contains(text, want) {
			t.Errorf("lead marker lacks %q:\n%s", want, text)
		}
	}
	state := ce.markers["state"]
	if st := markerText(state); !state.box.Visible() || !strings.Contains(st, "Agreed — set by Bruno Mensah") || !strings.Contains(st, "Not adopted — set by Ana Costa") {
		t.Errorf("state marker (visible %v):\n%s", state.box.Visible(), st)
	}
	for f, m := range ce.markers {
		if f != "lead" && f != "state" && m.box.Visible() {
			t.Errorf("the %s marker shows without a conflict", f)
		}
	}

	// Keep Bruno's lead.
	i := 0
	if lead.values[1].Value == "HM Treasury" {
		i = 1
	}
	test.Tap(lead.buttons[i])
	if lead.box.Visible() {
		t.Error("the lead marker stays after Keep")
	}
	if ce.lead.entry.Text != "HM Treasury" {
		t.Errorf("lead field shows %q after keeping HM Treasury", ce.lead.entry.Text)
	}
	if !state.box.Visible() {
		t.Error("keeping the lead closed the state's conflict too")
	}
	if err := f.plan.Commit(); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain()
	if lead.box.Visible() {
		t.Error("the lead marker came back after the commit")
	}
	mergeFrom(t, other, f.plan)
	for _, c := range other.Conflicts() {
		if c.Field == "lead" {
			t.Errorf("Bruno still has %+v", c)
		}
	}
	if c, _ := other.Commitment(id); c.Lead != "HM Treasury" {
		t.Errorf("Bruno's lead %q", c.Lead)
	}

	// Choosing a state anew writes over both values.
	ce.state.SetSelected(stateLabel(doc.Discussion))
	if err := f.plan.Commit(); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain()
	if state.box.Visible() || len(f.plan.Conflicts()) != 0 {
		t.Errorf("state marker %v, conflicts %+v after choosing a state", state.box.Visible(), f.plan.Conflicts())
	}
}

// A Keep on a conflict a colleague already resolved says so and hides the
// marker.
func TestConflictMarkerResolvedElsewhere(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	other := brunoApart(t, f)
	ce := f.commitment(t, id)
	if err := f.plan.SetCommitmentShort(id, doc.FieldContact, "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := other.SetCommitmentShort(id, doc.FieldContact, "bruno@example.gov"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*doc.Plan{f.plan, other} {
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	mergeFrom(t, f.plan, other)
	f.ui.ws.drain()
	contact := ce.markers["contact"]
	if !contact.box.Visible() || len(contact.buttons) != 2 {
		t.Fatalf("contact marker: visible %v, values %+v", contact.box.Visible(), contact.values)
	}
	// Bruno keeps his value; it arrives while Ana's marker is still up.
	mergeFrom(t, other, f.plan)
	if err := other.ResolveConflict("commitment/"+id, "contact", "bruno@example.gov"); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	saved, err := other.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.plan.Merge(saved); err != nil {
		t.Fatal(err)
	}
	test.Tap(contact.buttons[0]) // before the window heard of the merge
	if contact.box.Visible() {
		t.Error("the marker stays although the conflict has closed")
	}
	if !dialogSays(f.ui.win, "A colleague has kept one of the values already") {
		t.Error("the window did not say the conflict had already closed")
	}
	if c, _ := f.plan.Commitment(id); c.Contact != "bruno@example.gov" || ce.contact.entry.Text != c.Contact {
		t.Errorf("contact %q, field %q; want Bruno's kept value", c.Contact, ce.contact.entry.Text)
	}
}
